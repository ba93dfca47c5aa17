"""The kiosk's MIS writer keeps out of a scan's way (services/scan_activity.py)."""

from __future__ import annotations

import asyncio
import threading
from datetime import date

from imlate_tui.services.scan_activity import ScanActivity
from imlate_tui.ui.kiosk_app import make_kiosk_app
from imlate_tui.ui.runtime import kiosk_runtime
from kiosk_helpers import settle


def waiting(activity: ScanActivity) -> threading.Thread:
    thread = threading.Thread(target=activity.wait_quiet, daemon=True)
    thread.start()
    return thread


def test_a_quiet_kiosk_does_not_hold_the_writer():
    thread = waiting(ScanActivity(settle=0.0, longest=30.0))
    thread.join(10)
    assert not thread.is_alive()


def test_the_writer_waits_until_the_scan_in_flight_is_on_screen():
    activity = ScanActivity(settle=0.0, longest=30.0)
    activity.started()
    thread = waiting(activity)
    thread.join(0.3)
    assert thread.is_alive()   # the result is not drawn yet
    activity.shown()
    thread.join(10)
    assert not thread.is_alive()


def test_two_scans_in_flight_hold_the_writer_until_both_are_shown():
    activity = ScanActivity(settle=0.0, longest=30.0)
    activity.started()
    activity.started()
    thread = waiting(activity)
    activity.shown()
    thread.join(0.3)
    assert thread.is_alive()
    activity.shown()
    thread.join(10)
    assert not thread.is_alive()


def test_scans_without_a_pause_never_hold_a_mark_longer_than_the_longest_wait():
    activity = ScanActivity(settle=0.0, longest=0.2)
    activity.started()   # never shown
    thread = waiting(activity)
    thread.join(10)
    assert not thread.is_alive()


async def test_the_kiosk_marks_a_scan_in_flight_until_its_result_is_drawn(school_day):
    school = school_day(date(2025, 9, 8), schedule={"mode": "off"},
                        attendance={"lesson_attendance": False, "reasons": {"prompt_on_late": False}})
    sid = school.student()
    school.set_time("08:10")
    runtime = kiosk_runtime(school.settings, school.clock, client_factory=school.client)
    activity = runtime.scan_service.activity
    assert runtime.writer.writer.before_each == activity.wait_quiet   # the writer waits on the kiosk
    seen: list[int] = []
    original = activity.started

    def started() -> None:
        original()
        seen.append(len(activity._in_flight))

    activity.started = started  # type: ignore[method-assign]
    app = make_kiosk_app(school.settings, clock=school.clock, scan_service=runtime.scan_service,
                         status=runtime.status, background=runtime.background)
    async with app.run_test() as pilot:
        await pilot.press(*f"CARD-{sid}", "enter")
        await settle(pilot)
        assert app.main.query_one("#verdict").text == "-> IN"
        for _ in range(300):
            if not activity._in_flight:
                break
            await asyncio.sleep(0.01)
        assert seen == [1] and activity._in_flight == []   # in flight from the scan until drawn
