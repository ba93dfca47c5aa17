"""One thread that does the kiosk's database writes, strictly in arrival order.

The UI thread only enqueues; the job posts its outcome back as a message. So a write waiting on the
SQLite busy timeout (up to 10 s while another process holds the lock) never freezes the screen, and
scans are still recorded in the order they were made. Peewee keeps one connection per thread; this
thread opens its own on first use and closes it when stopped.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Callable

from imlate_tui.db.connection import database

log = logging.getLogger(__name__)

Job = Callable[[], None]
_STOP = object()


class WriteQueue:
    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        # Daemon: a write stuck on a lock can never keep the kiosk from exiting (SQLite rolls it back).
        self._thread = threading.Thread(target=self._run, name="imlate-writes", daemon=True)
        self._thread.start()

    def submit(self, job: Job) -> None:
        self._jobs.put(job)

    def stop(self, timeout: float = 0.5) -> bool:
        """Finish the jobs already queued (within `timeout`), then end; True when the thread ended."""
        if self._thread is None:
            return True
        self._jobs.put(_STOP)
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        try:
            while (job := self._jobs.get()) is not _STOP:
                try:
                    job()  # type: ignore[operator]
                except Exception:  # the job reports its own errors; this is the last line of defence
                    log.exception("kiosk write failed")
        finally:
            if database.obj is not None and not database.is_closed():
                database.close()
