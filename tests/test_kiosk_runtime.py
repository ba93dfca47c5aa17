"""The kiosk with what runs beside it: a scan wakes the writer, the mark reaches iSAMS, the status line knows."""

from __future__ import annotations

import asyncio
from datetime import date

from imlate_tui.db.models import AttendanceIntent
from imlate_tui.ui.kiosk_app import make_kiosk_app
from imlate_tui.ui.runtime import kiosk_runtime
from kiosk_helpers import settle


async def test_a_scan_is_written_to_isams_right_after(school_day, isams_state):
    school = school_day(date(2025, 9, 8), schedule={"mode": "off"},
                        attendance={"lesson_attendance": False, "reasons": {"prompt_on_late": False}})
    sid = school.student()
    school.set_time("08:40")
    runtime = kiosk_runtime(school.settings, school.clock, client_factory=school.client)
    app = make_kiosk_app(school.settings, clock=school.clock, scan_service=runtime.scan_service,
                         status=runtime.status, background=runtime.background)
    async with app.run_test() as pilot:
        await pilot.press(*f"CARD-{sid}", "enter")
        await settle(pilot)
        assert app.main.query_one("#late").text == "15 MIN LATE"
        for _ in range(300):                     # the writer thread was woken by the scan
            if isams_state.writes:
                break
            await asyncio.sleep(0.01)
        assert [(w.school_id, w.body) for w in isams_state.writes] == [
            (sid, {"isPresent": True, "isLate": True, "numberOfMinutesLate": 15})]
        for _ in range(100):
            if runtime.status().isams == "reachable" and runtime.status().pending_writebacks == 0:
                break
            await asyncio.sleep(0.01)
        assert runtime.status().isams == "reachable" and runtime.status().pending_writebacks == 0
    assert AttendanceIntent.get().status == "sent"


def test_without_isams_there_is_no_writer(db):
    runtime = kiosk_runtime(db.model_copy(update={"schedule": db.schedule.model_copy(update={"mode": "off"})}))
    # On PostgreSQL the one background task is the forwarder of the kiosk's local journal.
    expected = 0 if db.database.url.startswith("sqlite:") else 1
    assert runtime.writer is None and len(runtime.background) == expected
    assert runtime.status().isams == "off"
    if expected:
        runtime.scan_service.journal.close()


def test_unreachable_isams_shows_on_the_status_line(school_day, isams_state):
    school = school_day(date(2025, 9, 8), schedule={"mode": "off"})
    runtime = kiosk_runtime(school.settings, school.clock, client_factory=school.client)
    isams_state.faults.add("status:503")
    runtime.writer.cycle()
    assert runtime.status().isams == "unreachable"
    isams_state.faults.clear()
    runtime.writer.cycle()
    assert runtime.status().isams == "reachable"
    runtime.writer.stop()   # the writer keeps one MIS connection for its life; this ends it


def test_a_wonde_school_sees_wonde_on_the_status_line(wonde_day):
    from imlate_tui.ui.status import describe

    school = wonde_day(schedule={"mode": "off"})
    runtime = kiosk_runtime(school.settings, school.clock, client_factory=school.client)
    runtime.writer.cycle()
    line = describe("scanner connected", runtime.status())
    assert "Wonde: reachable" in line and "iSAMS" not in line
    runtime.writer.stop()
