"""One scan as the kiosk records it, on 2,000 students and 1,000,000 historical tracks, against a floor.

The product: `scan_service_for(settings)`, what `imlate kiosk` and `imlate scan` build — with iSAMS off,
and with iSAMS on (lateness from the day's periods + an attendance intent in the same transaction).
The floor, in the same run: hand-written sqlite3 (or psycopg2) doing the same reads and writes in one
transaction, with the product's PRAGMAs (`SQLITE_PRAGMAS`) and busy time-out. Product and floor rounds
alternate on days of their own, so WAL growth and checkpoints hit both alike; after each scenario the
rows written by each side are compared (tracks, minutes late, intents, first-of-day, holds) and the
bench stops loudly if they differ. Every run starts from a fresh copy of the data (bench/seed.py).

Also measured: what `synchronous=FULL` (acknowledged = on disk) costs against the old NORMAL.
PostgreSQL runs when IMLATE_BENCH_DATABASE_URL names a throw-away database (`make bench` starts a
private server); each run gets a fresh copy of a template database beside it (bench/seed.py).

Goals (issue 14): p50 within 3x of the floor on SQLite, 2x on PostgreSQL, with iSAMS on.
"""

from __future__ import annotations

import math
import os
import sqlite3
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).parent))
from seed import bench_settings, build_bench_db, fresh_postgres  # noqa: E402

from imlate_tui.db import connection, registration  # noqa: E402
from imlate_tui.db.connection import BUSY_TIMEOUT_SECONDS, close_database, open_database, write_transaction  # noqa: E402
from imlate_tui.db.registration import PeriodRow  # noqa: E402
from imlate_tui.services.scanning import scan_service_for  # noqa: E402

SCANS = 500      # per round
ROUNDS = 4
STUDENTS_SCANNED = 300   # 500 scans over 300 students: 200 sign in and leave early, 100 only sign in
FOLDER = Path(__file__).resolve().parent.parent / "var" / "bench"
FIRST_DAY = date(2026, 12, 1)
TZ = ZoneInfo("Europe/London")   # GMT in December: 08:00 UTC is 08:00 at school
AM_START, PM_START, DAY_ENDS = (8, 30), (13, 30), (15, 30)
DIVISIONS = range(7, 14)
HOLD = timedelta(seconds=15 + 5)   # reasons.timeout_seconds + 5, as the product holds a late/early intent


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def codes() -> list[str]:
    return [f"card{(i * 37) % STUDENTS_SCANNED + 1:06d}" for i in range(SCANS)]   # lower case: both normalise


def local(day: date, hm: tuple[int, int]) -> datetime:
    return datetime(day.year, day.month, day.day, *hm, tzinfo=TZ).astimezone(timezone.utc)


class StepClock:
    """Each scan 11 s after the previous one from 08:00, so the repeat window never hides work; the
    scans run past the register's start, so late arrivals are included."""

    def __init__(self, day: date) -> None:
        self.now = local(day, (8, 0))

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=11)
        return self.now


def store_periods(days: list[date]) -> None:
    """Every division's AM and PM register on the bench days, stored as codes-sync stores them."""
    with write_transaction():
        for day in days:
            for division in DIVISIONS:
                rows = [PeriodRow(division * 10 + 1, "AM", "AM", local(day, AM_START), local(day, AM_START),
                                  local(day, (9, 30))),
                        PeriodRow(division * 10 + 2, "PM", "PM", local(day, PM_START), local(day, PM_START),
                                  local(day, (14, 0)))]
                registration.store_periods(day, division, rows, local(day, (7, 0)))


# --- the floor ------------------------------------------------------------------------------------

def utc_text(at: datetime) -> str:
    return at.astimezone(timezone.utc).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def as_utc(value) -> datetime:
    value = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc)


class Floor:
    """The same reads and writes as the product's scan, in plain DB-API calls."""

    lock = ""

    def __init__(self, isams: bool) -> None:
        self.isams = isams
        self.periods: dict = {}
        self.marker = None

    def scan(self, code: str, now: datetime) -> None:
        self.begin()
        person = self.one("SELECT p.id, p.kind, p.division_ids, p.active, p.forename, p.surname, p.preferred_name, "
                          "p.school_id, p.year_group, p.form_group, p.photo_path FROM card c JOIN person p "
                          "ON p.id = c.person_id WHERE c.code = ?" + self.lock, (code.strip().upper(),))
        pid, kind, divisions = person[0], person[1], person[2]
        day = now.astimezone(TZ).date()
        day_text, at_text = day.isoformat(), utc_text(now)
        last = self.one("SELECT direction, at FROM track WHERE person_id = ? AND local_date = ? "
                        "ORDER BY at DESC, id DESC LIMIT 1", (pid, day_text))
        if last is not None and (now - as_utc(last[1])).total_seconds() < 10:
            self.commit()
            return
        direction = "out" if last is not None and last[0] == "in" else "in"
        minutes = latest = None
        attendance = self.isams and kind == "student"
        if attendance and direction == "in":
            am, pm = self.registers(day, int(divisions))
            latest = self.one("SELECT at FROM track WHERE person_id = ? AND local_date = ? AND direction = 'in' "
                              "AND at < ? ORDER BY at DESC LIMIT 1", (pid, day_text, at_text))
            register, start = (am, local(day, (0, 0))) if now < pm else (pm, pm)
            if (latest is None or as_utc(latest[0]) < start) and now > register:
                minutes = max(1, math.ceil((now - register).total_seconds() / 60))
        track_id = self.insert("INSERT INTO track (person_id, at, local_date, direction, source, terminal, actor, "
                               "note, minutes_late) VALUES (?, ?, ?, ?, 'keyboard', 'reception', NULL, NULL, ?)",
                               (pid, at_text, day_text, direction, minutes))
        early = direction == "out" and now < local(day, DAY_ENDS)
        if attendance and (direction == "in" or early):
            hold = utc_text(now + HOLD) if minutes or early else None
            self.insert("INSERT INTO attendance_intent (track_id, person_id, direction, event_at, local_date, "
                        "minutes_late, first_of_day, hold_until, status, attempts, next_attempt_at, created_at, "
                        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)",
                        (track_id, pid, direction, at_text, day_text, minutes, direction == "in" and latest is None,
                         hold, at_text, at_text, at_text))
        self.commit()

    def registers(self, day: date, division: int) -> tuple[datetime, datetime]:
        """AM and PM starts, read once per day per division while the store's marker is unchanged."""
        marker = self.one("SELECT COUNT(*), MAX(fetched_at) FROM period_fetch WHERE local_date = ?",
                          (day.isoformat(),))
        if marker != self.marker:
            self.marker, self.periods = marker, {}
        if division not in self.periods:
            self.one("SELECT fetched_at FROM period_fetch WHERE local_date = ? AND division_id = ?",
                     (day.isoformat(), division))
            rows = self.all("SELECT registration_type, start FROM registration_period WHERE local_date = ? "
                            "AND division_id = ? ORDER BY start, isams_id", (day.isoformat(), division))
            starts = {kind: as_utc(start) for kind, start in rows}
            self.periods[division] = (starts["AM"], starts["PM"])
        return self.periods[division]


class SqliteFloor(Floor):
    def __init__(self, path: Path, isams: bool, pragmas: dict) -> None:
        super().__init__(isams)
        self.con = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_SECONDS)
        for name, value in pragmas.items():
            self.con.execute(f"PRAGMA {name} = {value}")

    def begin(self) -> None:
        self.con.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.con.execute("COMMIT")

    def one(self, sql: str, args: tuple):
        return self.con.execute(sql, args).fetchone()

    def all(self, sql: str, args: tuple):
        return self.con.execute(sql, args).fetchall()

    def insert(self, sql: str, args: tuple) -> int:
        return self.con.execute(sql, args).lastrowid

    def close(self) -> None:
        self.con.close()


class PostgresFloor(Floor):
    lock = " FOR UPDATE OF p"

    def __init__(self, url: str, isams: bool) -> None:
        import psycopg2

        super().__init__(isams)
        self.con = psycopg2.connect(url)
        self.cur = self.con.cursor()

    def begin(self) -> None:
        pass   # psycopg2 opens the transaction with the first statement

    def commit(self) -> None:
        self.con.commit()

    def one(self, sql: str, args: tuple):
        self.cur.execute(sql.replace("?", "%s"), args)
        return self.cur.fetchone()

    def all(self, sql: str, args: tuple):
        self.cur.execute(sql.replace("?", "%s"), args)
        return self.cur.fetchall()

    def insert(self, sql: str, args: tuple) -> int:
        return self.one(sql + " RETURNING id", args)[0]

    def close(self) -> None:
        self.con.close()


# --- running ----------------------------------------------------------------------------------------

def product_round(settings, day: date) -> list[float]:
    open_database(settings.database.url, settings.base_dir)
    service = scan_service_for(settings, StepClock(day))
    timings = []
    for code in codes():
        t0 = time.perf_counter()
        service.scan(code)
        timings.append((time.perf_counter() - t0) * 1000)
    close_database()
    return timings


def floor_round(make_floor, day: date) -> list[float]:
    floor, clock, timings = make_floor(), StepClock(day), []
    for code in codes():
        now = clock()
        t0 = time.perf_counter()
        floor.scan(code, now)
        timings.append((time.perf_counter() - t0) * 1000)
    floor.close()
    return timings


def written(settings, days: list[date]) -> tuple:
    """What a side wrote on its days: tracks, minutes late, intents, first-of-day, holds."""
    open_database(settings.database.url, settings.base_dir)
    from imlate_tui.db.connection import database

    marks = ", ".join(f"'{d.isoformat()}'" for d in days)
    tracks = database.execute_sql(f"SELECT COUNT(*), COALESCE(SUM(minutes_late), 0) FROM track "
                                  f"WHERE local_date IN ({marks})").fetchone()
    intents = database.execute_sql(f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN first_of_day THEN 1 ELSE 0 END), 0), "
                                   f"COUNT(hold_until) FROM attendance_intent WHERE local_date IN ({marks})").fetchone()
    close_database()
    return tuple(tracks) + tuple(intents)


class Days:
    """Hands out unused school days, two per round (product, floor)."""

    def __init__(self) -> None:
        self.next = FIRST_DAY

    def take(self, n: int) -> list[date]:
        days = [self.next + timedelta(days=i) for i in range(n)]
        self.next += timedelta(days=n)
        return days


def scenario(label: str, settings, make_floor, days: Days) -> tuple[list[float], list[float]]:
    product_days, floor_days = days.take(ROUNDS), days.take(ROUNDS)
    if written(settings, product_days + floor_days)[0] != 0:
        raise SystemExit(f"{label}: the bench days already hold tracks: the data is not fresh")
    product: list[float] = []
    floor: list[float] = []
    for r in range(ROUNDS):
        product += product_round(settings, product_days[r])
        floor += floor_round(make_floor, floor_days[r])
    ours, theirs = written(settings, product_days), written(settings, floor_days)
    print(f"{label}: rows written (tracks, minutes late, intents, first of day, holds): "
          f"product {ours}, floor {theirs}")
    if ours != theirs or ours[0] != SCANS * ROUNDS:
        raise SystemExit(f"{label}: the product and the floor did not write the same rows: {ours} != {theirs}")
    for name, values in (("product", product), ("floor", floor)):
        print(f"  {name:<8} p50 {percentile(values, 50):.3f} ms   p99 {percentile(values, 99):.3f} ms   "
              f"mean {statistics.mean(values):.3f} ms   ({len(values)} scans)")
    return product, floor


def result(measure: str, figure: float, floor: float, goal: str) -> None:
    print(f"RESULT {measure} | {figure:.3f} ms | {floor:.3f} ms | {figure / floor:.2f}x | {goal}", flush=True)


def with_erp(settings, enabled: bool):
    erp = settings.erp.model_copy(update={"enabled": enabled})
    return settings.model_copy(update={"erp": erp})


def sqlite_scenarios(days: Days) -> None:
    t0 = time.perf_counter()
    settings = build_bench_db(FOLDER)
    path = FOLDER / "bench.db"
    print(f"SQLite: fresh copy of 2,000 students / 1,000,000 tracks ({time.perf_counter() - t0:.1f} s), "
          f"PRAGMAs {connection.SQLITE_PRAGMAS}")
    open_database(settings.database.url, settings.base_dir)
    store_periods([days.next + timedelta(days=i) for i in range(8 * ROUNDS)])
    close_database()
    product_pragmas = connection.SQLITE_PRAGMAS
    p50_on = {}
    # The product's PRAGMAs first; then both sides again with the old synchronous=normal, where the fsync
    # per commit does not hide the rest of the work: the ratio there is the product's own overhead.
    for sync in (product_pragmas["synchronous"], "normal"):
        pragmas = {**product_pragmas, "synchronous": sync}
        connection.SQLITE_PRAGMAS = pragmas
        try:
            for isams in (False, True):
                label = f"scan p50, iSAMS {'on' if isams else 'off'}, SQLite synchronous={sync}"
                product, floor = scenario(label, with_erp(settings, isams),
                                          lambda isams=isams, pragmas=pragmas: SqliteFloor(path, isams, pragmas), days)
                result(label, percentile(product, 50), percentile(floor, 50), "<= 3x" if isams else "-")
                if isams:
                    p50_on[sync] = percentile(product, 50)
        finally:
            connection.SQLITE_PRAGMAS = product_pragmas
    result("durability: scan p50 synchronous=full vs normal, iSAMS on, SQLite", p50_on["full"], p50_on["normal"],
           "measured")


def postgres_scenarios(url: str, days: Days) -> None:
    t0 = time.perf_counter()
    url = fresh_postgres(url, FOLDER)
    print(f"PostgreSQL: fresh copy of 2,000 students / 1,000,000 tracks ({time.perf_counter() - t0:.1f} s)")
    settings = bench_settings(FOLDER, database={"url": url})
    open_database(url, FOLDER)
    store_periods([days.next + timedelta(days=i) for i in range(4 * ROUNDS)])
    close_database()
    for isams in (False, True):
        label = f"scan p50, iSAMS {'on' if isams else 'off'}, PostgreSQL"
        product, floor = scenario(label, with_erp(settings, isams), lambda isams=isams: PostgresFloor(url, isams), days)
        result(label, percentile(product, 50), percentile(floor, 50), "<= 2x" if isams else "-")


def main() -> None:
    sqlite_scenarios(Days())
    url = os.environ.get("IMLATE_BENCH_DATABASE_URL")
    if url:
        postgres_scenarios(url, Days())
    else:
        print("PostgreSQL: skipped (set IMLATE_BENCH_DATABASE_URL to a throw-away database; `make bench` does)")


if __name__ == "__main__":
    main()
