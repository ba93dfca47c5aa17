"""A job run whose process was killed does not stay `running` for ever: `jobs history` shows it as
interrupted at once, and the next run started on this host records it so."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

from imlate_tui.cli import main
from imlate_tui.db import job_runs
from imlate_tui.db.connection import open_database
from imlate_tui.db.models import JobRun

TESTS = Path(__file__).resolve().parent

KILLED_MID_RUN = textwrap.dedent("""
    import os, signal, sys
    sys.path.insert(0, {tests!r})
    from datetime import datetime, timezone
    from pathlib import Path
    from conftest import make_settings
    from imlate_tui.db import job_runs
    from imlate_tui.db.connection import open_database
    settings = make_settings(Path({folder!r}))
    open_database(settings.database.url, settings.base_dir)
    job_runs.start("retention", trigger="schedule", dry_run=False, now=datetime.now(timezone.utc))
    os.kill(os.getpid(), signal.SIGKILL)   # killed mid-run: no finish() ever comes
""")


def test_a_killed_run_is_interrupted(db, clock, tmp_path, capsys):
    proc = subprocess.run([sys.executable, "-c", KILLED_MID_RUN.format(tests=str(TESTS), folder=str(tmp_path))],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    run = JobRun.get()
    assert run.outcome == "running" and job_runs.shown_outcome(run) == "interrupted"
    # what `jobs history` prints, before anything is rewritten
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  url: {db.database.url}\nlogging:\n  file: {tmp_path}/log\n")
    capsys.readouterr()
    assert main(["--config", str(config), "jobs", "history"]) == 0
    assert " retention        schedule interrupted" in capsys.readouterr().out
    open_database(db.database.url, db.base_dir)
    # the next run on this host records it
    job_runs.start("writeback", trigger="schedule", dry_run=False, now=clock())
    run = JobRun.get_by_id(run.id)
    assert run.outcome == "interrupted" and run.finished_at == clock()
    assert run.error == f"interrupted: its process (pid {run.pid}) ended before the run finished"


def test_a_live_run_and_other_hosts_runs_are_left_alone(db, clock):
    mine = job_runs.start("retention", trigger="manual", dry_run=False, now=clock() - timedelta(minutes=5))
    theirs = JobRun.create(job="retention", trigger="schedule", started_at=clock(), host="kiosk-2", pid=1)
    job_runs.start("writeback", trigger="schedule", dry_run=False, now=clock())
    assert JobRun.get_by_id(mine.id).outcome == "running"       # this process is alive
    assert JobRun.get_by_id(theirs.id).outcome == "running"     # cannot know about another machine
    assert socket.gethostname() != "kiosk-2"


def test_a_reused_pid_does_not_keep_a_run_alive(db):
    """pid 1 exists, but it is not the process that started this run (say, before a reboot)."""
    here = socket.gethostname()[:100]
    before_reboot = JobRun.create(job="retention", trigger="schedule", started_at=datetime.now(timezone.utc),
                                  host=here, pid=1, process="another-boot-id:1")
    assert job_runs.process_gone(before_reboot) is True
    that_process = JobRun.create(job="retention", trigger="schedule", started_at=datetime.now(timezone.utc),
                                 host=here, pid=1, process=job_runs.process_identity(1))
    assert job_runs.process_gone(that_process) is False
