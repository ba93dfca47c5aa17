"""Kiosk scan latency and memory on a big database (2,000 people, 1,000,000 tracks).

How it measures: the app is driven headless with Textual's pilot. Each scan is posted to the app as a
`ScanArrived` message stamped with `time.perf_counter()`, exactly what the evdev reader thread does.
`KioskApp.result_hook` is called in `on_scan_processed` right after the result panel's widgets were
updated; the bench records (updated - arrived). It also records (painted - arrived) with
`call_after_refresh`, i.e. after the next screen refresh. Scans are one at a time (the next scan is
posted once the previous result is on screen), then a burst of 100 posted at once (queueing
included). Peak memory is this process's `ru_maxrss`; the database is built (or reused, cached in
var/bench) in a child process so building it does not count.

Targets: p99 < 50 ms, peak RSS < 150 MB. Prints the figures; asserts nothing.
Run: .venv/bin/python bench/bench_kiosk.py [scans]
"""

from __future__ import annotations

import asyncio
import multiprocessing
import resource
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from seed import bench_settings, build_bench_db

from imlate_tui.db import migrations
from imlate_tui.db.connection import close_database, open_database
from imlate_tui.domain.scanning import school_date
from imlate_tui.scanner import Scan
from imlate_tui.ui.kiosk_app import make_kiosk_app
from imlate_tui.ui.messages import ScanArrived
from imlate_tui.ui.screens.roster import RosterScreen
from imlate_tui.ui.widgets import RosterTable

FOLDER = Path("var/bench")


class StepClock:
    """School time that moves 20 s per reading: every scan is outside the repeat window."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=20)
        return self.now


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(label: str, seconds: list[float]) -> None:
    ms = [s * 1000 for s in seconds]
    print(f"{label:<34} n={len(ms):<4} p50={statistics.median(ms):6.2f} ms  p99={percentile(ms, 99):6.2f} ms"
          f"  max={max(ms):6.2f} ms")


async def drive(scans: int) -> None:
    settings = bench_settings(FOLDER)
    open_database(settings.database.url, settings.base_dir)
    migrations.migrate()  # the cached database may predate newer schema steps; safe to re-run
    clock = StepClock()
    updated: list[float] = []
    painted: list[float] = []

    app = make_kiosk_app(settings, clock=clock, scanner=lambda on_scan, on_status: _Idle())

    def hook(arrived: float, shown: float) -> None:
        updated.append(shown - arrived)
        app.call_after_refresh(lambda: painted.append(time.perf_counter() - arrived))

    app.result_hook = hook
    codes = [f"CARD{n:06d}" for n in range(1, scans + 1)]
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        for code in codes:
            want = len(updated) + 1
            app.post_message(ScanArrived(Scan(code), "scanner", time.perf_counter()))
            while len(updated) < want:
                await asyncio.sleep(0.0005)
        await pilot.pause(0.05)
        one_by_one, one_by_one_painted = updated[:], painted[:]

        updated.clear()
        painted.clear()
        for code in codes[:100]:
            app.post_message(ScanArrived(Scan(code), "scanner", time.perf_counter()))
        while len(updated) < 100:
            await asyncio.sleep(0.001)
        await pilot.pause(0.05)
        burst = updated[:]

        started = time.perf_counter()
        day = school_date(clock.now, settings.tz)
        app.push_screen(RosterScreen(day))
        while not (isinstance(app.screen, RosterScreen) and app.screen.is_mounted
                   and app.screen.query(RosterTable) and app.screen.table.row_count):
            await asyncio.sleep(0.001)
        roster_open = time.perf_counter() - started
    close_database()

    print(f"kiosk bench: {scans} scans on {FOLDER}/bench.db (2,000 people, 1,000,000 tracks)")
    report("scan -> result updated", one_by_one)
    report("scan -> result painted", one_by_one_painted)
    report("burst of 100 (with queueing)", burst)
    print(f"{'open roster (2,000 rows)':<34} {roster_open * 1000:.1f} ms")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'peak RSS':<34} {peak_mb:.1f} MB   (targets: p99 < 50 ms, peak < 150 MB)")


class _Idle:
    """A scanner handle with no thread: the bench posts the scans itself."""

    def start(self) -> None:
        pass

    def stop(self, timeout: float = 1.0) -> bool:
        return True


def main() -> None:
    scans = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    child = multiprocessing.get_context("spawn").Process(target=build_bench_db, args=(FOLDER,))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit("building the benchmark database failed")
    asyncio.run(drive(scans))


if __name__ == "__main__":
    main()
