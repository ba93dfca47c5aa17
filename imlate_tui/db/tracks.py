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
    """Everyone with their status on `day`, sorted by surname. Two queries, whatever the size.

    Rows come as tuples and people through `scan_path.people_of`: with a whole school on the roster,
    peewee's setattr per field of every model cost `imlate roster` more than its queries and imports."""
    from imlate_tui.db.scan_path import people_of

    last: dict[int, tuple] = {}
    late: dict[int, int] = {}
    tracks = (Track.select(Track.person, Track.direction, Track.at, Track.source, Track.minutes_late)
              .where((Track.local_date == day) & counted()).order_by(Track.at, Track.id).tuples())
    for person_id, direction, at, source, minutes_late in tracks:
        last[person_id] = (direction, at, source)
        if minutes_late is not None and person_id not in late:
            late[person_id] = minutes_late
    people = Person.select().order_by(Person.surname, Person.forename, Person.id)
    if not include_inactive:
        people = people.where(Person.active == True)  # noqa: E712
    rows = []
    for person in people_of(people):
        t = last.get(person.id)
        lt = LastTrack(Direction(t[0]), t[1]) if t else None
        rows.append(RosterRow(person, status_of(lt), t[1] if t else None, late.get(person.id),
                              t[2] if t else None))
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
