"""The queries the kiosk runs on every scan, as fixed SQL.

peewee rebuilds a query's SQL on every call; for these that cost more than SQLite's own work
(bench/bench_scan.py measures both). The SQL below is plain and portable (SQLite and PostgreSQL), one
constant per query, so a condition every scan must respect (e.g. "not voided") is added in one place.
Placeholders are written `?` and become `%s` on PostgreSQL. Rows are turned into models with the
fields' own converters, so the rest of the code sees the same objects as from an ordinary peewee query.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from peewee import AutoField, BigIntegerField, CharField, IntegerField, TextField

from imlate_tui.db.connection import database, is_sqlite
from imlate_tui.db.models import AttendanceIntent, Person, Track
from imlate_tui.domain.scanning import Direction, LastTrack

_PERSON_COLUMNS = ", ".join(f"p.{f.column_name}" for f in Person._meta.sorted_fields)
_PERSON_NAMES = tuple(f.name for f in Person._meta.sorted_fields)
# Text and integer columns come back from sqlite3 and psycopg2 as str and int already, so only the others
# (booleans, dates, instants) go through peewee's conversion.
_PERSON_CONVERTS = [(f.name, f.python_value) for f in Person._meta.sorted_fields
                    if type(f) not in (AutoField, BigIntegerField, CharField, IntegerField, TextField)]
_TRACK_COLUMNS = ("person_id", "at", "local_date", "direction", "source", "terminal", "actor", "note",
                  "minutes_late")
_INTENT_COLUMNS = ("track_id", "person_id", "direction", "event_at", "local_date", "minutes_late", "first_of_day",
                   "hold_until", "status", "attempts", "next_attempt_at", "created_at", "updated_at")


def _values(columns: tuple[str, ...]) -> str:
    return ", ".join("?" for _ in columns)


PERSON_BY_CARD = f"SELECT {_PERSON_COLUMNS} FROM card c JOIN person p ON p.id = c.person_id WHERE c.code = ?"
PERSON_BY_SCHOOL_ID = (f"SELECT {_PERSON_COLUMNS} FROM person p WHERE UPPER(p.school_id) = ? "
                       f"AND p.kind = 'student' LIMIT 1")
LAST_TRACK = ("SELECT direction, at FROM track WHERE person_id = ? AND local_date = ? AND voided_at IS NULL "
              "ORDER BY at DESC, id DESC LIMIT 1")
"""The person's latest track of the day: decides the direction and the repeat window."""
LATEST_SIGN_IN = ("SELECT at FROM track WHERE person_id = ? AND local_date = ? AND direction = 'in' AND at < ? "
                  "AND voided_at IS NULL ORDER BY at DESC LIMIT 1")
"""The person's latest sign-in of the day before an instant: is this the first sign-in of the day, or
of the session (coming back after leaving is not a late arrival)?"""
INSERT_TRACK = f"INSERT INTO track ({', '.join(_TRACK_COLUMNS)}) VALUES ({_values(_TRACK_COLUMNS)})"
INSERT_INTENT = (f"INSERT INTO attendance_intent ({', '.join(_INTENT_COLUMNS)}) "
                 f"VALUES ({_values(_INTENT_COLUMNS)})")
PERIODS_MARKER = "SELECT COUNT(*), MAX(fetched_at) FROM period_fetch WHERE local_date = ?"
"""Changes whenever the day's registration periods are stored (codes-sync, the writer): a cached copy
of the day's periods is good while this gives the same answer."""


@lru_cache(maxsize=32)
def _native(sql: str, param: str) -> str:
    return sql if param == "?" else sql.replace("?", param)


def _run(sql: str, values: tuple):
    return database.execute_sql(_native(sql, database.param), values)


def _person(sql: str, value: str) -> Person | None:
    sql = _native(sql, database.param)
    if not is_sqlite():
        # Two terminals scanning the same card at once: the second waits here for the first to commit,
        # so it sees the first one's track (SQLite gets the same from BEGIN IMMEDIATE).
        sql += " FOR UPDATE OF p"
    row = database.execute_sql(sql, (value,)).fetchone()
    if row is None:
        return None
    return _person_of(row)


def _person_of(row) -> Person:
    data = dict(zip(_PERSON_NAMES, row))
    for name, convert in _PERSON_CONVERTS:
        if data[name] is not None:   # None stays None in every field
            data[name] = convert(data[name])
    return _loaded(Person, data)


def _loaded(model, data: dict, **related):
    """A model instance from stored values, as peewee builds one from a row (`__data__` is peewee's
    documented store of field values) but without a setattr per field, which cost more than the query."""
    obj = model(__no_default__=1)
    obj.__data__ = data
    obj.__rel__.update(related)
    return obj


def person_by_code(code: str, *, match_school_id: bool) -> Person | None:
    """The person a normalised scan belongs to: by card, then (students only) by school id."""
    person = _person(PERSON_BY_CARD, code)
    if person is None and match_school_id:
        person = _person(PERSON_BY_SCHOOL_ID, code)
    return person


def lock_person(person_id: int) -> Person | None:
    """The person, locked for the rest of the transaction (PostgreSQL; SQLite's writer lock suffices)."""
    query = Person.select().where(Person.id == person_id)
    return (query if is_sqlite() else query.for_update()).first()


def last_track_on(person_id: int, day: date) -> LastTrack | None:
    row = _run(LAST_TRACK, (person_id, Track.local_date.db_value(day))).fetchone()
    return LastTrack(Direction(row[0]), Track.at.python_value(row[1])) if row else None


def latest_sign_in(person_id: int, day: date, before: datetime) -> datetime | None:
    row = _run(LATEST_SIGN_IN, (person_id, Track.local_date.db_value(day), Track.at.db_value(before))).fetchone()
    return Track.at.python_value(row[0]) if row else None


def periods_marker(day: date) -> tuple:
    return tuple(_run(PERIODS_MARKER, (Track.local_date.db_value(day),)).fetchone())


def _insert(sql: str, values: tuple) -> int:
    if is_sqlite():
        return _run(sql, values).lastrowid
    return _run(sql + " RETURNING id", values).fetchone()[0]


def insert_track(*, person: Person, at: datetime, day: date, direction: Direction, source: str, terminal: str,
                 actor: str | None, note: str | None, minutes_late: int | None) -> Track:
    values = (person.id, Track.at.db_value(at), Track.local_date.db_value(day), direction.value, source, terminal,
              actor, note, minutes_late)
    track_id = _insert(INSERT_TRACK, values)
    return _loaded(Track, {"id": track_id, "person": person.id, "at": at, "local_date": day,
                           "direction": direction.value, "source": source, "terminal": terminal, "actor": actor,
                           "note": note, "minutes_late": minutes_late, "reason": None}, person=person)


def insert_intent(*, track: Track, person_id: int, first_of_day: bool, hold_until: datetime | None,
                  now: datetime) -> int:
    """The outbox row stored with a track (in the scan's transaction); its id."""
    stamp = AttendanceIntent.event_at.db_value
    now_text = stamp(now)
    values = (track.id, person_id, track.direction, now_text if track.at == now else stamp(track.at),
              Track.local_date.db_value(track.local_date), track.minutes_late, first_of_day, stamp(hold_until),
              "pending", 0, now_text, now_text, now_text)
    return _insert(INSERT_INTENT, values)
