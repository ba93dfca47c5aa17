"""Opening the database named by `database.url`, and the one way to write to it.

Models bind to `database`, a proxy initialised at start-up, so tests and each process pick their own
file. SQLite runs in WAL mode with a busy time-out; every write goes through `write_transaction()`,
which on SQLite is `BEGIN IMMEDIATE`: a deferred transaction that reads and then writes fails at once
with "database is locked" when another process committed in between (kiosk + scheduler + admin).

Readers do not need write access. A process that only reads (`firelist`, `roster`, reports, a
read-only admin) opens with `allow_read_only=True`: a SQLite file this user cannot write (or one in a
folder it cannot write, e.g. a disk remounted read-only) is then opened read-only, and only a write
(`write_transaction()`) is refused, with one line saying why. See `_open_sqlite_read_only` for how
the write-ahead log is still honoured.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import quote, unquote, urlparse

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
_sqlite_writes = threading.RLock()
"""One SQLite write transaction at a time within this process. SQLite allows one writer anyway; but a
thread that finds the write lock taken waits in SQLite's busy handler, which sleeps 1, 2, 5, 10, 15,
20, 25 ms... between tries, so a kiosk scan arriving while the writer thread committed a mark waited
8-35 ms for a lock freed after 2-3. This lock hands over the moment it is released. Other processes
(scheduler, admin app) still meet in SQLite's busy handler."""


def sqlite_path(url: str, base_dir: Path) -> Path:
    """`sqlite:///rel.db` is relative to base_dir; `sqlite:////abs.db` is absolute."""
    path = Path(url.removeprefix("sqlite:///"))
    return path if path.is_absolute() else base_dir / path


def open_database(url: str, base_dir: Path, *, allow_read_only: bool = False) -> Database:
    """Create the connection object, check it can be opened, and bind the models to it.

    `allow_read_only`: the caller can do its work by reading alone, so a SQLite database this user
    cannot write is opened read-only instead of refused (writes then fail with `read_only_reason`)."""
    global _read_only_reason, _snapshot
    _read_only_reason, _snapshot = None, False
    if url.startswith("sqlite:///"):
        db = _open_sqlite(sqlite_path(url, base_dir), allow_read_only)
    else:
        db = _open_postgres(url)
    database.initialize(db)
    return db


_read_only_reason: str | None = None
_snapshot = False


def is_snapshot() -> bool:
    """True when the database was opened read-only as it was at that moment (see `_open_sqlite_read_only`)."""
    return _snapshot


def read_only_reason() -> str | None:
    """Why the open database cannot be written by this process, or None when it can."""
    return _read_only_reason


def _open_sqlite(path: Path, allow_read_only: bool = False) -> SqliteDatabase:
    global _read_only_reason
    if path.parent.exists() and not path.parent.is_dir():
        raise DatabaseUnavailable(f"cannot use {path}: {path.parent} is a file, not a folder")
    if not path.parent.is_dir():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseUnavailable(f"cannot create the database folder {path.parent}: {exc.strerror}") from None
    problem = None
    if path.exists() and not os.access(path, os.W_OK):
        problem = f"the database {path} is read-only for this user; fix its owner or permissions"
    elif not os.access(path.parent, os.W_OK):
        problem = f"the database folder {path.parent} is not writable (SQLite needs it for the -wal and -shm files)"
    if problem is not None:
        if not (allow_read_only and path.exists()):
            raise DatabaseUnavailable(problem)
        _read_only_reason = problem
        return _open_sqlite_read_only(path)
    db = SqliteDatabase(str(path), pragmas=SQLITE_PRAGMAS, timeout=BUSY_TIMEOUT_SECONDS)
    try:
        db.connect(reuse_if_open=True)
    except OperationalError as exc:
        raise DatabaseUnavailable(f"cannot open the database {path}: {exc}") from None
    return db


def _open_sqlite_read_only(path: Path) -> SqliteDatabase:
    """Open for reading only, without ever missing committed scans or harming the writer.

    While a writer has the database open (or after one crashed) the -wal and -shm files exist and
    hold its latest commits: SQLite (3.22+) reads them through `mode=ro` even when this user cannot
    write them, and sees later commits as they come. With no -wal file there is nothing outside the
    main file; `mode=ro` would then create -wal and -shm owned by this user, which the kiosk's user
    could not write afterwards (tried: its next scan fails "attempt to write a readonly database").
    So the file is opened `immutable` instead (no locks, no -wal): a snapshot, exact when opened
    because no writer had it open, that does not follow writes made after it (`is_snapshot()`)."""
    global _snapshot
    wal = path.with_name(path.name + "-wal")
    quoted = quote(str(path))
    _snapshot = not wal.exists()
    uri = f"file:{quoted}?immutable=1" if _snapshot else f"file:{quoted}?mode=ro"
    pragmas = {k: v for k, v in SQLITE_PRAGMAS.items() if k != "journal_mode"}  # cannot change; WAL already
    db = SqliteDatabase(uri, uri=True, pragmas=pragmas, timeout=BUSY_TIMEOUT_SECONDS)
    try:
        db.connect(reuse_if_open=True)
        db.execute_sql("SELECT count(*) FROM sqlite_master")   # a file SQLite cannot read fails here
    except OperationalError as exc:
        raise DatabaseUnavailable(f"cannot read the database {path}: {exc}") from None
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
    if _read_only_reason is not None:
        raise DatabaseUnavailable(_read_only_reason)
    if is_sqlite():
        with _sqlite_writes, database.atomic("IMMEDIATE"):
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
