"""Database failures a person can act on, said in one line instead of a driver's words.

SQLite reports a full disk as "database or disk is full" on some writes and "disk I/O error" on others
(a write to the -wal that comes up short); after either, SQLite has already rolled the transaction
back, so peewee's own rollback then fails with "cannot rollback - no transaction is active", which
hides the cause. `describe()` looks through the whole chain of exceptions for the first one it
recognises.
"""

from __future__ import annotations

import errno

from imlate_tui.db import connection

DISK = ("the disk holding the database is full or failing ({}): this change was not saved; "
        "free some space (`df -h`), check the disk (`dmesg`), then try again")
BUSY = ("the database is busy: another process kept it locked for over {} s; "
        "try again (`imlate doctor` shows who runs what)")


def _chain(exc: BaseException):
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def describe(exc: BaseException) -> str | None:
    """One line for a database failure we recognise, else None."""
    for link in _chain(exc):
        text = str(link).lower()
        if isinstance(link, OSError) and link.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG):
            return DISK.format(link.strerror or text)
        if "database or disk is full" in text or "disk i/o error" in text:
            return DISK.format(text)
        if "database is locked" in text or "database is busy" in text:
            return BUSY.format(connection.BUSY_TIMEOUT_SECONDS)
        if "could not extend file" in text or "no space left on device" in text:   # PostgreSQL's words
            return DISK.format(text.splitlines()[0])
    for link in _chain(exc):
        if "cannot rollback - no transaction is active" in str(link):
            # SQLite rolled back by itself: after a full disk or an I/O error (see the module docstring).
            return DISK.format("SQLite abandoned the transaction")
    return None
