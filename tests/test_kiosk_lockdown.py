"""Lockdown: no quit, suspend or palette without the admin PIN; quitting with it is prompt."""

from __future__ import annotations

import time

import pytest

from imlate_tui.ui.kiosk_app import make_kiosk_app
from imlate_tui.ui.kiosk_app import KioskApp
from imlate_tui.ui.screens.main import MainScreen
from imlate_tui.ui.screens.pin import PinScreen
from kiosk_helpers import opened, PIN, FakeScanner, kiosk_settings, wait_for


def message(app) -> str:
    return str(app.screen.query_one("#message").render()) if isinstance(app.screen, PinScreen) else ""


@pytest.fixture
def settings(tmp_path):
    return kiosk_settings(tmp_path)


def test_command_palette_is_off():
    assert KioskApp.ENABLE_COMMAND_PALETTE is False


@pytest.mark.parametrize("key", ["ctrl+q", "ctrl+c"])
async def test_quit_keys_ask_for_the_pin_and_escape_keeps_running(db, clock, key):
    app = make_kiosk_app(db, clock=clock)
    async with app.run_test() as pilot:
        await pilot.press(key)
        assert isinstance(app.screen, PinScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
        assert app.is_running and app.return_code is None


async def test_wrong_pin_does_not_quit(db, clock):
    app = make_kiosk_app(db, clock=clock)
    async with app.run_test() as pilot:
        await pilot.press("ctrl+q", *"0000", "enter")
        await wait_for(pilot, lambda: "Wrong PIN" in message(app))
        assert isinstance(app.screen, PinScreen)
        await pilot.press(*"1111", "enter")
        await wait_for(pilot, lambda: "1 tries left" in message(app))
        await pilot.press(*"9999", "enter")
        await wait_for(pilot, lambda: "LOCKED" in message(app))  # three wrong tries: locked out
        await pilot.press(*PIN, "enter")  # even the right PIN is refused while locked
        await pilot.pause(0.2)
        assert isinstance(app.screen, PinScreen) and "LOCKED" in message(app)
        assert app.is_running and app.return_code is None


async def test_other_escape_routes_do_nothing(db, clock):
    app = make_kiosk_app(db, clock=clock)
    async with app.run_test() as pilot:
        await pilot.press("ctrl+z", "ctrl+p", "ctrl+backslash")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen) and len(app.screen_stack) == 1
        await app.run_action("quit")  # e.g. a binding another widget brings along
        await pilot.pause()
        assert isinstance(app.screen, PinScreen)
        assert app.is_running


async def test_without_a_configured_pin_quit_is_locked(tmp_path, clock):
    with opened(kiosk_settings(tmp_path, pin=False)) as settings:
        app = make_kiosk_app(settings, clock=clock)
        async with app.run_test() as pilot:
            await pilot.press("ctrl+q")
            assert isinstance(app.screen, PinScreen)
            assert "imlate kiosk set-pin" in str(app.screen.query_one("#locked").render())
            await pilot.press(*PIN, "enter")
            await pilot.pause()
            assert isinstance(app.screen, MainScreen)
            assert app.is_running


async def test_quit_with_pin_exits_within_a_second_while_scanner_runs(db, clock):
    scanner = FakeScanner()
    app = make_kiosk_app(db, clock=clock, scanner=scanner.factory)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert scanner.thread is not None and scanner.thread.is_alive()
        await pilot.press("ctrl+q", *PIN)
        started = time.monotonic()
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.return_code is not None)  # the PIN is checked off the UI thread
    elapsed = time.monotonic() - started
    assert app.return_code == 0
    assert elapsed < 1.0, f"took {elapsed:.2f} s"
    assert scanner.stopped.is_set() and not scanner.thread.is_alive()
