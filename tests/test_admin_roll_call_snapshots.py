"""SVG snapshots of the fire roll call in `imlate admin` at 80x24, 160x48 and 45x25 (a phone):
a roll call running with three people found.

Regenerate after a deliberate change with `pytest tests/test_admin_roll_call_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input

from admin_helpers import admin_app, admin_settings
from imlate_tui.db import roll_calls
from imlate_tui.services import roll_call
from imlate_tui.services.scanning import ScanService
from kiosk_helpers import add_person

pytestmark = pytest.mark.snapshot
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48"),
         pytest.param((45, 25), id="45x25")]


@pytest.fixture
def settings(tmp_path):
    return admin_settings(tmp_path)


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch):
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


@pytest.fixture
def running(db, clock):
    people = [("Ann", "Able", 7, "7A"), ("Bea", "Baker", 7, "7B"), ("Cal", "Cole", 8, "8A"),
              ("Eve", "Evans", 8, "8A"), ("Fay", "Ford", 9, "9C"), ("Gus", "Grant", 9, "9C"),
              ("Hal", "Hughes", 10, "10D"), ("Ivy", "Iqbal", 10, "10D"), ("Jo", "Jones", 11, "11E")]
    for first, last, year, form in people:
        add_person(first, last, card=first.upper(), year=year, form=form)
    add_person("Dee", "Dunn", card="DEE", kind="staff")
    add_person("Kit", "Knox", card="KIT", kind="staff")
    add_person("Vic", "Visitor", card="VIC", kind="visitor")
    scans = ScanService(db, clock)
    for card in ("ANN", "BEA", "CAL", "EVE", "FAY", "GUS", "HAL", "IVY", "JO", "DEE", "KIT", "VIC"):
        scans.scan(card)
    clock.advance(minutes=20)
    call, _ = roll_call.start(now=clock(), tz=db.tz, actor="alice")
    entries = {e.name: e for e in roll_calls.entries(call.id)}
    clock.advance(minutes=3)
    for name, marshal in (("Dee Dunn", "alice"), ("Bea Baker", "carol"), ("Ivy Iqbal", "carol")):
        roll_call.mark(entries[name].id, True, now=clock(), actor=marshal)
    return admin_app(db, clock)


@pytest.mark.parametrize("size", SIZES)
def test_roll_call_running(snap_compare, running, size):
    async def run_before(pilot) -> None:
        await pilot.press("f10")
        await pilot.pause()

    assert snap_compare(running, terminal_size=size, run_before=run_before)
