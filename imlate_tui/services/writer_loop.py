"""The kiosk's writer thread: the attendance writer run in the background, woken by each scan.

It keeps one `Writer` — and so one MIS connection and one token until it expires — for its whole life,
and what the kiosk's status line needs (the MIS reachable or not, how many marks are waiting).
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Callable

from imlate_tui.clock import Clock, utc_now
from imlate_tui.db import attendance
from imlate_tui.erp.mis import Mis, MisError
from imlate_tui.services.writeback import Writer

if TYPE_CHECKING:
    from imlate_tui.config import Settings

log = logging.getLogger(__name__)


class WriterLoop:
    """Delivers the outbox in a background thread: at once when woken (after each scan), else every
    `interval` seconds. Keeps what the kiosk's status line needs: the MIS reachable or not, and how many
    marks are waiting. Never touches the scan path: `wake()` only sets an event. One MIS connection for
    the life of the loop (the writer's)."""

    def __init__(self, settings: Settings, client_factory: Callable[[], Mis], clock: Clock = utc_now,
                 interval: float = 60.0) -> None:
        self.writer = Writer(settings, client_factory, clock)
        self.interval = interval
        self.isams = "unknown"
        self.pending: int | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self, *_: object) -> None:
        self._wake.set()

    def start(self) -> Callable[[], None]:
        self._thread = threading.Thread(target=self._run, name="imlate-writer", daemon=True)
        self._thread.start()
        return self.stop

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._thread is None or not self._thread.is_alive():
            self.writer.close()   # the writer's one MIS connection ends with the loop

    def _run(self) -> None:
        from imlate_tui.db.connection import database

        while not self._stop.is_set():
            if self.writer.before_each is not None and not self._stop.is_set():
                self.writer.before_each()   # woken by a scan: let its result reach the screen first
            try:
                with database.connection_context():
                    self.cycle()
            except Exception:  # the loop must outlive any one bad cycle; the log has the trace
                log.exception("writer cycle failed")
            self._wake.wait(self.interval)
            self._wake.clear()

    def cycle(self) -> None:
        result = self.writer.deliver_due()
        if result.error:
            self.isams = "unreachable"
        elif result.sent or result.skipped or result.failed:
            self.isams = "reachable"
        elif self.isams != "reachable":
            self.isams = "reachable" if self._probe() else "unreachable"
        counts = attendance.counts_by_status()
        self.pending = counts.get("pending", 0) + counts.get("queued", 0)   # queued: not yet applied by the MIS

    def _probe(self) -> bool:
        try:
            self.writer.mis().year_groups()
            return True
        except MisError as exc:
            log.info("MIS not reachable: %s", exc)
            return False
