"""The request budget (erp.isams.max_requests_per_hour): counted in the database, marks before syncs."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from conftest import make_settings
from imlate_tui.db.models import AttendanceIntent, MisRequestCount
from imlate_tui.erp.mis import MisBudgetExhausted
from imlate_tui.jobs.context import JobContext
from imlate_tui.jobs.runner import run_job
from imlate_tui.services.doctor import _budget_line
from imlate_tui.services.request_budget import budget_hook, budget_use, take
from imlate_tui.ui.runtime import kiosk_runtime

MONDAY = date(2025, 9, 8)


def capped(settings, cap):
    return settings.model_copy(update={"erp": settings.erp.model_copy(update={
        "isams": settings.erp.isams.model_copy(update={"max_requests_per_hour": cap})})})


def test_syncs_stop_first_then_absence_marking_then_marks(db, clock):
    settings = capped(db, 10)
    now = clock()
    for _ in range(6):
        take(settings, "sync", now)
    with pytest.raises(MisBudgetExhausted, match="budget is used up for sync") as refused:
        take(settings, "sync", now)
    assert refused.value.retry_after >= 60
    take(settings, "absence", now)
    take(settings, "absence", now)
    with pytest.raises(MisBudgetExhausted):
        take(settings, "absence", now)                      # absence marking keeps 15 % for marks
    take(settings, "writeback", now)
    take(settings, "writeback", now)
    with pytest.raises(MisBudgetExhausted):
        take(settings, "writeback", now)                    # the cap itself
    use = budget_use(settings, now)
    assert (use.used, use.by_purpose) == (10, {"sync": 6, "absence": 2, "writeback": 2})
    assert use.describe().startswith("10 of 10 requests in the last hour")


def test_the_hour_slides(db, clock):
    settings = capped(db, 3)
    start = clock()
    for minute in range(3):
        take(settings, "writeback", start + timedelta(minutes=minute))
    with pytest.raises(MisBudgetExhausted) as refused:
        take(settings, "writeback", start + timedelta(minutes=30))
    assert refused.value.retry_after == pytest.approx(30 * 60, abs=60)
    take(settings, "writeback", start + timedelta(minutes=60, seconds=1))   # the first minute has left the hour
    assert budget_use(settings, start + timedelta(minutes=60, seconds=1)).used == 3


def test_no_cap_counts_nothing(db, clock):
    assert budget_hook(db, "sync", clock) is None
    assert "not counted" in budget_use(db, clock()).describe()


def test_every_request_to_the_mis_is_counted_and_a_short_budget_keeps_the_marks(school_day, isams_state):
    school = school_day(MONDAY, schedule={"mode": "off"},
                        attendance={"lesson_attendance": False, "reasons": {"prompt_on_late": False}})
    settings = capped(school.settings, 100)
    before = isams_state.api_requests + isams_state.token_requests
    result = run_job("codes-sync", JobContext(settings, clock=school.clock))   # the configured MIS, budgeted
    assert result.outcome == "ok"
    sent = isams_state.api_requests + isams_state.token_requests - before
    assert budget_use(settings, school.now).by_purpose == {"sync": sent}   # every request, the token's too
    for _ in range(60 - sent):
        take(settings, "sync", school.now)                 # syncs have used their 60 %
    refused = run_job("student-sync", JobContext(settings, clock=school.clock))
    assert refused.outcome == "failed" and "budget is used up for sync" in refused.error
    sid = school.student()
    school.scan(sid, "07:30")                              # within the same hour as the syncs' 60 %
    runtime = kiosk_runtime(settings, school.clock)        # the kiosk's writer spends from the marks' share
    try:
        runtime.writer.cycle()
    finally:
        runtime.writer.stop()
    assert AttendanceIntent.get().status == "sent" and len(isams_state.writes) == 1
    use = budget_use(settings, school.now)
    assert use.by_purpose["writeback"] == 3 and use.by_purpose["sync"] == 60   # token, GET, PUT beside the syncs


def test_out_of_budget_marks_wait_for_room_and_are_not_lost(school_day, isams_state):
    school = school_day(MONDAY, schedule={"mode": "off"},
                        attendance={"lesson_attendance": False, "reasons": {"prompt_on_late": False}})
    settings = capped(school.settings, 4)
    sid = school.student()
    school.set_time("08:40")
    for _ in range(4):
        take(settings, "writeback", school.now)            # the hour's budget is spent
    school.scan(sid, "08:40")
    runtime = kiosk_runtime(settings, school.clock)
    try:
        runtime.writer.cycle()
        intent = AttendanceIntent.get()
        assert intent.status == "pending" and "budget is used up" in intent.summary and not isams_state.writes
        assert intent.next_attempt_at >= school.now + timedelta(minutes=1)
        school.now += timedelta(hours=1, minutes=1)
        runtime.writer.cycle()
    finally:
        runtime.writer.stop()
    assert AttendanceIntent.get().status == "sent" and len(isams_state.writes) == 1


def test_doctor_shows_the_budget_used(db, clock):
    settings = capped(make_settings(db.base_dir, database={"url": db.database.url}, erp={"enabled": True}), 100)
    take(settings, "sync", clock())
    take(settings, "writeback", clock())
    assert _budget_line(settings, clock) == "2 of 100 requests in the last hour (sync 1, writeback 1)"
    assert MisRequestCount.select().count() == 2
