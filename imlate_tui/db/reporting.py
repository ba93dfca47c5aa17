"""Read-only queries behind `imlate report daily|range` (no writes here; retention has its own module)."""

from __future__ import annotations

from datetime import date
from typing import Iterator

from imlate_tui.db.models import AttendanceIntent, AttendanceWrite, Person, Track


def tracks_on(day: date) -> list[Track]:
    """Every track of the day with its person loaded, in the order they happened."""
    return list(Track.select(Track, Person).join(Person, on=(Track.person == Person.id))
                .where((Track.local_date == day) & Track.voided_at.is_null()).order_by(Track.at, Track.id))


def students_not_signed_in(day: date) -> list[Person]:
    """Active students with no sign-in that day, by year, form and name (sorted here: SQLite and
    PostgreSQL put NULL years at opposite ends)."""
    signed_in = Track.select(Track.person).where((Track.local_date == day) & (Track.direction == "in")
                                                 & Track.voided_at.is_null())
    people = Person.select().where((Person.kind == "student") & (Person.active == True)  # noqa: E712
                                   & Person.id.not_in(signed_in))
    return sorted(people, key=lambda p: (p.year_group is None, p.year_group or 0, p.form_group or "",
                                         p.surname, p.forename, p.id))


def failed_intents_on(day: date) -> list[AttendanceIntent]:
    """The day's intents the writer gave up on (permanent failures), with person and track loaded."""
    return list(AttendanceIntent.select(AttendanceIntent, Person, Track)
                .join(Person, on=(AttendanceIntent.person == Person.id))
                .switch(AttendanceIntent).join(Track, on=(AttendanceIntent.track == Track.id))
                .where((AttendanceIntent.local_date == day) & (AttendanceIntent.status == "failed"))
                .order_by(AttendanceIntent.event_at, AttendanceIntent.id))


def failed_job_writes_on(day: date) -> list[AttendanceWrite]:
    """Failed register writes that belong to no intent (automatic absence marking), person loaded."""
    return list(AttendanceWrite.select(AttendanceWrite, Person)
                .join(Person, on=(AttendanceWrite.person == Person.id))
                .where((AttendanceWrite.local_date == day) & (AttendanceWrite.outcome == "failed")
                       & AttendanceWrite.intent.is_null())
                .order_by(AttendanceWrite.at, AttendanceWrite.id))


def pending_intents_on(day: date) -> int:
    return AttendanceIntent.select().where((AttendanceIntent.local_date == day)
                                           & (AttendanceIntent.status == "pending")).count()


def tracks_between(first: date, last: date) -> Iterator[Track]:
    """Tracks of the days first..last (inclusive) with their person, grouped by day then person.

    Streamed (`iterator()`), so a year of a whole school does not sit in memory at once.
    """
    return (Track.select(Track, Person).join(Person, on=(Track.person == Person.id))
            .where((Track.local_date >= first) & (Track.local_date <= last) & Track.voided_at.is_null())
            .order_by(Track.local_date, Person.surname, Person.forename, Person.id, Track.at, Track.id)
            .iterator())
