"""Two processes scanning into one SQLite file at the same time lose nothing and keep alternation."""

import subprocess
import sys
import textwrap
from collections import defaultdict

import pytest

from imlate_tui.db import people
from imlate_tui.db.connection import close_database, open_database
from imlate_tui.db.models import Person, Track

WORKER = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    sys.path.insert(0, {tests!r})
    from conftest import make_settings
    from imlate_tui.db.connection import open_database
    from imlate_tui.services.scanning import ScanService
    settings = make_settings(Path({folder!r}), scanner={{"repeat_window_seconds": 0}})
    open_database(settings.database.url, settings.base_dir)
    service = ScanService(settings)
    go = Path({folder!r}) / "go"
    while not go.exists():
        time.sleep(0.005)
    offset = int(sys.argv[1])
    for i in range(500):
        result = service.scan(f"CARD-{{(i * 7 + offset) % 20}}")
        assert result.result.value in ("signed_in", "signed_out"), result
    print("done")
""")


@pytest.mark.slow
def test_two_processes_500_scans_each(db, clock, tmp_path):
    for n in range(20):
        person = Person.create(kind="staff", forename=f"P{n}", surname="X", created_at=clock(), updated_at=clock())
        people.assign_card(person, f"CARD-{n}", clock())
    close_database()
    script = tmp_path / "worker.py"
    script.write_text(WORKER.format(tests=str(__import__("pathlib").Path(__file__).parent), folder=str(tmp_path)))
    procs = [subprocess.Popen([sys.executable, str(script), str(k)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for k in (0, 3)]
    (tmp_path / "go").touch()
    results = [p.communicate(timeout=300) for p in procs]
    for proc, (out, err) in zip(procs, results):
        assert proc.returncode == 0 and out.strip() == "done", err   # no "database is locked"
    open_database(db.database.url, db.base_dir)
    tracks = list(Track.select().order_by(Track.at, Track.id))
    assert len(tracks) == 1000
    by_person = defaultdict(list)
    for t in tracks:
        by_person[(t.person_id, t.local_date)].append(t.direction)
    for directions in by_person.values():
        assert directions == ["in", "out"] * (len(directions) // 2) + ["in"] * (len(directions) % 2)
