"""A database this user cannot write still serves the fire list, the roster, reports and the admin's
read views; only writers are refused, with one line. Real permissions: root can write anything, so
the readers run as `nobody` (setpriv), as in test_cli.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from imlate_tui.cli import main
from imlate_tui.db.connection import close_database, open_database

REPO = Path(__file__).resolve().parent.parent
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"),
                                reason="needs root to drop to nobody")


@pytest.fixture
def school():
    """A database with Ann signed in, in a folder nobody can read but not write."""
    folder = Path(tempfile.mkdtemp(prefix="imlate-ro-", dir="/tmp"))  # pytest's tmp is 0700
    cfg = folder / "config.yaml"
    cfg.write_text(f"database:\n  url: sqlite:///{folder}/imlate.db\nlogging:\n  file: /nonexistent/log\n")
    (folder / "people.csv").write_text("name,kind,card\nAnn Able,staff,A1\nBea Baker,staff,B1\n")
    assert main(["--config", str(cfg), "db", "init"]) == 0
    assert main(["--config", str(cfg), "people", "import", str(folder / "people.csv")]) == 0
    assert main(["--config", str(cfg), "scan", "A1"]) == 0
    os.chmod(folder, 0o755)
    os.chmod(cfg, 0o644)
    os.chmod(folder / "imlate.db", 0o444)
    yield folder
    close_database()
    shutil.rmtree(folder, ignore_errors=True)


def as_nobody(folder: Path, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([*NOBODY, sys.executable, "-m", "imlate_tui", "--config", str(folder / "config.yaml"), *argv],
                          capture_output=True, text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                          timeout=60)


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_readers_work_and_writers_get_one_line(school):
    before = files(school)
    roster = as_nobody(school, "roster", "--json")
    assert roster.returncode == 0, roster.stderr
    assert {r["name"]: r["status"] for r in json.loads(roster.stdout)} == {"Ann Able": "signed_in",
                                                                          "Bea Baker": "not_signed"}
    fire = as_nobody(school, "firelist", "--format", "csv")
    assert fire.returncode == 0, fire.stderr
    assert "Ann Able" in fire.stdout and "Bea Baker" not in fire.stdout
    for argv in (["report", "daily"], ["jobs", "history"], ["jobs", "list"]):
        proc = as_nobody(school, *argv)
        assert proc.returncode == 0, (argv, proc.stderr)
    scan = as_nobody(school, "scan", "B1")
    assert scan.returncode == 1
    assert scan.stderr.startswith("imlate: the database ") and "read-only for this user" in scan.stderr
    assert len(scan.stderr.splitlines()) == 1
    assert files(school) == before   # no -wal or -shm left behind that the kiosk's user could not write


def test_a_reader_sees_scans_still_in_the_write_ahead_log_of_a_running_kiosk(school):
    """A kiosk with the database open keeps recent commits in the -wal file; the fire list must include them."""
    os.chmod(school / "imlate.db", 0o644)
    open_database(f"sqlite:///{school}/imlate.db", school)   # the "kiosk": root keeps its connection open
    from imlate_tui.services.scanning import scan_service_for
    from imlate_tui.config import load_settings

    scan_service_for(load_settings(str(school / "config.yaml"))).scan("B1")
    assert (school / "imlate.db-wal").stat().st_size > 0
    os.chmod(school / "imlate.db", 0o444)
    fire = as_nobody(school, "firelist", "--format", "csv")
    assert fire.returncode == 0, fire.stderr
    assert "Ann Able" in fire.stdout and "Bea Baker" in fire.stdout


ADMIN_READS = """
import asyncio, sys
from imlate_tui.config import load_settings
from imlate_tui.db.connection import open_database
from imlate_tui.ui.admin_app import make_admin_app

settings = load_settings(sys.argv[1])
open_database(settings.database.url, settings.base_dir, allow_read_only=True)
said = []

async def main():
    app = make_admin_app(settings, user="nobody", client_address="local")
    original = app.notify
    app.notify = lambda message, **kw: (said.append(str(message)), original(message, **kw))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.table
        print([str(table.get_row_at(i)[1]) for i in range(table.row_count)])
        await pilot.press("f3")
        await pilot.pause()
    print(said)

asyncio.run(main())
"""


def test_the_admin_read_views_open_on_a_read_only_database(school):
    proc = subprocess.run([*NOBODY, sys.executable, "-c", ADMIN_READS, str(school / "config.yaml")],
                          capture_output=True, text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    statuses, said = proc.stdout.splitlines()[:2]
    assert statuses == "['Signed In', 'Not Signed']"
    assert "is read-only for this user" in said and "restart imlate admin to see later scans" in said
