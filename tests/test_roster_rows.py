"""The day's roster reads only the columns it shows into `RosterPerson` tuples (faster than peewee's
models, issue 14): the same values as peewee's `Person` gives, and the same statuses."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from imlate_tui.db.models import Person, Track
from imlate_tui.db.tracks import RosterPerson, roster
from imlate_tui.domain.scanning import Status

pytestmark = pytest.mark.db
DAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 7, 0, tzinfo=timezone.utc)


def person(**fields) -> Person:
    return Person.create(created_at=NOW, updated_at=NOW, **fields)


def track(who: Person, hh: int, direction: str, *, minutes_late: int | None = None, source: str = "scan",
          voided: bool = False) -> None:
    Track.create(person=who, at=NOW.replace(hour=hh), local_date=DAY, direction=direction, source=source,
                 terminal="reception", minutes_late=minutes_late, voided_at=NOW if voided else None)


def test_roster_people_hold_what_peewee_gives_for_their_columns(db):
    person(kind="student", forename="Ann", surname="Lee", preferred_name="Annie", school_id="S1", year_group=7,
           form_group="7A", division_ids="1,2", isams_id=12345678901, notes="allergy: nuts")
    person(kind="staff", forename="Bo", surname="Chan", active=False, email="bo@school.example")
    person(kind="visitor", forename="", surname="Żak", photo_path="photos/x.jpg")
    built = [r.person for r in roster(DAY, include_inactive=True)]
    expected = list(Person.select().order_by(Person.surname, Person.forename, Person.id))
    assert built == [RosterPerson(*(getattr(p, name) for name in RosterPerson._fields)) for p in expected]
    assert [p.display_name for p in built] == [p.display_name for p in expected] == ["Bo Chan", "Annie Lee", "Żak"]
    assert [p.active for p in built] == [False, True, True]
    assert all(type(p.active) is bool for p in built)


def test_the_roster_reads_the_last_counted_track_and_the_first_lateness(db):
    ann = person(kind="student", forename="Ann", surname="Lee")
    bo = person(kind="staff", forename="Bo", surname="Chan")
    cy = person(kind="student", forename="Cy", surname="Dee")
    person(kind="staff", forename="Old", surname="Gone", active=False)
    track(ann, 8, "in", minutes_late=12)
    track(ann, 11, "out")
    track(ann, 12, "in", minutes_late=3)
    track(bo, 8, "in")
    track(bo, 17, "out", source="auto")
    track(cy, 9, "in")
    track(cy, 10, "out", voided=True)   # a voided scan does not count
    rows = {r.person.surname: r for r in roster(DAY)}
    assert set(rows) == {"Lee", "Chan", "Dee"}
    assert (rows["Lee"].status, rows["Lee"].minutes_late, rows["Lee"].last_event_at) == (
        Status.SIGNED_IN, 12, NOW.replace(hour=12))
    assert rows["Chan"].status is Status.SIGNED_OUT and rows["Chan"].auto_signed_out
    assert rows["Dee"].status is Status.SIGNED_IN and rows["Dee"].last_source == "scan"
    assert "Gone" in {r.person.surname for r in roster(DAY, include_inactive=True)}
