"""Queries about tracks (the sign-in / sign-out events) and the day's roster."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from imlate_tui.db.models import Person, Track
from imlate_tui.domain.scanning import Direction, LastTrack, Status, status_of


@dataclass(frozen=True)
class RosterRow:
    person: Person
    status: Status
    last_event_at: datetime | None
    minutes_late: int | None
    last_source: str | None = None
    """How the last track was made (`auto`: the auto-signout job signed them out)."""

    @property
    def auto_signed_out(self) -> bool:
        return self.status is Status.SIGNED_OUT and self.last_source == "auto"


def roster(day: date, *, include_inactive: bool = False) -> list[RosterRow]:
    """Everyone with their status on `day`, sorted by surname. Two queries, whatever the size."""
    last: dict[int, Track] = {}
    late: dict[int, int] = {}
    for track in Track.select().where((Track.local_date == day) & counted()).order_by(Track.at, Track.id):
        last[track.person_id] = track
        if track.minutes_late is not None and track.person_id not in late:
            late[track.person_id] = track.minutes_late
    people = Person.select().order_by(Person.surname, Person.forename, Person.id)
    if not include_inactive:
        people = people.where(Person.active == True)  # noqa: E712
    rows = []
    for person in people:
        t = last.get(person.id)
        lt = LastTrack(Direction(t.direction), t.at) if t else None
        rows.append(RosterRow(person, status_of(lt), t.at if t else None, late.get(person.id),
                              t.source if t else None))
    return rows


def counted():
    """The tracks that count: every one not voided (a voided scan is kept, but left out of alternation,
    rosters and reports)."""
    return Track.voided_at.is_null()


def tracks_of(person_id: int, day: date, *, include_void: bool = False) -> list[Track]:
    query = Track.select().where((Track.person == person_id) & (Track.local_date == day))
    return list((query if include_void else query.where(counted())).order_by(Track.at, Track.id))


def signed_in_between(person_id: int, day: date, start: datetime, before: datetime) -> bool:
    """Was there a sign-in that day at or after `start` and strictly before `before`?"""
    return Track.select().where((Track.person == person_id) & (Track.local_date == day)
                                & (Track.direction == "in") & (Track.at >= start) & (Track.at < before)
                                & counted()).exists()
