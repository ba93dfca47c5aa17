"""One scan (look up the card, decide, record) on 2,000 people and 1,000,000 historical tracks.

Prints p50/p99 of `ScanService.scan` and, in the same run, of a minimal hand-written sqlite3 version
of the same work (card lookup, today's last track, insert in BEGIN IMMEDIATE) as the floor.
Targets: p99 under 5 ms, and within 3x of the floor.
"""

from __future__ import annotations

import sqlite3
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from seed import build_bench_db  # noqa: E402

from imlate_tui.db.connection import close_database, open_database  # noqa: E402
from imlate_tui.services.scanning import ScanService  # noqa: E402

SCANS = 500      # per round
ROUNDS = 4       # service and floor alternate, so WAL growth and checkpoints hit both alike
FOLDER = Path(__file__).resolve().parent.parent / "var" / "bench"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class StepClock:
    """Each scan 11 s after the previous one, so the repeat window never hides work."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=11)
        return self.now


def bench_service(settings, start: datetime) -> list[float]:
    open_database(settings.database.url, settings.base_dir)
    service = ScanService(settings, StepClock(start))
    timings = []
    for i in range(SCANS):
        code = f"card{(i * 37) % 2000 + 1:06d}"   # lower case: the service normalises
        t0 = time.perf_counter()
        service.scan(code)
        timings.append((time.perf_counter() - t0) * 1000)
    close_database()
    return timings


def bench_floor(path: Path, start: datetime) -> list[float]:
    con = sqlite3.connect(path, isolation_level=None, timeout=10)
    con.execute("PRAGMA journal_mode=wal")
    con.execute("PRAGMA synchronous=normal")
    now, timings = start, []
    for i in range(SCANS):
        code = f"card{(i * 37) % 2000 + 1:06d}"
        now += timedelta(seconds=11)
        t0 = time.perf_counter()
        con.execute("BEGIN IMMEDIATE")
        row = con.execute("SELECT person_id FROM card WHERE code = ?", (code.strip().upper(),)).fetchone()
        day = now.date().isoformat()
        last = con.execute("SELECT direction FROM track WHERE person_id = ? AND local_date = ? "
                           "ORDER BY at DESC, id DESC LIMIT 1", (row[0], day)).fetchone()
        direction = "out" if last and last[0] == "in" else "in"
        con.execute("INSERT INTO track (person_id, at, local_date, direction, source, terminal) "
                    "VALUES (?, ?, ?, ?, 'scanner', 'floor')", (row[0], now.isoformat(sep=" "), day, direction))
        con.execute("COMMIT")
        timings.append((time.perf_counter() - t0) * 1000)
    con.close()
    return timings


def count_tracks(path: Path) -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT COUNT(*) FROM track").fetchone()[0]
    finally:
        con.close()


def main() -> None:
    t0 = time.perf_counter()
    settings = build_bench_db(FOLDER)
    print(f"database: 2,000 people, 1,000,000 tracks ({time.perf_counter() - t0:.1f} s to build or reuse)")
    before = count_tracks(FOLDER / "bench.db")
    service: list[float] = []
    floor: list[float] = []
    # Each round on its own school days (a re-run continues those days' alternation).
    base = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
    for r in range(ROUNDS):
        service += bench_service(settings, base + timedelta(days=2 * r))
        floor += bench_floor(FOLDER / "bench.db", base + timedelta(days=2 * r + 1))
    added = count_tracks(FOLDER / "bench.db") - before
    print(f"tracks written: {added} (expected {2 * SCANS * ROUNDS})")
    for name, values in (("imlate scan", service), ("sqlite3 floor", floor)):
        print(f"{name:<14} p50 {percentile(values, 50):.3f} ms   p99 {percentile(values, 99):.3f} ms   "
              f"mean {statistics.mean(values):.3f} ms   ({len(values)} scans)")
    ratio = percentile(service, 99) / percentile(floor, 99)
    print(f"ratio p99 imlate/floor: {ratio:.2f}x   (targets: p99 < 5 ms, ratio <= 3x)")


if __name__ == "__main__":
    main()
