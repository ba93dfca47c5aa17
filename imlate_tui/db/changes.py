"""A cheap "did anything change?" marker, so a screen re-reads the database only after someone wrote.

The SSH admin app asks this about once a second and reloads only when the answer changes.

- SQLite: `PRAGMA data_version` on this thread's own connection. SQLite bumps it whenever *another*
  connection commits, and reading it touches no table. Our own commits do not change it, so a caller
  that writes on the same connection reloads after its own writes itself.
- PostgreSQL has no such counter that is both live and per database (`pg_stat_database` is flushed
  up to seconds late; `pg_current_snapshot()` also moves with every other database on the server).
  So we ask one query made of index lookups whose answer moves with every change the admin
  screens show: the newest id of track, person, audit entry, register write and job run (inserts);
  the size, attempts and failures of the writeback queue (an intent sent, failed or retried, found
  through the `(status, next_attempt_at)` index); and which of the 20 newest job runs are still
  running (a job finishing is an update, not an insert). Updates that leave all of these alone and
  are not in the audit log (a student sync renaming someone) show with the next change that does.

The PostgreSQL query is portable SQL; `ChangeWatch(query=True)` uses it on SQLite too, for tests.
"""

from __future__ import annotations

from typing import Hashable

from imlate_tui.db.connection import database, is_sqlite

MARKER_SQL = """
SELECT
  (SELECT MAX(id) FROM track),
  (SELECT MAX(id) FROM person),
  (SELECT MAX(id) FROM audit_entry),
  (SELECT MAX(id) FROM attendance_write),
  (SELECT MAX(id) FROM job_run),
  (SELECT COUNT(*) FROM attendance_intent WHERE status IN ('pending', 'failed')),
  (SELECT SUM(attempts) FROM attendance_intent WHERE status IN ('pending', 'failed')),
  (SELECT COUNT(*) FROM attendance_intent WHERE status = 'failed'),
  (SELECT SUM(id) FROM (SELECT id FROM job_run WHERE finished_at IS NULL
                        AND id > (SELECT COALESCE(MAX(id), 0) - 20 FROM job_run)) AS running)
"""


def data_version() -> int:
    """SQLite's per-connection change counter (this thread's connection)."""
    return int(database.execute_sql("PRAGMA data_version").fetchone()[0])


def marker_row() -> tuple:
    """The portable marker: one round trip of index lookups (see the module docstring)."""
    return tuple(database.execute_sql(MARKER_SQL).fetchone())


class ChangeWatch:
    """`changed()` is True when someone changed the database since the previous call.

    The first call only takes the baseline and answers False. Call it from one thread: on SQLite the
    answer is about that thread's connection.
    """

    def __init__(self, *, query: bool | None = None) -> None:
        self.use_query = (not is_sqlite()) if query is None else query
        self._seen: Hashable | None = None

    def read(self) -> Hashable:
        return marker_row() if self.use_query else data_version()

    def changed(self) -> bool:
        current = self.read()
        previous, self._seen = self._seen, current
        return previous is not None and current != previous
