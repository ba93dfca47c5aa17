"""The scan with iSAMS on (lateness + outbox, what `imlate kiosk` runs): each query once, the day's
registration periods read once per day per division, and new periods used as soon as they are stored."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import fresh_database, make_settings
from imlate_tui.db import people, registration
from imlate_tui.db.connection import close_database, write_transaction
from imlate_tui.db.models import AttendanceIntent, Person, Track
from imlate_tui.db.registration import PeriodRow
from imlate_tui.services.scanning import Outcome, scan_service_for

pytestmark = pytest.mark.db   # run again on PostgreSQL by `make test`
TODAY = date(2026, 11, 24)   # GMT: school time is UTC


def at(day: date, hh: int, mm: int) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=timezone.utc)


class Statements(logging.Handler):
    """The SQL statements (with their parameters) peewee sends while the test runs."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: list[tuple[str, tuple]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if isinstance(record.msg, tuple):
            sql, params = record.msg
            self.seen.append((sql, tuple(params or ())))


@pytest.fixture
def statements():
    logger = logging.getLogger("peewee")
    handler, level = Statements(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.fixture
def erp_db(tmp_path):
    settings = make_settings(tmp_path, erp={"enabled": True})
    fresh_database(settings)
    yield settings
    close_database()


def student(n: int, division: int) -> Person:
    now = at(TODAY, 7, 0)
    person = Person.create(kind="student", forename=f"S{n}", surname="X", school_id=f"SID{n}",
                           division_ids=str(division), created_at=now, updated_at=now)
    people.assign_card(person, f"CARD-{n}", now)
    return person


def store_periods(day: date, division: int, am_start: tuple[int, int], fetched: datetime) -> None:
    with write_transaction():
        registration.store_periods(day, division, [
            PeriodRow(division * 10 + 1, "AM", "AM", at(day, *am_start), at(day, *am_start), at(day, 9, 30)),
            PeriodRow(division * 10 + 2, "PM", "PM", at(day, 13, 30), at(day, 13, 30), at(day, 14, 0))], fetched)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def test_a_late_sign_in_runs_each_query_once_and_reads_no_periods_when_warm(erp_db, statements):
    for n in range(3):
        student(n, 3)
    store_periods(TODAY, 3, (8, 30), at(TODAY, 7, 0))
    clock = Clock(at(TODAY, 8, 40))
    scans = scan_service_for(erp_db, clock)
    assert scans.scan("card-0").minutes_late == 10          # warms the period cache
    statements.seen.clear()
    result = scans.scan("card-1")
    assert (result.result, result.minutes_late) == (Outcome.SIGNED_IN, 10)
    assert len(statements.seen) == len(set(statements.seen)), statements.seen   # no query run twice
    assert not any("registration_period" in sql for sql, _ in statements.seen)
    writes = [sql for sql, _ in statements.seen if sql.lstrip().upper().startswith("INSERT")]
    assert [w.split()[2] for w in writes] == ["track", "attendance_intent"]
    intent = AttendanceIntent.get(AttendanceIntent.track == result.track_id)
    assert (intent.minutes_late, intent.first_of_day, intent.status) == (10, True, "pending")


def test_coming_back_after_leaving_is_not_late_and_not_first_of_the_day(erp_db):
    student(0, 3)
    store_periods(TODAY, 3, (8, 30), at(TODAY, 7, 0))
    clock = Clock(at(TODAY, 8, 40))
    scans = scan_service_for(erp_db, clock)
    assert scans.scan("card-0").minutes_late == 10
    clock.now = at(TODAY, 10, 0)
    assert scans.scan("card-0").result is Outcome.SIGNED_OUT   # early leaver: an intent too
    clock.now = at(TODAY, 11, 0)
    back = scans.scan("card-0")
    assert (back.result, back.minutes_late) == (Outcome.SIGNED_IN, None)
    intents = list(AttendanceIntent.select().order_by(AttendanceIntent.id))
    assert [(i.direction, i.first_of_day, i.minutes_late) for i in intents] == [
        ("in", True, 10), ("out", False, None), ("in", False, None)]


def test_periods_are_read_once_per_day_per_division(erp_db, statements):
    for n in range(4):
        student(n, 3)
    student(9, 4)
    for day in (TODAY, TODAY + timedelta(days=1)):
        store_periods(day, 3, (8, 30), at(TODAY, 7, 0))
        store_periods(day, 4, (8, 30), at(TODAY, 7, 0))
    clock = Clock(at(TODAY, 8, 35))
    scans = scan_service_for(erp_db, clock)
    statements.seen.clear()
    for code in ("card-0", "card-1", "card-9", "card-2", "card-3"):
        clock.now += timedelta(seconds=30)
        assert scans.scan(code).minutes_late is not None
    assert sum("registration_period" in sql for sql, _ in statements.seen) == 2   # divisions 3 and 4
    clock.now = at(TODAY + timedelta(days=1), 8, 45)
    scans.scan("card-0")
    scans.scan("card-1")
    assert sum("registration_period" in sql for sql, _ in statements.seen) == 3   # a new day: division 3 again


def test_periods_stored_by_codes_sync_in_this_process_are_used_at_once(erp_db):
    for n in range(2):
        student(n, 3)
    store_periods(TODAY, 3, (8, 30), at(TODAY, 7, 0))
    clock = Clock(at(TODAY, 8, 40))
    scans = scan_service_for(erp_db, clock)
    assert scans.scan("card-0").minutes_late == 10
    store_periods(TODAY, 3, (8, 35), at(TODAY, 7, 0))   # same fetch time: the process's own store counts
    assert scans.scan("card-1").minutes_late == 5


SYNC_ELSEWHERE = textwrap.dedent("""
    import sys
    from datetime import date, datetime, timezone
    from pathlib import Path
    sys.path.insert(0, {tests!r})
    from conftest import make_settings
    from test_scan_queries import TODAY, at, store_periods
    from imlate_tui.db.connection import close_database, open_database
    settings = make_settings(Path({folder!r}))
    open_database(settings.database.url, settings.base_dir)
    store_periods(TODAY, 3, (8, 20), at(TODAY, 8, 39))
    close_database()
""")


@pytest.mark.slow
def test_periods_stored_by_another_process_are_used_at_once(erp_db, tmp_path):
    for n in range(2):
        student(n, 3)
    store_periods(TODAY, 3, (8, 30), at(TODAY, 7, 0))
    clock = Clock(at(TODAY, 8, 40))
    scans = scan_service_for(erp_db, clock)
    assert scans.scan("card-0").minutes_late == 10
    script = tmp_path / "codes_sync.py"
    script.write_text(SYNC_ELSEWHERE.format(tests=str(Path(__file__).parent), folder=str(tmp_path)))
    subprocess.run([sys.executable, str(script)], check=True, timeout=120)
    assert scans.scan("card-1").minutes_late == 20
    assert Track.select().count() == 2
