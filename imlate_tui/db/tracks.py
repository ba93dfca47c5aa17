"""Queries about tracks (the sign-in / sign-out events) and the day's roster."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from imlate_tui.db.connection import database
from imlate_tui.db.models import Person, Track, display_name
from imlate_tui.domain.scanning import Direction, LastTrack, Status, status_of


class RosterPerson(NamedTuple):
    """Who a roster row is about: the columns rosters, fire lists and roll calls show. A roster reads a
    whole school, and building full `Person` models (21 columns, converters, a model object each) was
    most of `imlate roster`'s own work; anything else is read through `id`."""
    id: int
    kind: str
    school_id: str | None
    forename: str
    surname: str
    preferred_name: str | None
    year_group: int | None
    form_group: str | None
    active: bool

    @property
    def display_name(self) -> str:
        return display_name(self)


_ROSTER_COLUMNS = [getattr(Person, name) for name in RosterPerson._fields]


@dataclass(frozen=True)
class RosterRow:
    person: RosterPerson
    status: Status
    last_event_at: datetime | None
    minutes_late: int | None
    last_source: str | None = None
    """How the last track was made (`auto`: the auto-signout job signed them out)."""

    @property
    def auto_signed_out(self) -> bool:
        return self.status is Status.SIGNED_OUT and self.last_source == "auto"


def roster(day: date, *, include_inactive: bool = False) -> list[RosterRow]:
    """Everyone with their status on `day`, sorted by surname. Two queries, whatever the size; rows
    come as tuples (peewee's SQL, the driver's cursor)."""
    last: dict[int, tuple] = {}
    late: dict[int, int] = {}
    tracks = (Track.select(Track.person, Track.direction, Track.at, Track.source, Track.minutes_late)
              .where((Track.local_date == day) & counted()).order_by(Track.at, Track.id).tuples())
    for person_id, direction, at, source, minutes_late in tracks:
        last[person_id] = (direction, at, source)
        if minutes_late is not None and person_id not in late:
            late[person_id] = minutes_late
    people = Person.select(*_ROSTER_COLUMNS).order_by(Person.surname, Person.forename, Person.id)
    if not include_inactive:
        people = people.where(Person.active == True)  # noqa: E712
    rows = []
    for row in database.execute(people).fetchall():
        person = RosterPerson(*row[:-1], bool(row[-1]))   # SQLite keeps booleans as 0 and 1
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
