"""The jobs screen folds repeated runs and cuts no result; absence marking shows its dry run, then a
confirmation naming the number and the irreversibility, and only then writes to iSAMS (over HTTP)."""

from __future__ import annotations

from datetime import date

import pytest

from admin_helpers import OPERATOR, admin_app, admin_settings, column, text
from imlate_tui.db import job_runs
from imlate_tui.db.models import AuditEntry, JobRun
from imlate_tui.errors import InvalidInput
from imlate_tui.services.admin_actions import AdminActions
from imlate_tui.ui.admin.absence import AbsenceConfirm, AbsencePreview
from imlate_tui.ui.admin.jobs import JobsScreen

MONDAY = date(2025, 9, 8)


@pytest.fixture
def settings(tmp_path):
    return admin_settings(tmp_path)


def add_run(clock, job, outcome="ok", counts=None, error=None, minutes=1):
    run = job_runs.start(job, trigger="schedule", dry_run=False, now=clock.advance(minutes=minutes))
    job_runs.finish(run, outcome=outcome, counts=counts or {}, error=error, now=clock.advance(seconds=2))
    return run


async def open_jobs(pilot) -> JobsScreen:
    await pilot.press("f5")
    await pilot.pause()
    assert isinstance(pilot.app.screen, JobsScreen)
    return pilot.app.screen


async def test_repeated_runs_fold_into_one_row_that_opens(db, clock):
    for _ in range(5):
        add_run(clock, "writeback", counts={"sent": 2, "skipped": 1})
    long_error = "iSAMS is unreachable: " + "connection refused by 10.0.0.1:443 " * 4
    add_run(clock, "writeback", "failed", error=long_error)
    for _ in range(3):
        add_run(clock, "writeback", counts={"sent": 0, "skipped": 0})
    add_run(clock, "student-sync", counts={"created": 0, "updated": 4, "deactivated": 0, "unchanged": 808})
    app = admin_app(db, clock)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_jobs(pilot)
        history = screen.query_one("#history-table")
        assert column(history, 1) == ["student-sync", "▸ writeback ×3", "writeback", "▸ writeback ×5"]
        assert column(history, 5)[2] == f"error: {long_error}"          # not cut
        assert column(screen.query_one("#jobs-table"), 4)[0] == "created 0, deactivated 0, unchanged 808, updated 4"
        history.focus()
        await pilot.press("down", "down", "down")
        assert "writeback: 5 schedule runs from" in text(screen, "#run-detail")
        assert "all ok; in all: sent 10, skipped 5" in text(screen, "#run-detail")
        await pilot.press("enter")
        await pilot.pause()
        assert column(history, 1)[3:] == ["▾ writeback ×5"] + ["   writeback"] * 5
        await pilot.press("enter")
        await pilot.pause()
        assert history.row_count == 4


@pytest.fixture
def morning_after(school_day):
    school = school_day(MONDAY, admin={"operators": [OPERATOR]}, attendance={"lesson_attendance": False},
                        erp={"auto_absence_year_groups": [7]})
    school.set_time("10:00")
    return school


def o_marks(state):
    o = next(c["id"] for c in state.absence_codes if c["code"] == "O")
    return [w for w in state.writes if w.body.get("absenceCodeId") == o]


async def run_absence_dry_run(pilot, app) -> JobsScreen:
    screen = await open_jobs(pilot)
    await pilot.press("down", "down", "down")
    assert column(screen.query_one("#jobs-table"), 0)[3] == "absence-marking"
    await pilot.press("n")
    await app.workers.wait_for_complete()
    await pilot.pause()
    return screen


async def test_absence_marking_shows_the_dry_run_then_asks_for_the_number(morning_after, isams_state):
    school = morning_after
    app = admin_app(school.settings, school.clock, client_factory=school.client)
    async with app.run_test(size=(80, 24)) as pilot:
        await run_absence_dry_run(pilot, app)
        assert isinstance(app.screen, AbsencePreview)
        count = len(app.screen.would_mark)
        assert count > 0 and o_marks(isams_state) == [] and not isams_state.writes   # a dry run writes nothing
        assert f"{count} students would be marked absent (O) now. Nothing has been written." in text(app.screen, "#title")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AbsenceConfirm)
        assert text(app.screen, "#title") == f"Mark {count} students absent (O) in iSAMS now?"
        assert "cannot be undone from ImLate" in str(app.screen.query_one(".warning-note").render())
        await pilot.press("y", "enter")                 # not the number: nothing happens
        await pilot.pause()
        assert isinstance(app.screen, AbsenceConfirm) and not isams_state.writes
        await pilot.press("ctrl+u", *str(count), "enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(o_marks(isams_state)) == count
        real = JobRun.select().where(JobRun.job == "absence-marking").order_by(JobRun.id.desc()).get()
        assert (real.dry_run, real.outcome, job_runs.counts_of(real)["marked"]) == (False, "ok", count)
        entry = AuditEntry.select().order_by(AuditEntry.id.desc()).get()
        assert entry.action == "run_job" and f'"confirmed_students": {count}' in entry.details


@pytest.mark.parametrize("keys", [["escape"], ["enter", "escape"]], ids=["at the list", "at the confirmation"])
async def test_cancelling_absence_marking_writes_nothing(morning_after, isams_state, keys):
    school = morning_after
    app = admin_app(school.settings, school.clock, client_factory=school.client)
    async with app.run_test(size=(45, 25)) as pilot:
        screen = await run_absence_dry_run(pilot, app)
        await pilot.press(*keys)
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert app.screen is screen and not isams_state.writes
        assert JobRun.select().where(JobRun.dry_run == False).count() == 0   # noqa: E712


def test_the_service_refuses_absence_marking_without_a_confirmed_number(morning_after, isams_state):
    actions = AdminActions(morning_after.settings, user=OPERATOR, client="x", clock=morning_after.clock,
                           client_factory=morning_after.client)
    with pytest.raises(InvalidInput, match="look at its dry run and confirm"):
        actions.run_job("absence-marking")
    assert not isams_state.writes and JobRun.select().count() == 0
