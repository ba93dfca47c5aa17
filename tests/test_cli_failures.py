"""What the command line says when something goes wrong that the user did not cause: one line on
stderr, a non-zero exit, the traceback in the log file; and quiet when its reader goes away."""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from imlate_tui import cli
from imlate_tui.cli import main
from imlate_tui.db import connection

REPO = Path(__file__).resolve().parent.parent


def make_config(tmp_path: Path) -> Path:
    cfg = tmp_path / "config.yaml"
    cfg.write_text("database:\n  url: sqlite:///imlate.db\nlogging:\n  file: imlate.log\n"
                   "scanner:\n  repeat_window_seconds: 0\n")
    (tmp_path / "people.csv").write_text("name,kind,card\nAnn Able,staff,A1\n")
    assert main(["--config", str(cfg), "db", "init"]) == 0
    assert main(["--config", str(cfg), "people", "import", str(tmp_path / "people.csv")]) == 0
    return cfg


@pytest.fixture
def own_log_file(monkeypatch):
    """This test's log file, not the one an earlier test in this process set up."""
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [h for h in root.handlers if not getattr(h, "_imlate", False)])
    yield
    for handler in root.handlers:
        if getattr(handler, "_imlate", False):
            handler.close()


def test_a_scan_while_another_process_holds_the_lock_is_one_line(tmp_path, capsys, monkeypatch, own_log_file):
    cfg = make_config(tmp_path)
    monkeypatch.setattr(connection, "BUSY_TIMEOUT_SECONDS", 0.2)
    other = sqlite3.connect(tmp_path / "imlate.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")   # another process's long write
    try:
        capsys.readouterr()
        code = main(["--config", str(cfg), "scan", "A1"])
        out, err = capsys.readouterr()
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert code == 1 and out == ""
    assert err == ("imlate: the database is busy: another process kept it locked for over 0.2 s; "
                   "try again (`imlate doctor` shows who runs what)\n")
    assert "OperationalError" in (tmp_path / "imlate.log").read_text()   # the details are kept


def test_an_unexpected_error_is_one_line_and_the_traceback_goes_to_the_log(tmp_path, capsys, monkeypatch,
                                                                           own_log_file):
    cfg = make_config(tmp_path)

    def broken(settings, args):
        raise RuntimeError("something nobody planned for\nsecond line")

    monkeypatch.setattr(cli, "cmd_roster", broken)
    capsys.readouterr()
    code = main(["--config", str(cfg), "roster"])
    _, err = capsys.readouterr()
    assert code == 1
    assert err == (f"imlate: unexpected error in `roster`: RuntimeError: something nobody planned for "
                   f"(the details are in {tmp_path / 'imlate.log'})\n")
    log = (tmp_path / "imlate.log").read_text()
    assert "Traceback (most recent call last)" in log and "second line" in log


FILL_THE_DISK = textwrap.dedent("""
    import resource, signal, sys
    from imlate_tui.cli import main
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # a write past the limit fails (EFBIG) instead of killing us
    limit = int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    for i in range(2000):
        code = main(["--config", sys.argv[1], "scan", "A1"])
        if code != 0:
            print("failed after", i, "scans", file=sys.stderr)
            sys.exit(code)
    sys.exit(99)
""")


def test_a_full_disk_says_so_in_one_line(tmp_path):
    """No file may grow past a few pages over today's size (RLIMIT_FSIZE): writes fail as on a full disk."""
    cfg = make_config(tmp_path)
    limit = (tmp_path / "imlate.db").stat().st_size + 3 * 4096
    proc = subprocess.run([sys.executable, "-c", FILL_THE_DISK, str(cfg), str(limit)], capture_output=True,
                          text=True, cwd=REPO, timeout=300)
    assert proc.returncode == 1, proc.stderr
    first, said_when = proc.stderr.splitlines()
    assert first.startswith("imlate: the disk holding the database is full or failing (")
    assert "this change was not saved" in first
    assert "cannot rollback" not in first and "Traceback" not in proc.stderr


def test_a_closed_output_pipe_ends_the_command_quietly(tmp_path):
    cfg = make_config(tmp_path)
    db = sqlite3.connect(tmp_path / "imlate.db")
    db.executemany("INSERT INTO job_run (job, trigger, started_at, finished_at, outcome, dry_run, counts, host, pid,"
                   " process) VALUES ('writeback', 'schedule', ?, ?, 'ok', 0, '{\"sent\": 1}', 'h', 1, '')",
                   [(f"2026-11-24 08:{i % 60:02d}:00.000000", f"2026-11-24 08:{i % 60:02d}:01.000000")
                    for i in range(3000)])   # far more than a pipe holds
    db.commit()
    db.close()
    head = subprocess.Popen(["head", "-1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    proc = subprocess.run([sys.executable, "-m", "imlate_tui", "--config", str(cfg), "jobs", "history",
                           "--limit", "3000"], stdout=head.stdin, stderr=subprocess.PIPE, text=True, cwd=REPO,
                          timeout=120)
    head.stdin.close()
    first = head.stdout.read().decode()
    head.stdout.close()
    head.wait()
    assert "writeback" in first
    assert proc.stderr == "" and proc.returncode == 0
