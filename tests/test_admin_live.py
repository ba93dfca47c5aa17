"""The admin roster notices other processes' writes: the change marker, and a real second process."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from admin_helpers import admin_app, admin_settings, wait_for
from imlate_tui.db import attendance
from imlate_tui.db.changes import ChangeWatch
from imlate_tui.db.connection import database
from imlate_tui.db.models import AttendanceIntent, JobRun, Track
from imlate_tui.domain.scanning import Status
from imlate_tui.services.scanning import ScanService
from imlate_tui.ui.admin.roster import AdminRosterScreen
from kiosk_helpers import add_person

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def settings(tmp_path):
    return admin_settings(tmp_path)


def in_another_connection(work) -> None:
    """Run `work` on another thread, which peewee gives its own connection, and commit it."""
    def run() -> None:
        with database.connection_context():
            work()
    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)


@pytest.mark.parametrize("query", [None, True], ids=["native", "portable-query"])
def test_the_marker_moves_only_when_someone_else_commits(db, clock, query):
    ann = add_person("Ann", "Able", card="A1")
    watch = ChangeWatch(query=query)
    assert watch.changed() is False  # the baseline
    Track.select().count()
    assert watch.changed() is False  # reading is not a change
    in_another_connection(lambda: ScanService(db, clock).scan("A1"))
    assert watch.changed() is True
    assert watch.changed() is False
    track = Track.get()
    intent = attendance.add_intent(track=track, person=ann, first_of_day=True, hold_until=None, now=clock())
    watch.changed()
    in_another_connection(lambda: attendance.settle(intent, status="failed", summary="x", now=clock()))
    assert watch.changed() is True   # an intent failing is an update, not an insert
    run = JobRun.create(job="writeback", trigger="manual", started_at=clock())
    watch.changed()
    in_another_connection(lambda: JobRun.update(outcome="ok", finished_at=clock()).where(JobRun.id == run.id).execute())
    assert watch.changed() is True   # a job finishing too


SCAN_IN_ANOTHER_PROCESS = """
import sys
from datetime import datetime, timezone
from pathlib import Path
from imlate_tui.config import Settings
from imlate_tui.db.connection import open_database
from imlate_tui.services.scanning import ScanService

url, base = sys.argv[1], Path(sys.argv[2])
settings = Settings(database={"url": url}, base_dir=base, logging={"file": str(base / "scan.log")})
open_database(url, base)
print(ScanService(settings, lambda: datetime(2026, 11, 24, 8, 5, tzinfo=timezone.utc)).scan(sys.argv[3]).result)
"""


async def test_a_scan_by_another_process_shows_in_the_roster_within_2_seconds(db, clock, tmp_path):
    bea = add_person("Bea", "Baker", card="B1", year=7, form="7B")
    add_person("Ann", "Able", card="A1", year=7, form="7A")
    app = admin_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AdminRosterScreen)
        assert screen.table.entries[bea.id].status is Status.NOT_SIGNED
        proc = subprocess.Popen([sys.executable, "-c", SCAN_IN_ANOTHER_PROCESS, db.database.url, str(tmp_path), "B1"],
                                cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            await pilot.pause(0.02)
        out, err = proc.communicate(timeout=5)
        assert proc.returncode == 0, err
        assert out.strip() == "signed_in"
        # The scan is committed now; the admin must show it within 2 s (a little slack for the loop).
        took = await wait_for(pilot, lambda: screen.table.entries[bea.id].status is Status.SIGNED_IN, 2.2)
        assert took is not None, (f"the roster did not show the other process's scan within 2 s "
                                  f"(generation {app.generation}, status {screen.table.entries[bea.id].status})")
        row = screen.table.get_row(str(bea.id))
        assert [str(c) for c in row[:3]] == ["Bea Baker", "Signed In", "08:05"]
        assert str(screen.query_one("#counts").render()) == "In 1  Out 0  Not signed 1"


async def test_nothing_is_reread_while_nobody_writes(db, clock, monkeypatch):
    add_person("Ann", "Able", card="A1")
    app = admin_app(db, clock, poll_seconds=0.05)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        reloads = []
        monkeypatch.setattr(screen, "reload", lambda: reloads.append(1))
        await pilot.pause(0.5)   # about ten polls
        assert reloads == []
        in_another_connection(lambda: ScanService(db, clock).scan("A1"))
        assert await wait_for(pilot, lambda: reloads == [1], 1.0) is not None


async def test_the_counts_and_the_rows_change_in_the_same_refresh(db, clock):
    """One reload updates the table and the counts together: nobody (not a test, not a marshal
    glancing at the screen) can see a row saying "Signed In" next to "In 0"."""
    bea = add_person("Bea", "Baker", card="B1", year=7, form="7B")
    add_person("Ann", "Able", card="A1", year=7, form="7A")
    app = admin_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert str(screen.query_one("#counts").render()) == "In 0  Out 0  Not signed 2"
        in_another_connection(lambda: ScanService(db, clock).scan("B1"))
        app.poll_changes()   # the poll, with no turn of the event loop after it
        assert str(screen.table.get_row(str(bea.id))[1]) == "Signed In"
        assert str(screen.query_one("#counts").render()) == "In 1  Out 0  Not signed 1"
        await pilot.pause()  # the table's own message, handled later, must not undo that
        assert str(screen.query_one("#counts").render()) == "In 1  Out 0  Not signed 1"


async def test_a_status_that_moves_without_a_new_scan_redraws_the_row_and_the_counts(db, clock):
    """Someone's only track of the day gone (by another process) is not a scan: the row and the counts
    both go back to Not Signed in the same refresh."""
    bea = add_person("Bea", "Baker", card="B1", year=7, form="7B")
    ScanService(db, clock).scan("B1")
    app = admin_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert str(screen.table.get_row(str(bea.id))[1]) == "Signed In"
        in_another_connection(lambda: (AttendanceIntent.delete().execute(), Track.delete().execute()))
        app.poll_changes()
        assert str(screen.table.get_row(str(bea.id))[1]) == "Not Signed"
        assert str(screen.query_one("#counts").render()) == "In 0  Out 0  Not signed 1"


async def test_a_change_while_a_screen_is_being_opened_is_shown_once_it_is(db, clock):
    """The poll can notice a change just as F6 opens the audit log, before that screen has its table
    columns: it must wait for the screen (a PostgreSQL CI run failed so once)."""
    from imlate_tui.db import audit

    audit.record(at=clock(), actor="alice", action="card_assigned", target="person:1")
    app = admin_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.action_show("audit")
        app.data_changed()     # the poll firing while the audit screen is composed and mounted
        await pilot.pause()
        assert app.screen.query_one("#audit-table").row_count == 1
