"""The three queries the kiosk runs on every scan, as fixed SQL.

peewee rebuilds a query's SQL on every call; for these three that cost more than SQLite's own work
(bench/bench_scan.py: ~1.3 ms → well under 1 ms per scan). The SQL below is plain and portable
(SQLite and PostgreSQL); rows are turned into models with the fields' own converters, so the rest of
the code sees the same objects as from an ordinary peewee query.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from imlate_tui.db.connection import database, is_sqlite
from imlate_tui.db.models import Person, Track
from imlate_tui.domain.scanning import Direction, LastTrack

_TRACK_COLUMNS = ("person_id", "at", "local_date", "direction", "source", "terminal", "actor", "note",
                  "minutes_late")


@lru_cache(maxsize=4)
def _sql(kind: str, param: str) -> str:
    person_cols = ", ".join(f"p.{f.column_name}" for f in Person._meta.sorted_fields)
    if kind == "person_by_card":
        return f"SELECT {person_cols} FROM card c JOIN person p ON p.id = c.person_id WHERE c.code = {param}"
    if kind == "person_by_school_id":
        return (f"SELECT {person_cols} FROM person p WHERE UPPER(p.school_id) = {param} "
                f"AND p.kind = 'student' LIMIT 1")
    if kind == "last_track":
        return (f"SELECT direction, at FROM track WHERE person_id = {param} AND local_date = {param} "
                f"AND voided_at IS NULL ORDER BY at DESC, id DESC LIMIT 1")
    if kind == "insert_track":
        values = ", ".join([param] * len(_TRACK_COLUMNS))
        return f"INSERT INTO track ({', '.join(_TRACK_COLUMNS)}) VALUES ({values})"
    raise ValueError(kind)


def _person(sql_kind: str, value: str) -> Person | None:
    sql = _sql(sql_kind, database.param)
    if not is_sqlite():
        # Two terminals scanning the same card at once: the second waits here for the first to commit,
        # so it sees the first one's track (SQLite gets the same from BEGIN IMMEDIATE).
        sql += " FOR UPDATE OF p"
    cursor = database.execute_sql(sql, (value,))
    row = cursor.fetchone()
    if row is None:
        return None
    fields = Person._meta.sorted_fields
    return Person(**{f.name: f.python_value(v) for f, v in zip(fields, row)})


def person_by_code(code: str, *, match_school_id: bool) -> Person | None:
    """The person a normalised scan belongs to: by card, then (students only) by school id."""
    person = _person("person_by_card", code)
    if person is None and match_school_id:
        person = _person("person_by_school_id", code)
    return person


def lock_person(person_id: int) -> Person | None:
    """The person, locked for the rest of the transaction (PostgreSQL; SQLite's writer lock suffices)."""
    query = Person.select().where(Person.id == person_id)
    return (query if is_sqlite() else query.for_update()).first()


def last_track_on(person_id: int, day: date) -> LastTrack | None:
    cursor = database.execute_sql(_sql("last_track", database.param), (person_id, Track.local_date.db_value(day)))
    row = cursor.fetchone()
    return LastTrack(Direction(row[0]), Track.at.python_value(row[1])) if row else None


def insert_track(*, person: Person, at: datetime, day: date, direction: Direction, source: str, terminal: str,
                 actor: str | None, note: str | None, minutes_late: int | None) -> Track:
    values = (person.id, Track.at.db_value(at), Track.local_date.db_value(day), direction.value, source, terminal,
              actor, note, minutes_late)
    sql = _sql("insert_track", database.param)
    if is_sqlite():
        track_id = database.execute_sql(sql, values).lastrowid
    else:
        track_id = database.execute_sql(sql + " RETURNING id", values).fetchone()[0]
    return Track(id=track_id, person=person, at=at, local_date=day, direction=direction.value, source=source,
                 terminal=terminal, actor=actor, note=note, minutes_late=minutes_late)
