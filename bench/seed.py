"""Build a benchmark database fast: N people with cards and M historical tracks.

Uses the project's own schema (migrations) and bulk-inserts history with plain sqlite3, because a
million ORM inserts would take minutes. History spreads over past school days, alternating IN/OUT.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from imlate_tui.config import Settings
from imlate_tui.db import migrations
from imlate_tui.db.connection import close_database, open_database


def bench_settings(folder: Path, **overrides) -> Settings:
    folder = folder.resolve()
    data = {"database": {"url": f"sqlite:///{folder / 'bench.db'}"}, "photos_dir": str(folder / "photos"),
            "logging": {"file": str(folder / "bench.log")}}
    data.update(overrides)
    return Settings(**data, base_dir=folder)


def build_bench_db(folder: Path, people: int = 2000, tracks: int = 1_000_000) -> Settings:
    """Create (or reuse, when already built with the same sizes) the benchmark database."""
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    settings = bench_settings(folder)
    marker = folder / f"built-{people}-{tracks}"
    if marker.exists():
        return settings
    for suffix in ("", "-wal", "-shm"):
        (folder / f"bench.db{suffix}").unlink(missing_ok=True)
    open_database(settings.database.url, settings.base_dir)
    migrations.migrate()
    close_database()
    con = sqlite3.connect(folder / "bench.db")
    now = datetime(2026, 1, 5, tzinfo=timezone.utc).replace(tzinfo=None).isoformat(sep=" ")
    con.executemany(
        "INSERT INTO person (id, kind, school_id, forename, surname, year_group, form_group, division_ids,"
        " active, created_at, updated_at) VALUES (?, 'student', ?, ?, ?, ?, ?, '', 1, ?, ?)",
        [(i, f"{100000 + i}", f"Pupil{i}", f"Surname{i % 500:03d}", 7 + i % 7, f"{7 + i % 7}{'ABCD'[i % 4]}",
          now, now) for i in range(1, people + 1)])
    con.executemany("INSERT INTO card (code, person_id, created_at) VALUES (?, ?, ?)",
                    [(f"CARD{i:06d}", i, now) for i in range(1, people + 1)])
    per_day = people * 2
    start = date(2026, 11, 20)

    def rows():
        for n in range(tracks):
            day = start - timedelta(days=n // per_day + 1)
            person = (n % per_day) // 2 + 1
            direction = "in" if n % 2 == 0 else "out"
            at = datetime(day.year, day.month, day.day, 8 if direction == "in" else 15, person % 60)
            yield (person, at.isoformat(sep=" ", timespec="microseconds"), day.isoformat(), direction,
                   "scanner", "bench")

    con.executemany("INSERT INTO track (person_id, at, local_date, direction, source, terminal)"
                    " VALUES (?, ?, ?, ?, ?, ?)", rows())
    con.commit()
    con.execute("ANALYZE")
    con.close()
    marker.touch()
    return settings
