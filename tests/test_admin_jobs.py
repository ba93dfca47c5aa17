"""The jobs screen (history, run now with progress, refused when read-only), and what the admin app
must never do: open the scanner, start the scheduler, or start without a terminal."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from admin_helpers import CLIENT, OPERATOR, VIEWER, admin_app, admin_settings, column, record_notifications, text
from imlate_tui.db import job_runs
from imlate_tui.db.models import AuditEntry, JobRun
from imlate_tui.errors import InvalidInput
from imlate_tui.jobs.registry import JOBS
from imlate_tui.ui.admin.jobs import JobsScreen
from imlate_tui.ui.admin_app import require_tty

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def settings(tmp_path):
    return admin_settings(tmp_path)


async def open_jobs(pilot) -> JobsScreen:
    await pilot.press("f5")
    await pilot.pause()
    assert isinstance(pilot.app.screen, JobsScreen)
    return pilot.app.screen


async def test_jobs_screen_shows_the_last_run_of_each_job_and_the_history(db, clock):
    ok = job_runs.start("student-sync", trigger="schedule", dry_run=False, now=clock())
    job_runs.finish(ok, outcome="ok", counts={"created": 3, "updated": 0}, error=None, now=clock.advance(seconds=4))
    bad = job_runs.start("codes-sync", trigger="schedule", dry_run=False, now=clock.advance(minutes=1))
    job_runs.finish(bad, outcome="failed", counts={}, error="iSAMS is unreachable: timed out", now=clock())
    app = admin_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_jobs(pilot)
        jobs = screen.query_one("#jobs-table")
        assert column(jobs, 0) == list(JOBS)
        assert column(jobs, 0)[:3] == ["student-sync", "photo-sync", "codes-sync"]
        assert column(jobs, 2)[:4] == ["ok", "", "failed", ""]
        assert column(jobs, 1)[1] == "never"
        assert column(jobs, 4)[0] == "created 3, updated 0"
        history = screen.query_one("#history-table")
        assert column(history, 1) == ["codes-sync", "student-sync"]   # newest first
        assert column(history, 4)[1] == "4.0s"
        assert "error: iSAMS is unreachable: timed out" in text(screen, "#run-detail")


async def test_run_now_runs_a_job_in_the_background_with_progress(school_day, tmp_path):
    school = school_day(admin={"operators": [OPERATOR]})
    app = admin_app(school.settings, school.clock, client_factory=school.client)
    seen: list = []
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        screen = await open_jobs(pilot)
        await pilot.press("down", "down", "n")   # codes-sync
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        run = JobRun.select().order_by(JobRun.id.desc()).get()
        assert (run.job, run.trigger, run.outcome) == ("codes-sync", "manual", "ok")
        assert column(screen.query_one("#history-table"), 1)[0] == "codes-sync"
        assert column(screen.query_one("#jobs-table"), 2)[2] == "ok"
        progress = [m.what for m in seen if isinstance(m, JobsScreen.Progressed)]
        assert progress and progress[-1] == "periods"
        entry = AuditEntry.select().order_by(AuditEntry.id.desc()).get()
        assert (entry.action, entry.target, entry.actor, entry.client) == ("run_job", "job:codes-sync", OPERATOR,
                                                                          CLIENT)
        assert not screen.query_one("#job-progress").has_class("running")


async def test_a_failing_job_is_shown_with_its_error(db, clock):
    app = admin_app(db, clock)   # erp.enabled is false: the iSAMS jobs fail, and say why
    said = record_notifications(app)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_jobs(pilot)
        await pilot.press("n")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert JobRun.get().outcome == "failed"
        assert any("student-sync failed: the iSAMS integration is off" in m for m, _ in said)
        assert "error: the iSAMS integration is off" in text(screen, "#run-detail")


async def test_run_now_is_refused_for_a_read_only_user(db, clock):
    app = admin_app(db, clock, user=VIEWER)
    said = record_notifications(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_jobs(pilot)
        await pilot.press("down", "n")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert JobRun.select().count() == 0 and AuditEntry.select().count() == 0
        assert (f"read-only: your user {VIEWER} is not in admin.operators", "warning") in said


def test_admin_refuses_to_start_without_a_terminal():
    with pytest.raises(InvalidInput, match="ssh -t"):
        require_tty(io.StringIO(), io.StringIO())


NEVER_SCANNER_OR_SCHEDULER = """
import asyncio, sys, threading
from datetime import datetime, timezone
from pathlib import Path
from imlate_tui.config import Settings
from imlate_tui.db.connection import open_database
from imlate_tui.ui.admin_app import make_admin_app

url, base = sys.argv[1], Path(sys.argv[2])
settings = Settings(database={"url": url}, base_dir=base, logging={"file": str(base / "admin.log")},
                    schedule={"mode": "embedded"}, scanner={"source": "auto"})
open_database(url, base)

async def main():
    app = make_admin_app(settings, user="alice", client_address="local")
    async with app.run_test(size=(80, 24)) as pilot:
        for key in ("f3", "f4", "f5", "f6", "f2"):
            await pilot.press(key)
            await pilot.pause(0.05)
asyncio.run(main())
loaded = [m for m in sys.modules if m.split(".")[0] in ("apscheduler", "evdev")
          or m in ("imlate_tui.scanner.reader", "imlate_tui.ui.kiosk_app", "imlate_tui.jobs.scheduler",
                   "imlate_tui.ui.runtime", "imlate_tui.services.writeback")]
print(",".join(sorted(loaded)) or "clean")
"""


def test_the_admin_app_never_loads_the_scanner_or_the_scheduler(db, tmp_path):
    proc = subprocess.run([sys.executable, "-c", NEVER_SCANNER_OR_SCHEDULER, db.database.url, str(tmp_path)],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "clean"
