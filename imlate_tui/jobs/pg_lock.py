"""The scheduler lock across hosts: a PostgreSQL session-level advisory lock on its own connection.

The lock lives as long as that connection: a holder that exits, crashes or loses the network (TCP
keep-alives close the session within about a minute) lets another kiosk or scheduler take over.
The holder names itself in `application_name`, so others can say who holds it.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime

import psycopg2

LOCK_KEY = 7314001   # "imlate scheduler": any constant the other users of the database do not use


class AdvisoryLock:
    def __init__(self, url: str) -> None:
        self.url = url
        self._conn = None

    def _connect(self):
        conn = psycopg2.connect(self.url, keepalives=1, keepalives_idle=30, keepalives_interval=10,
                                keepalives_count=3, connect_timeout=10)
        conn.autocommit = True
        return conn

    def try_acquire(self, now: datetime) -> bool:
        if self._conn is not None:
            return True
        conn = self._connect()
        with conn.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,))
            if not cur.fetchone()[0]:
                conn.close()
                return False
            name = f"imlate scheduler pid {os.getpid()} on {socket.gethostname()} since {now:%Y-%m-%d %H:%M %Z}"
            cur.execute("SELECT set_config('application_name', %s, false)", (name[:63],))
        self._conn = conn
        return True

    def release(self) -> None:
        if self._conn is not None:
            try:
                with self._conn.cursor() as cur:
                    cur.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
            finally:
                self._conn.close()
                self._conn = None

    @property
    def held(self) -> bool:
        return self._conn is not None

    def beat(self) -> None:
        """A query on the lock's own connection: its `query_start` in pg_stat_activity is the heartbeat."""
        if self._conn is not None:
            with self._conn.cursor() as cur:
                cur.execute("SELECT 1")

    def _holder_row(self, columns: str) -> tuple | None:
        """`columns` of the holder's session in pg_stat_activity (`a`), or None when nobody holds it."""
        conn = self._connect()
        try:
            with conn.cursor() as cur:
                cur.execute(f"SELECT {columns} FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                            "JOIN pg_database d ON d.oid = l.database AND d.datname = current_database() "
                            "WHERE l.locktype = 'advisory' AND l.objid = %s AND l.granted", (LOCK_KEY,))
                return cur.fetchone()
        finally:
            conn.close()

    def last_beat(self) -> datetime | None:
        row = self._holder_row("a.query_start")
        return row[0] if row else None

    def holder(self) -> str | None:
        row = self._holder_row("a.application_name, a.client_addr")
        if row is None:
            return None
        return f"{row[0] or 'another process'}" + (f" from {row[1]}" if row[1] else "")
