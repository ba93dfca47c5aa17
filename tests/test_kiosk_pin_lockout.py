"""Wrong PINs lock the prompt for a growing time, kept in the database across restarts; screens
opened with the PIN close themselves after `kiosk.unlock_timeout_seconds` without input."""

from __future__ import annotations

import re

import pytest

from imlate_tui.domain.pin_lockout import lock_seconds, seconds_left
from imlate_tui.services.pin_guard import PinGuard
from imlate_tui.ui.kiosk_app import make_kiosk_app
from imlate_tui.ui.screens.main import MainScreen
from imlate_tui.ui.screens.person_picker import PersonPickerScreen
from imlate_tui.ui.screens.pin import PinScreen
from imlate_tui.ui.screens.roster import RosterScreen
from kiosk_helpers import PIN, PIN_HASH, add_person, kiosk_settings, opened, type_slowly, wait_for


def message(app) -> str:
    return str(app.screen.query_one("#message").render()) if isinstance(app.screen, PinScreen) else ""


def seconds_shown(app) -> int:
    """The "Try again in N s" figure (the prompt counts down in real time, so a second may pass)."""
    return int(re.search(r"Try again in (\d+) s", message(app)).group(1))


def test_lock_grows_after_the_free_tries():
    assert [lock_seconds(n) for n in range(1, 8)] == [0, 0, 30, 60, 120, 240, 480]
    assert lock_seconds(40) == 30 * 60  # capped
    assert seconds_left(None, __import__("datetime").datetime.now()) == 0


def test_guard_refuses_even_the_right_pin_while_locked(db, clock):
    guard = PinGuard("reception", PIN_HASH, clock)
    results = [guard.check("0000") for _ in range(3)]
    assert [r.ok for r in results] == [False] * 3 and results[2].locked_seconds == 30
    assert not guard.check(PIN).ok  # locked: not even checked
    clock.advance(seconds=31)
    assert guard.check(PIN).ok
    assert guard.state().tries_left == 3  # the right PIN cleared the count


async def test_lockout_survives_a_restart_of_the_kiosk(tmp_path, clock):
    with opened(kiosk_settings(tmp_path)) as settings:
        first = make_kiosk_app(settings, clock=clock)
        async with first.run_test() as pilot:
            await pilot.press("f2")
            for wrong in ("1111", "2222", "3333"):
                await type_slowly(pilot, *wrong, "enter")
            await wait_for(pilot, lambda: "LOCKED" in message(first))
            assert 25 <= seconds_shown(first) <= 30

        clock.advance(seconds=10)
        second = make_kiosk_app(settings, clock=clock)  # a new process would see the same rows
        async with second.run_test() as pilot:
            await pilot.press("f2")
            await wait_for(pilot, lambda: "LOCKED" in message(second))
            assert 15 <= seconds_shown(second) <= 20  # 10 s of the 30 had passed while it was down
            await type_slowly(pilot, *PIN, "enter")
            await pilot.pause(0.2)
            assert isinstance(second.screen, PinScreen)  # the right PIN does not open it while locked

        clock.advance(seconds=25)
        third = make_kiosk_app(settings, clock=clock)
        async with third.run_test() as pilot:
            await pilot.press("f2")
            await type_slowly(pilot, *PIN, "enter")
            await wait_for(pilot, lambda: isinstance(third.screen, RosterScreen))


@pytest.mark.parametrize("key", ["f2", "f3"])
async def test_unlocked_screens_close_themselves_when_left_idle(tmp_path, clock, key):
    with opened(kiosk_settings(tmp_path, kiosk_extra={"unlock_timeout_seconds": 2.0})) as settings:
        add_person("Ada", "Lovelace")
        app = make_kiosk_app(settings, clock=clock)
        async with app.run_test() as pilot:
            await pilot.press(key)
            await type_slowly(pilot, *PIN, "enter")
            screen = RosterScreen if key == "f2" else PersonPickerScreen
            await wait_for(pilot, lambda: isinstance(app.screen, screen))
            for _ in range(5):  # kept open while someone is using it (2.5 s > the time-out)
                await pilot.pause(0.5)
                await pilot.press("down")
            assert isinstance(app.screen, screen)
            await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
            assert len(app.screen_stack) == 1


async def test_picker_opened_from_the_roster_closes_with_it(tmp_path, clock):
    with opened(kiosk_settings(tmp_path, kiosk_extra={"unlock_timeout_seconds": 2.0})) as settings:
        add_person("Ada", "Lovelace")
        app = make_kiosk_app(settings, clock=clock)
        async with app.run_test() as pilot:
            await pilot.press("f2")
            await type_slowly(pilot, *PIN, "enter")
            await wait_for(pilot, lambda: isinstance(app.screen, RosterScreen) and app.screen.table.row_count)
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, PersonPickerScreen))
            await wait_for(pilot, lambda: len(app.screen_stack) == 1)
