"""The fire roll call service: the list is frozen at the start, marks from several marshals, the result
in the audit log."""

from __future__ import annotations

import json

import pytest

from imlate_tui.db import roll_calls
from imlate_tui.db.models import AuditEntry
from imlate_tui.db.office_models import RollCall
from imlate_tui.errors import InvalidInput
from imlate_tui.services import roll_call
from imlate_tui.services.scanning import ScanService
from kiosk_helpers import add_person


@pytest.fixture
def on_site(db, clock):
    ann = add_person("Ann", "Able", card="A1", year=7, form="7A")
    add_person("Bea", "Baker", card="B1", year=7, form="7B")
    add_person("Cal", "Cole", card="C1", year=8, form="8A")      # never comes in
    add_person("Dee", "Dunn", card="D1", kind="staff")
    add_person("Vic", "Visitor", card="V1", kind="visitor")
    scans = ScanService(db, clock)
    for card in ("A1", "B1", "D1", "V1"):
        scans.scan(card)
    return ann


def names(call: RollCall) -> list[tuple[str, str, bool]]:
    return [(e.name, e.group_name, e.found) for e in roll_calls.entries(call.id)]


def test_start_freezes_who_is_on_site(on_site, db, clock):
    call, started = roll_call.start(now=clock(), tz=db.tz, actor="alice", client="10.0.0.5")
    assert started and call.total == 4
    assert names(call) == [("Dee Dunn", "Staff", False), ("Vic Visitor", "Visitors", False),
                           ("Ann Able", "Year 7 · 7A", False), ("Bea Baker", "Year 7 · 7B", False)]
    clock.advance(minutes=1)
    ScanService(db, clock).scan("C1")          # Cal arrives during the fire: the marshals' list stays
    ScanService(db, clock).scan("A1")          # Ann signs out: she stays on the list too
    assert [n for n, _, _ in names(call)] == ["Dee Dunn", "Vic Visitor", "Ann Able", "Bea Baker"]
    again, started = roll_call.start(now=clock(), tz=db.tz, actor="bob")
    assert (again.id, started) == (call.id, False)              # a second marshal joins it
    entry = AuditEntry.get(AuditEntry.action == "roll_call_start")
    assert (entry.actor, entry.client, json.loads(entry.details)) == ("alice", "10.0.0.5", {"on_site": 4})


def test_marks_from_two_marshals_and_the_result_in_the_audit_log(on_site, db, clock):
    call, _ = roll_call.start(now=clock(), tz=db.tz, actor="alice")
    entries = {e.name: e for e in roll_calls.entries(call.id)}
    clock.advance(minutes=2)
    assert roll_call.mark(entries["Ann Able"].id, True, now=clock(), actor="alice")
    assert not roll_call.mark(entries["Ann Able"].id, True, now=clock(), actor="bob")   # already found
    assert roll_call.mark(entries["Dee Dunn"].id, True, now=clock(), actor="bob")
    assert roll_call.mark(entries["Dee Dunn"].id, False, now=clock(), actor="bob")      # a slip, undone
    assert roll_call.mark(entries["Vic Visitor"].id, True, now=clock(), actor="bob")
    ann = next(e for e in roll_calls.entries(call.id) if e.name == "Ann Able")
    assert (ann.found, ann.found_by) == (True, "alice")
    tally = roll_call.tally(roll_calls.entries(call.id))
    assert (tally.total, tally.found, tally.missing) == (4, 2, 2)
    assert tally.missing_by_group == [("Staff", 1), ("Year 7 · 7B", 1)]

    clock.advance(minutes=3)
    result = roll_call.end(call.id, now=clock(), actor="alice")
    assert result == tally
    end = AuditEntry.get(AuditEntry.action == "roll_call_end")
    details = json.loads(end.details)
    assert (end.actor, details["on_site"], details["found"], details["missing"]) == ("alice", 4, 2, 2)
    assert details["missing_names"] == ["Dee Dunn (Staff)", "Bea Baker (Year 7 · 7B)"]
    assert details["missing_by_group"] == {"Staff": 1, "Year 7 · 7B": 1}
    marks = [(e.action, e.actor) for e in AuditEntry.select().where(AuditEntry.action.startswith("roll_call_"))
             .order_by(AuditEntry.id)]
    assert marks == [("roll_call_start", "alice"), ("roll_call_found", "alice"), ("roll_call_found", "bob"),
                     ("roll_call_not_found", "bob"), ("roll_call_found", "bob"), ("roll_call_end", "alice")]
    assert roll_calls.running() is None and RollCall.get().ended_by == "alice"
    with pytest.raises(InvalidInput, match="has ended"):
        roll_call.mark(ann.id, False, now=clock(), actor="alice")
    with pytest.raises(InvalidInput, match="already ended"):
        roll_call.end(call.id, now=clock(), actor="alice")


def test_missing_by_kind_and_year(on_site, db, clock):
    call, _ = roll_call.start(now=clock(), tz=db.tz, actor="alice")
    rows = roll_calls.entries(call.id)
    assert roll_call.missing_by_kind_and_year(rows) == [("Staff", 1), ("Visitors", 1), ("Year 7", 2)]


def test_an_empty_site_gives_an_empty_roll_call(db, clock):
    call, started = roll_call.start(now=clock(), tz=db.tz, actor="alice")
    assert started and call.total == 0 and roll_calls.entries(call.id) == []
