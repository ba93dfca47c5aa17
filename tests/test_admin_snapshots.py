"""SVG snapshots of `imlate admin`'s Today screen (late arrivals, early leavers, writeback states) at
80x24 and 160x48, on a fixed clock. Regenerate after a deliberate change with
`pytest tests/test_admin_snapshots.py --snapshot-update`, and look at the SVGs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import Input

from admin_helpers import admin_app, admin_settings
from imlate_tui.db import attendance
from imlate_tui.db.models import Track
from kiosk_helpers import add_person

pytestmark = pytest.mark.snapshot
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


@pytest.fixture
def settings(tmp_path):
    return admin_settings(tmp_path)


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch):
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


def track(person, clock, minutes: int, direction: str, *, late=None, reason=None, status=None, summary=""):
    at = clock() + timedelta(minutes=minutes)
    t = Track.create(person=person, at=at, local_date=at.date(), direction=direction, source="scanner",
                     minutes_late=late, reason=reason)
    if status is not None:
        intent = attendance.add_intent(track=t, person=person, first_of_day=direction == "in", hold_until=None,
                                       now=at)
        if status != "pending":
            attendance.settle(intent, status=status, summary=summary, now=at + timedelta(minutes=1))
    return t


@pytest.fixture
def today(db, clock):
    """08:00 on the clock: a morning's late arrivals and early leavers, in every writeback state."""
    ada = add_person("Ada", "Lovelace", year=9, form="9B")
    ben = add_person("Ben", "Ng", year=10, form="10C")
    cara = add_person("Cara", "Okafor", year=7, form="7H")
    dev = add_person("Devika", "Ramanathan-Smith", year=7, form="7H")
    eli = add_person("Eli", "Stone", year=8, form="8A")
    track(ada, clock, 40, "in", late=15, status="sent", summary="AM: late 15 min: present, late")
    track(ben, clock, 52, "in", late=27, reason="L - Bus or train late", status="sent",
          summary="AM: reason L: present, late")
    track(cara, clock, 55, "in", late=30, reason="M - Medical appointment", status="skipped",
          summary="AM: protected: out of school (entered by the office)")
    track(dev, clock, 63, "in", late=38, status="failed",
          summary="AM: late 38 min: present, late — failed: iSAMS refused the write (400): The register for this "
                  "period is closed.")
    track(eli, clock, 10, "in", status="sent", summary="AM: on time: present")
    track(eli, clock, 180, "out", reason="Unwell", status="pending")
    clock.advance(hours=3, minutes=5)
    return admin_app(db, clock)


async def show_today(pilot) -> None:
    await pilot.press("f1")
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_late_list(snap_compare, today, size):
    assert snap_compare(today, terminal_size=size, run_before=show_today)
