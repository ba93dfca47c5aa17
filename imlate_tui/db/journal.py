"""A kiosk's local scan journal: scans made while its PostgreSQL server was away, in order.

A plain SQLite file of this kiosk's own (`kiosk.journal`), written with the product's PRAGMAs, so a
journaled scan is on disk before it is shown, like any other. Each scan has a key; the server stores the
key with the track (`ForwardedScan`), so forwarding the same scan again records nothing new.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from imlate_tui.db.connection import BUSY_TIMEOUT_SECONDS, SQLITE_PRAGMAS

SCHEMA = """
CREATE TABLE IF NOT EXISTS scan (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    person_id INTEGER NOT NULL,
    at TEXT NOT NULL,
    direction TEXT NOT NULL,
    source TEXT NOT NULL,
    forwarded_at TEXT
);
CREATE INDEX IF NOT EXISTS scan_waiting ON scan (forwarded_at, id);
"""


@dataclass(frozen=True)
class JournaledScan:
    key: str
    person_id: int
    at: datetime
    direction: str
    source: str


def _text(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat()


class Journal:
    """Thread-safe: the kiosk's write thread records, its forwarder thread forwards."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._con = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_SECONDS,
                                    check_same_thread=False)
        for name, value in SQLITE_PRAGMAS.items():
            self._con.execute(f"PRAGMA {name} = {value}")
        self._con.executescript(SCHEMA)
        self._waiting = self._con.execute("SELECT COUNT(*) FROM scan WHERE forwarded_at IS NULL").fetchone()[0]

    def record(self, scan: JournaledScan) -> None:
        with self._lock:
            self._con.execute("INSERT INTO scan (key, person_id, at, direction, source) VALUES (?, ?, ?, ?, ?)",
                              (scan.key, scan.person_id, _text(scan.at), scan.direction, scan.source))
            self._waiting += 1

    def waiting(self) -> int:
        """Scans not yet forwarded to the server (kept in memory: the status line asks often)."""
        return self._waiting

    def next_waiting(self, limit: int = 100) -> list[JournaledScan]:
        with self._lock:
            rows = self._con.execute("SELECT key, person_id, at, direction, source FROM scan "
                                     "WHERE forwarded_at IS NULL ORDER BY id LIMIT ?", (limit,)).fetchall()
        return [JournaledScan(k, p, datetime.fromisoformat(a), d, s) for k, p, a, d, s in rows]

    def mark_forwarded(self, key: str, now: datetime) -> None:
        with self._lock:
            changed = self._con.execute("UPDATE scan SET forwarded_at = ? WHERE key = ? AND forwarded_at IS NULL",
                                        (_text(now), key)).rowcount
            self._waiting -= changed

    def last_on(self, person_id: int, day_start: datetime, day_end: datetime) -> tuple[str, datetime] | None:
        """The person's latest journaled scan in [day_start, day_end)."""
        with self._lock:
            row = self._con.execute("SELECT direction, at FROM scan WHERE person_id = ? AND at >= ? AND at < ? "
                                    "ORDER BY id DESC LIMIT 1",
                                    (person_id, _text(day_start), _text(day_end))).fetchone()
        return (row[0], datetime.fromisoformat(row[1])) if row else None

    def close(self) -> None:
        with self._lock:
            self._con.close()


def waiting_scans(path: Path) -> int | None:
    """How many scans in the journal at `path` wait for the server; None when there is no journal.
    Read-only, for `imlate doctor` and anything outside the kiosk process."""
    if not path.exists():
        return None
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_SECONDS)
    try:
        return con.execute("SELECT COUNT(*) FROM scan WHERE forwarded_at IS NULL").fetchone()[0]
    except sqlite3.DatabaseError:
        return None
    finally:
        con.close()


def day_bounds(day: date, tz) -> tuple[datetime, datetime]:
    from datetime import time, timedelta

    start = datetime.combine(day, time(0, 0), tzinfo=tz)
    return start, datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=tz)
