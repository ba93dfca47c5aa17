"""Opening the database named by `database.url`, and the one way to write to it.

Models bind to `database`, a proxy initialised at start-up, so tests and each process pick their own
file. SQLite runs in WAL mode with a busy time-out; every write goes through `write_transaction()`,
which on SQLite is `BEGIN IMMEDIATE`: a deferred transaction that reads and then writes fails at once
with "database is locked" when another process committed in between (kiosk + scheduler + admin).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote, urlparse

from peewee import Database, DatabaseProxy, InterfaceError, OperationalError, PostgresqlDatabase, SqliteDatabase

from imlate_tui.errors import DatabaseUnavailable

database = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    # FULL: every commit fsyncs the WAL before it returns, so a scan shown on screen survives a power
    # cut. NORMAL only survives a killed process (it fsyncs at checkpoints); tests/test_power_cut.py
    # shows the difference and bench/bench_scan.py measures what it costs.
    "synchronous": "full",
    "foreign_keys": 1,
    "cache_size": -16000,
    "temp_store": "memory",
}
"""The product's SQLite settings, applied in this order on every connection (the benchmarks' floors
use this same dict, so they pay for the same durability)."""
BUSY_TIMEOUT_SECONDS = 10


def sqlite_path(url: str, base_dir: Path) -> Path:
    """`sqlite:///rel.db` is relative to base_dir; `sqlite:////abs.db` is absolute."""
    path = Path(url.removeprefix("sqlite:///"))
    return path if path.is_absolute() else base_dir / path


def open_database(url: str, base_dir: Path) -> Database:
    """Create the connection object, check it can be opened, and bind the models to it."""
    if url.startswith("sqlite:///"):
        db = _open_sqlite(sqlite_path(url, base_dir))
    else:
        db = _open_postgres(url)
    database.initialize(db)
    return db


def _open_sqlite(path: Path) -> SqliteDatabase:
    if path.parent.exists() and not path.parent.is_dir():
        raise DatabaseUnavailable(f"cannot use {path}: {path.parent} is a file, not a folder")
    if not path.parent.is_dir():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseUnavailable(f"cannot create the database folder {path.parent}: {exc.strerror}") from None
    if path.exists() and not os.access(path, os.W_OK):
        raise DatabaseUnavailable(f"the database {path} is read-only for this user; fix its owner or permissions")
    if not os.access(path.parent, os.W_OK):
        raise DatabaseUnavailable(
            f"the database folder {path.parent} is not writable (SQLite needs it for the -wal and -shm files)")
    db = SqliteDatabase(str(path), pragmas=SQLITE_PRAGMAS, timeout=BUSY_TIMEOUT_SECONDS)
    try:
        db.connect(reuse_if_open=True)
    except OperationalError as exc:
        raise DatabaseUnavailable(f"cannot open the database {path}: {exc}") from None
    return db


def _open_postgres(url: str) -> PostgresqlDatabase:
    parts = urlparse(url)
    db = PostgresqlDatabase(
        parts.path.lstrip("/"), user=unquote(parts.username or "") or None,
        password=unquote(parts.password or "") or None, host=parts.hostname, port=parts.port,
    )
    try:
        db.connect(reuse_if_open=True)
    except Exception as exc:  # psycopg raises its own types; the message is what a person needs
        raise DatabaseUnavailable(f"cannot connect to PostgreSQL at {parts.hostname}: {exc}".strip()) from None
    return db


def is_sqlite() -> bool:
    return isinstance(database.obj, SqliteDatabase)


@contextmanager
def write_transaction() -> Iterator[None]:
    """One write transaction that takes the write lock up front. On PostgreSQL, a connection the server
    dropped (a restart, a network cut) is forgotten, so the next transaction connects afresh, and the
    failure is raised as DatabaseUnavailable (the kiosk then keeps the scan in its local journal)."""
    if is_sqlite():
        with database.atomic("IMMEDIATE"):
            yield
        return
    try:
        with database.atomic():
            yield
    except (OperationalError, InterfaceError) as exc:
        if not forget_broken_connection():
            raise
        raise DatabaseUnavailable(f"PostgreSQL is not reachable: {str(exc).strip().splitlines()[0]}") from exc


def forget_broken_connection() -> bool:
    """If this thread's PostgreSQL connection is gone (or could not be made), drop it so peewee opens a
    new one on next use; True when it was broken. peewee alone keeps handing out the dead connection."""
    state = database.obj._state
    conn = state.conn
    broken = state.closed or conn is None or getattr(conn, "closed", 0) != 0
    if broken:
        try:
            if conn is not None:
                conn.close()
        except Exception:  # already closed by the driver: nothing to release
            pass
        state.reset()
    return broken


def close_database() -> None:
    if database.obj is not None and not database.is_closed():
        database.close()
