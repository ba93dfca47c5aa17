"""One scheduler at a time across processes.

SQLite (one machine): an exclusive `flock` on `<database>.scheduler.lock`; the kernel drops it when the
holder exits or is killed, so a waiting process can take over. The file also says who holds it.
PostgreSQL (several machines) uses an advisory lock on its own connection (see `pg_lock.py`).

Holding the lock is not the same as running the schedule (a scheduler thread can die and leave the
lock held), so the running scheduler also beats a heartbeat every minute (`beat`) and `imlate doctor`
reads `last_beat`: the lock file's modification time here, the lock connection's last query there.
"""

from __future__ import annotations

import fcntl
import os
import socket
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from imlate_tui.db.connection import sqlite_path

if TYPE_CHECKING:
    from imlate_tui.config import Settings


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self, now: datetime) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o660)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} on {socket.gethostname()} since {now:%Y-%m-%d %H:%M:%S %Z}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def beat(self) -> None:
        """The running scheduler says it is alive: the lock file's modification time."""
        if self._fd is not None:
            os.utime(self._fd)

    def last_beat(self) -> datetime | None:
        """When the holder last said it was alive (see `SchedulerService`), or None without a file."""
        try:
            return datetime.fromtimestamp(self.path.stat().st_mtime, timezone.utc)
        except FileNotFoundError:
            return None

    def holder(self) -> str | None:
        """Who holds the lock, as the holder wrote it; None when nobody does."""
        if self._fd is not None:
            return self.path.read_text().strip()
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return self.path.read_text().strip() or "another process"
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)


def scheduler_lock(settings: Settings):
    url = settings.database.url
    if url.startswith("sqlite:///"):
        db_path = sqlite_path(url, settings.base_dir)
        return FileLock(db_path.with_name(db_path.name + ".scheduler.lock"))
    from imlate_tui.jobs.pg_lock import AdvisoryLock

    return AdvisoryLock(url)
