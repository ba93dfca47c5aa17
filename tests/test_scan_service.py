"""Recording scans and manual entries through the service, on a real SQLite file."""

from datetime import datetime, timedelta, timezone

import pytest

from imlate_tui.db import people
from imlate_tui.db.models import AuditEntry, Person, Track
from imlate_tui.domain.scanning import Direction, MoveRefused
from imlate_tui.errors import InvalidInput
from imlate_tui.services.scanning import Outcome, ScanService


def add_person(now, kind="student", forename="Ann", surname="Lee", card=None, school_id=None, active=True):
    person = Person.create(kind=kind, forename=forename, surname=surname, school_id=school_id,
                           active=active, created_at=now, updated_at=now)
    if card:
        people.assign_card(person, card, now)
    return person


def test_card_lookup_trims_and_ignores_case(db, clock):
    ann = add_person(clock(), card="AB12")
    result = ScanService(db, clock).scan("  ab12\n")
    assert result.result is Outcome.SIGNED_IN
    assert result.person.id == ann.id and result.person.name == "Ann Lee"
    track = Track.get()
    assert (track.direction, track.source, track.terminal) == ("in", "keyboard", "reception")
    assert track.local_date.isoformat() == "2026-11-24" and track.at == clock()


def test_unknown_card_is_a_result_and_records_nothing(db, clock):
    result = ScanService(db, clock).scan("nope-1")
    assert result.result is Outcome.UNKNOWN_CARD and result.person is None and result.code == "NOPE-1"
    assert "not recognised" in result.message
    assert Track.select().count() == 0


def test_school_id_matches_students_only_when_enabled(db, clock, tmp_path):
    add_person(clock(), school_id="4733683260")
    add_person(clock(), kind="staff", forename="Tom", surname="B", school_id="S-99")
    assert ScanService(db, clock).scan("4733683260").result is Outcome.SIGNED_IN
    assert ScanService(db, clock).scan("s-99").result is Outcome.UNKNOWN_CARD  # staff ids are not cards
    off = db.model_copy(update={"scanner": db.scanner.model_copy(update={"match_school_id": False})})
    clock.advance(minutes=5)
    assert ScanService(off, clock).scan("4733683260").result is Outcome.UNKNOWN_CARD


def test_inactive_people_are_not_recorded(db, clock):
    add_person(clock(), card="LEFT", active=False)
    result = ScanService(db, clock).scan("LEFT")
    assert result.result is Outcome.INACTIVE_PERSON and Track.select().count() == 0


def test_garbage_input_raises_and_records_nothing(db, clock):
    add_person(clock(), card="AB12")
    for raw in ("", "  ", "X" * 65, "AB\x0012"):
        with pytest.raises(InvalidInput):
            ScanService(db, clock).scan(raw)
    assert Track.select().count() == 0


def test_alternation_and_repeat_window_across_a_day(db, clock):
    add_person(clock(), card="C1")
    service = ScanService(db, clock)
    outcomes = []
    for step in (0, 3, 9.9, 10, 15, 30, 1, 100):   # seconds since the previous scan
        clock.advance(seconds=step)
        outcomes.append(service.scan("C1").result)
    assert outcomes == [
        Outcome.SIGNED_IN,           # first scan of the day
        Outcome.ALREADY_SIGNED_IN,   # 3 s after the sign-in
        Outcome.SIGNED_OUT,          # 12.9 s after the sign-in (repeats do not restart the window)
        Outcome.SIGNED_IN,           # 10 s after: the edge is outside the window
        Outcome.SIGNED_OUT,
        Outcome.SIGNED_IN,
        Outcome.ALREADY_SIGNED_IN,
        Outcome.SIGNED_OUT,
    ]
    assert [t.direction for t in Track.select().order_by(Track.id)] == ["in", "out", "in", "out", "in", "out"]


def test_midnight_starts_a_new_day_with_a_sign_in(db, clock):
    add_person(clock(), card="C1")
    service = ScanService(db, clock)
    # the night the clocks go back: local midnight (BST) is 23:00 UTC
    clock.now = datetime(2026, 10, 24, 22, 59, 55, tzinfo=timezone.utc)
    assert service.scan("C1").result is Outcome.SIGNED_IN
    clock.now = datetime(2026, 10, 24, 23, 0, 0, tzinfo=timezone.utc)   # 00:00:00 exactly, local
    result = service.scan("C1")
    assert result.result is Outcome.SIGNED_IN   # a new day: not a repeat, not a sign-out
    days = [t.local_date.isoformat() for t in Track.select().order_by(Track.id)]
    assert days == ["2026-10-24", "2026-10-25"]


def test_manual_entries_name_the_direction_and_are_audited(db, clock):
    ann = add_person(clock())
    service = ScanService(db, clock)
    with pytest.raises(MoveRefused, match="has not signed in today"):
        service.manual(ann.id, Direction.OUT, actor="reception")
    assert Track.select().count() == 0 and AuditEntry.select().count() == 0
    result = service.manual(ann.id, Direction.IN, actor="jsmith", note="lost card", client="10.0.0.5")
    assert result.result is Outcome.SIGNED_IN
    with pytest.raises(MoveRefused, match="already signed in"):
        service.manual(ann.id, Direction.IN, actor="jsmith")
    track = Track.get()
    assert (track.source, track.actor, track.note) == ("manual", "jsmith", "lost card")
    entry = AuditEntry.get()
    assert (entry.actor, entry.client, entry.action, entry.target) == ("jsmith", "10.0.0.5", "manual_sign_in",
                                                                       f"person:{ann.id}")
    with pytest.raises(InvalidInput, match="no person with id 999"):
        service.manual(999, Direction.IN, actor="jsmith")


def test_audit_log_is_append_only(db, clock):
    ann = add_person(clock())
    ScanService(db, clock).manual(ann.id, Direction.IN, actor="jsmith")
    from peewee import IntegrityError, InternalError, OperationalError
    refused = (IntegrityError, InternalError, OperationalError)   # SQLite and PostgreSQL say it differently
    with pytest.raises(refused, match="append-only"):
        AuditEntry.update(actor="someone else").execute()
    with pytest.raises(refused, match="append-only"):
        AuditEntry.delete().execute()
    assert AuditEntry.get().actor == "jsmith"


def test_scan_json_shape(db, clock):
    add_person(clock(), card="C1", school_id="123")
    data = ScanService(db, clock).scan("c1").as_json()
    assert set(data) == {"result", "person", "minutes_late", "at"}
    assert data["result"] == "signed_in" and data["minutes_late"] is None
    assert data["person"] == {"id": 1, "name": "Ann Lee", "school_id": "123", "kind": "student"}
    assert datetime.fromisoformat(data["at"]) == clock()
    assert datetime.fromisoformat(data["at"]) - clock() == timedelta(0)


def test_lateness_is_asked_for_student_sign_ins_only_and_stored(db, clock):
    add_person(clock(), card="STU")
    add_person(clock(), kind="staff", forename="Tom", surname="B", card="STAFF")
    asked = []

    def lateness(person, at):
        asked.append((person.kind, at))
        return 12

    service = ScanService(db, clock, lateness=lateness)
    late = service.scan("STU")
    assert late.result is Outcome.SIGNED_IN and late.minutes_late == 12
    assert late.message == "Ann Lee: signed in, 12 minutes late"
    assert service.scan("STAFF").minutes_late is None
    clock.advance(minutes=1)
    assert service.scan("STU").result is Outcome.SIGNED_OUT
    assert asked == [("student", clock.now - timedelta(minutes=1))]
    assert [t.minutes_late for t in Track.select().order_by(Track.id)] == [12, None, None]
