"""A kiosk on PostgreSQL keeps recording while the server is away, reconnects by itself, and forwards
what it recorded in order, exactly once (issue 13, item 2). A real PostgreSQL server of the test's own
is stopped and started again under a running scan service and its forwarder."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import empty_database, make_settings
from imlate_tui.db import migrations, people
from imlate_tui.db.connection import close_database
from imlate_tui.db.journal import waiting_scans
from imlate_tui.db.models import ForwardedScan, Person, Track
from imlate_tui.services.scan_journal import journaled_scan_service
from imlate_tui.services.doctor_checks import Level, waiting_scans_check
from imlate_tui.services.scanning import Outcome, scan_service_for
from imlate_tui.ui.runtime import KioskRuntime
from imlate_tui.ui.status import describe

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "pg-test-server.sh"


class Server:
    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.env = {**os.environ, "PGTEST_PORT": str(port), "PGTEST_DIR": tempfile.mkdtemp(prefix="imlate-pgout-")}

    def start(self) -> str:
        return subprocess.run([str(SCRIPT), "start"], env=self.env, check=True, capture_output=True,
                              text=True, timeout=120).stdout.strip()

    def stop(self) -> None:
        subprocess.run([str(SCRIPT), "stop"], env=self.env, check=True, timeout=120)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.env["PGTEST_DIR"], ignore_errors=True)


@pytest.fixture
def server():
    if not list(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")):
        pytest.skip("PostgreSQL server not installed")
    s = Server()
    yield s
    s.remove()


def wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


@pytest.mark.slow
def test_scans_made_while_the_server_is_away_are_forwarded_once_in_order(server, tmp_path):
    url = server.start()
    settings = make_settings(tmp_path, database={"url": url}, erp={"enabled": True})
    empty_database(settings)
    migrations.migrate()
    start = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)
    for n in range(4):
        person = Person.create(kind="staff", forename=f"P{n}", surname="X", created_at=start, updated_at=start)
        people.assign_card(person, f"CARD-{n}", start)
    clock_now = [start]

    def clock() -> datetime:
        return clock_now[0]

    scans, forwarder = journaled_scan_service(scan_service_for(settings, clock), clock)
    forwarder.interval = 0.1
    forwarder.cycle()
    runtime = KioskRuntime(scans)
    shown = []

    def scan(n: int):
        clock_now[0] += timedelta(seconds=11)
        result = scans.scan(f"card-{n % 4}")
        shown.append((n % 4, result.result))
        return result

    stop_forwarder = forwarder.start()
    try:
        for n in range(8):                       # the server is up: recorded there directly
            assert scan(n).track_id is not None
        server.stop()
        for n in range(8, 20):                   # the server is away: journaled, shown, nothing refused
            result = scan(n)
            assert result.result in (Outcome.SIGNED_IN, Outcome.SIGNED_OUT)
        assert scans.waiting() == 12
        assert "12 scans waiting" in describe("scanner: keyboard", runtime.status())
        assert waiting_scans(settings.path(settings.kiosk.journal)) == 12
        line = waiting_scans_check(settings)                                 # `imlate doctor`'s line
        assert line.level is Level.WARN and "12 scans" in line.message
        server.start()
        for n in range(20, 24):                  # the server is back: new scans queue behind the waiting ones
            scan(n)
        wait_for(lambda: scans.waiting() == 0)
        for n in range(24, 28):                  # and once the queue is empty, go to the server again
            assert scan(n).track_id is not None
    finally:
        stop_forwarder()

    tracks = list(Track.select().order_by(Track.at, Track.id))
    assert len(tracks) == 28                     # every scan recorded, none twice
    assert ForwardedScan.select().count() == 28
    by_person = defaultdict(list)
    for t in tracks:
        by_person[t.person_id].append(t.direction)
    for directions in by_person.values():        # alternation kept for everyone scanning at this kiosk
        assert directions == ["in", "out"] * (len(directions) // 2) + ["in"] * (len(directions) % 2)
    # What each person was shown is what the server holds, in the order the scans were made.
    assert [t.at for t in tracks] == sorted(t.at for t in tracks)
    expected = [("in" if r is Outcome.SIGNED_IN else "out") for _, r in shown]
    assert [t.direction for t in tracks] == expected

    # Exactly once: a scan forwarded again (a crash before the journal noted it) records nothing new.
    journal_con = scans.journal._con
    journal_con.execute("UPDATE scan SET forwarded_at = NULL WHERE id IN (SELECT id FROM scan LIMIT 3)")
    scans.journal._waiting = 3
    scans.forward_waiting(clock)
    assert Track.select().count() == 28 and scans.waiting() == 0
    scans.journal.close()
    close_database()
