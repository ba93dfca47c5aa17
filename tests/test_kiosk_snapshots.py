"""SVG snapshots of the kiosk's main states at 80x24 and 160x48 (fixed clock, no cursor blink).

Regenerate after a deliberate change with `pytest tests/test_kiosk_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input

from imlate_tui.services.scanning import ScanService
from imlate_tui.ui.kiosk_app import make_kiosk_app
from kiosk_helpers import PIN, add_person, kiosk_settings, settle, write_photo

pytestmark = pytest.mark.snapshot
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]


@pytest.fixture
def settings(tmp_path):
    return kiosk_settings(tmp_path)


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch):
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


@pytest.fixture
def kiosk(db, clock, tmp_path):
    add_person("Ada", "Lovelace", card="ADA1", year=9, form="9B",
               photo=str(write_photo(tmp_path / "photos" / "ada.jpg")))
    add_person("Ben", "Ng", card="BEN1", year=10, form="10C")
    add_person("Cara", "Okafor", card="CARA1", year=7, form="7A")
    add_person("Dev", "Patel", card="DEV1", kind="staff")
    return make_kiosk_app(db, clock=clock, scan_service=ScanService(
        db, clock, lateness=lambda person, at: 12 if person.forename == "Ben" else None))


def scanning(*codes: str):
    async def run_before(pilot) -> None:
        for code in codes:
            await pilot.press(*code, "enter")
            await settle(pilot)
    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_idle(snap_compare, kiosk, size):
    assert snap_compare(kiosk, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_signed_in_with_photo(snap_compare, kiosk, size):
    assert snap_compare(kiosk, terminal_size=size, run_before=scanning("ADA1"))


@pytest.mark.parametrize("size", SIZES)
def test_late(snap_compare, kiosk, size):
    assert snap_compare(kiosk, terminal_size=size, run_before=scanning("BEN1"))


@pytest.mark.parametrize("size", SIZES)
def test_unknown_card(snap_compare, kiosk, size):
    assert snap_compare(kiosk, terminal_size=size, run_before=scanning("X9-UNKNOWN"))


@pytest.mark.parametrize("size", SIZES)
def test_roster(snap_compare, kiosk, size):
    async def run_before(pilot) -> None:
        await scanning("ADA1", "BEN1", "DEV1")(pilot)
        await pilot.press("f2", *PIN, "enter")
        await pilot.pause()

    assert snap_compare(kiosk, terminal_size=size, run_before=run_before)
