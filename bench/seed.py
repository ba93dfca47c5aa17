"""Benchmark data: N students with cards and M historical tracks, fresh for every run.

The history is built once into a template (the project's own schema via migrations, then bulk inserts
with plain sqlite3, because a million ORM inserts would take minutes) and copied to `bench.db` at the
start of every run, so a re-run measures the same data, never the previous run's leftovers.
`fresh_postgres` does the same on PostgreSQL: a template database loaded once with COPY, copied per run.
History spreads over past school days, alternating IN/OUT; every student belongs to the iSAMS division
of their year group (division id = year group), so lateness has periods to look up.
"""

from __future__ import annotations

import io
import shutil
import sqlite3
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator
from urllib.parse import urlparse

from imlate_tui.config import Settings
from imlate_tui.db import migrations
from imlate_tui.db.connection import close_database, database, open_database

LAYOUT = 2   # bump when the generated rows change, so old templates are rebuilt
HISTORY_ENDS = date(2026, 11, 20)   # the bench's own scans are on later days


def bench_settings(folder: Path, **overrides) -> Settings:
    folder = folder.resolve()
    data = {"database": {"url": f"sqlite:///{folder / 'bench.db'}"}, "photos_dir": str(folder / "photos"),
            "logging": {"file": str(folder / "bench.log")}}
    data.update(overrides)
    return Settings(**data, base_dir=folder)


def _people(people: int) -> Iterator[tuple]:
    now = datetime(2026, 1, 5).isoformat(sep=" ")
    for i in range(1, people + 1):
        year = 7 + i % 7
        yield (i, "student", f"{100000 + i}", f"Pupil{i}", f"Surname{i % 500:03d}", year, f"{year}{'ABCD'[i % 4]}",
               str(year), True, now, now)


def _cards(people: int) -> Iterator[tuple]:
    now = datetime(2026, 1, 5).isoformat(sep=" ")
    for i in range(1, people + 1):
        yield (f"CARD{i:06d}", i, now)


def _tracks(people: int, tracks: int) -> Iterator[tuple]:
    per_day = people * 2
    for n in range(tracks):
        day = HISTORY_ENDS - timedelta(days=n // per_day + 1)
        person = (n % per_day) // 2 + 1
        direction = "in" if n % 2 == 0 else "out"
        at = datetime(day.year, day.month, day.day, 8 if direction == "in" else 15, person % 60)
        yield (person, at.isoformat(sep=" ", timespec="microseconds"), day.isoformat(), direction, "scanner", "bench")


PERSON_COLUMNS = ("id, kind, school_id, forename, surname, year_group, form_group, division_ids, active, "
                  "created_at, updated_at")
CARD_COLUMNS = "code, person_id, created_at"
TRACK_COLUMNS = "person_id, at, local_date, direction, source, terminal"


def _template(folder: Path, people: int, tracks: int) -> Path:
    """Build the template once per size and layout."""
    template = folder / f"template-{people}-{tracks}-v{LAYOUT}.db"
    if template.exists():
        return template
    building = folder / "template-building.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{building}{suffix}").unlink(missing_ok=True)
    open_database(f"sqlite:///{building}", folder)
    migrations.migrate()
    close_database()
    con = sqlite3.connect(building)
    con.executemany(f"INSERT INTO person ({PERSON_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", _people(people))
    con.executemany(f"INSERT INTO card ({CARD_COLUMNS}) VALUES (?, ?, ?)", _cards(people))
    con.executemany(f"INSERT INTO track ({TRACK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)", _tracks(people, tracks))
    con.commit()
    con.execute("ANALYZE")
    con.execute("PRAGMA journal_mode=delete")   # one self-contained file to copy
    con.close()
    building.rename(template)
    return template


def build_bench_db(folder: Path, people: int = 2000, tracks: int = 1_000_000) -> Settings:
    """A fresh `bench.db` (a copy of the template) and settings that point at it."""
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    template = _template(folder, people, tracks)
    for suffix in ("", "-wal", "-shm"):
        (folder / f"bench.db{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, folder / "bench.db")
    settings = bench_settings(folder)
    open_database(settings.database.url, settings.base_dir)
    migrations.migrate()   # a template from an older schema gets the newer steps
    close_database()
    return settings


def _copy(cursor, table: str, columns: str, rows: Iterator[tuple]) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(str(v) for v in row) + "\n")
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)


def _seed_postgres(url: str, base_dir: Path, people: int, tracks: int) -> None:
    """Create the schema in an empty PostgreSQL database and load the same rows as the SQLite template."""
    open_database(url, base_dir)
    migrations.migrate()
    with database.atomic():
        cursor = database.cursor()
        _copy(cursor, "person", PERSON_COLUMNS, _people(people))
        _copy(cursor, "card", CARD_COLUMNS, _cards(people))
        _copy(cursor, "track", TRACK_COLUMNS, _tracks(people, tracks))
        database.execute_sql("SELECT setval(pg_get_serial_sequence('person', 'id'), (SELECT MAX(id) FROM person))")
    database.execute_sql("ANALYZE")
    close_database()


def fresh_postgres(url: str, base_dir: Path, people: int = 2000, tracks: int = 1_000_000) -> str:
    """A fresh PostgreSQL database for one run, copied from a seeded template on the same server (built
    once; `CREATE DATABASE … TEMPLATE` copies files, seconds instead of a reload). `url` names a
    throw-away database the bench may connect to; the template and the run database sit beside it."""
    import psycopg2

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    template, run = f"{name}_tpl_{people}_{tracks}_v{LAYOUT}", f"{name}_run"
    con = psycopg2.connect(url)
    con.autocommit = True
    try:
        cur = con.cursor()
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (template,))
        if cur.fetchone() is None:
            building = f"{template}_building"
            cur.execute(f'DROP DATABASE IF EXISTS "{building}"')
            cur.execute(f'CREATE DATABASE "{building}"')
            _seed_postgres(parts._replace(path=f"/{building}").geturl(), base_dir, people, tracks)
            cur.execute(f'ALTER DATABASE "{building}" RENAME TO "{template}"')
        cur.execute(f'DROP DATABASE IF EXISTS "{run}"')
        cur.execute(f'CREATE DATABASE "{run}" TEMPLATE "{template}"')
    finally:
        con.close()
    return parts._replace(path=f"/{run}").geturl()
