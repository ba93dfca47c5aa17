"""SVG snapshots of the kiosk's states at 80x24 as the Linux console draws them (16 colours, no
photos) and at 160x48 in true colour (fixed clock, no cursor blink).

Regenerate after a deliberate change with `pytest tests/test_kiosk_snapshots.py --snapshot-update`,
then look at them (e.g. `convert file.svg file.png`).
"""

from __future__ import annotations

import pytest
from textual import constants
from textual.widgets import Input

from imlate_tui.services.scanning import ScanService
from imlate_tui.ui.kiosk_app import make_kiosk_app
from imlate_tui.ui.screens.pin import PinScreen
from imlate_tui.ui.widgets.reason_panel import ReasonPanel
from kiosk_helpers import PIN, LinuxConsoleColours, add_person, kiosk_settings, settle, type_slowly, write_photo

pytestmark = pytest.mark.snapshot
SIZES = [pytest.param((80, 24), id="80x24-standard"), pytest.param((160, 48), id="160x48")]
REASONS = {"late": ["Bus or train late", "Medical appointment", "Overslept"], "leaving": ["Medical", "Unwell"],
           "timeout_seconds": 300, "prompt_on_late": True, "prompt_on_leaving": True}


@pytest.fixture
def settings(tmp_path):
    return kiosk_settings(tmp_path, attendance={"reasons": REASONS})


@pytest.fixture(autouse=True)
def no_cursor_blink_or_countdowns(monkeypatch):
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    monkeypatch.setattr(ReasonPanel, "_tick", lambda self: None)  # "No answer in 300 s" stays put
    monkeypatch.setattr(PinScreen, "_count_down", lambda self: None)


@pytest.fixture
def make_kiosk(db, clock, tmp_path, monkeypatch):
    add_person("Ada", "Lovelace", card="ADA1", year=9, form="9B",
               photo=str(write_photo(tmp_path / "photos" / "ada.jpg")))
    add_person("Ben", "Ng", card="BEN1", year=10, form="10C")
    add_person("Dev", "Patel", card="DEV1", kind="staff")

    def build(size):
        # 80x24: what deploy/ sets on the Linux console; 160x48: a graphical terminal
        monkeypatch.setattr(constants, "COLOR_SYSTEM", "standard" if size == (80, 24) else "truecolor")
        app = make_kiosk_app(db, clock=clock, scan_service=ScanService(
            db, clock, lateness=lambda person, at: 12 if person.forename == "Ben" else None))
        if size == (80, 24):
            app._filters.append(LinuxConsoleColours())
        return app
    return build


def scanning(*codes: str, later_hours: float = 0):
    async def run_before(pilot) -> None:
        for code in codes:
            await pilot.press(*code, "enter")
            await settle(pilot)
            if later_hours:
                pilot.app.clock.advance(hours=later_hours)
        await pilot.pause()
    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_idle(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(size), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_on_time(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(size), terminal_size=size, run_before=scanning("ADA1"))


@pytest.mark.parametrize("size", SIZES)
def test_late_with_the_question_open(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(size), terminal_size=size, run_before=scanning("BEN1"))


@pytest.mark.parametrize("size", SIZES)
def test_early_leave(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(size), terminal_size=size, run_before=scanning("ADA1", "ADA1", later_hours=3))


@pytest.mark.parametrize("size", SIZES)
def test_unknown_card(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(size), terminal_size=size, run_before=scanning("X9-UNKNOWN"))


@pytest.mark.parametrize("size", SIZES)
def test_already_signed_in(snap_compare, make_kiosk, size):
    assert snap_compare(make_kiosk(size), terminal_size=size, run_before=scanning("DEV1", "DEV1"))


@pytest.mark.parametrize("size", SIZES)
def test_pin_locked_out(snap_compare, make_kiosk, size):
    async def run_before(pilot) -> None:
        await pilot.press("f2")
        for wrong in ("1111", "2222", "3333"):
            await type_slowly(pilot, *wrong, "enter")
        for _ in range(300):
            if "LOCKED" in str(pilot.app.screen.query_one("#message").render()):
                break
            await pilot.pause(0.01)

    assert snap_compare(make_kiosk(size), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_roster(snap_compare, make_kiosk, size):
    async def run_before(pilot) -> None:
        await scanning("ADA1", "DEV1")(pilot)
        await pilot.press("f2")
        await type_slowly(pilot, *PIN, "enter")
        for _ in range(300):
            screen = pilot.app.screen
            if type(screen).__name__ == "RosterScreen" and screen.table.row_count:
                break
            await pilot.pause(0.01)

    assert snap_compare(make_kiosk(size), terminal_size=size, run_before=run_before)
