"""SVG snapshots of the visitor form at 80x24 and 160x48: the form filled in, the notice, the badge
confirmation (badge printed on a real CUPS queue), the printer-failure confirmation, the watch-list hold.

Regenerate after a deliberate change with `pytest tests/test_kiosk_visitor_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input

from imlate_tui.db import visitors as visitor_queries
from kiosk_helpers import opened, wait_for
from visitor_kiosk_helpers import SIZES, add_staff, fill_form, visitor_kiosk, visitor_settings

pytestmark = pytest.mark.snapshot
SIZE_PARAMS = [pytest.param(size, id=f"{size[0]}x{size[1]}") for size in SIZES]


@pytest.fixture(autouse=True)
def steady(monkeypatch):
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    monkeypatch.setattr(visitor_queries, "new_badge_code", lambda: "V4KQ7MXA")


def kiosk(tmp_path, clock, printer=None):
    settings = visitor_settings(tmp_path, printer=printer)
    ctx = opened(settings)
    ctx.__enter__()
    add_staff("Helen", "Okafor", "h.okafor@hillside.example")
    return visitor_kiosk(settings, clock), ctx


@pytest.fixture
def close_db():
    contexts = []
    yield contexts
    for ctx in contexts:
        ctx.__exit__(None, None, None)


@pytest.mark.parametrize("size", SIZE_PARAMS)
def test_visitor_form_filled(snap_compare, tmp_path, clock, size, close_db):
    app, ctx = kiosk(tmp_path, clock)
    close_db.append(ctx)

    async def run_before(pilot) -> None:
        await pilot.press("f5")
        await pilot.press(*"Jane Marlowe", "enter", *"Acme Lifts", "enter", *"oka")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZE_PARAMS)
def test_visitor_notice(snap_compare, tmp_path, clock, size, close_db):
    app, ctx = kiosk(tmp_path, clock)
    close_db.append(ctx)
    assert snap_compare(app, terminal_size=size, run_before=fill_form)


@pytest.mark.parametrize("size", SIZE_PARAMS)
def test_visitor_badge_printed(snap_compare, tmp_path, clock, size, close_db, badge_printer):
    app, ctx = kiosk(tmp_path, clock, printer=badge_printer.queue)
    close_db.append(ctx)

    async def run_before(pilot) -> None:
        await fill_form(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: getattr(app.screen, "step", "") == "done", what="sign-in")

    assert snap_compare(app, terminal_size=size, run_before=run_before)
    assert len(badge_printer.printed()) == 1


@pytest.mark.parametrize("size", SIZE_PARAMS)
def test_visitor_badge_not_printed(snap_compare, tmp_path, clock, size, close_db, badge_printer):
    badge_printer.admin("cupsdisable", badge_printer.queue)
    app, ctx = kiosk(tmp_path, clock, printer=badge_printer.queue)
    close_db.append(ctx)

    async def run_before(pilot) -> None:
        await fill_form(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: getattr(app.screen, "step", "") == "done", what="sign-in")
        # The same words also pop up as a toast (added before the done step shows), which leaves on a
        # timer: not part of the picture.
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)
