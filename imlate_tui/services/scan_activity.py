"""When the kiosk is busy with a scan, so the MIS writer can keep out of its way.

The writer thread shares the process (and Python's one interpreter lock) with the screen. A mark
delivered while a result is being drawn (HTTP, JSON, peewee rows: 10-20 ms of Python) slows that
drawing by as much, and its commits hold SQLite's write lock when the next scan wants it. So the kiosk
says when a scan arrives (`started`) and when its result is on screen (`shown`), and the writer, before
each mark, waits for a quiet moment: no scan in flight and `SETTLE_SECONDS` since the last one shown.

It never waits longer than `LONGEST_WAIT_SECONDS` per mark, so a mark still reaches the MIS within
about a second when scans keep coming without a pause; at a real reception (a card every second or
two) the writer works in the gaps and the marks go out a fraction of a second after each scan. A scan
whose result never shows (an error) stops counting as in flight after `STALE_SECONDS`.
"""

from __future__ import annotations

import threading
import time

SETTLE_SECONDS = 0.15
"""After a result is shown: the scan's own frame is drawn and a reason question has opened by then."""
LONGEST_WAIT_SECONDS = 1.0
STALE_SECONDS = 2.0


class ScanActivity:
    def __init__(self, settle: float = SETTLE_SECONDS, longest: float = LONGEST_WAIT_SECONDS) -> None:
        self.settle = settle
        self.longest = longest
        self._changed = threading.Condition()
        self._in_flight: list[float] = []   # monotonic start of each scan not yet shown
        self._last_shown = float("-inf")

    def started(self) -> None:
        with self._changed:
            self._in_flight.append(time.monotonic())

    def shown(self) -> None:
        with self._changed:
            if self._in_flight:
                self._in_flight.pop(0)
            self._last_shown = time.monotonic()
            self._changed.notify_all()

    def wait_quiet(self) -> None:
        """Return once the kiosk is quiet, or after `longest` seconds at most."""
        deadline = time.monotonic() + self.longest
        with self._changed:
            while (left := deadline - time.monotonic()) > 0:
                now = time.monotonic()
                self._in_flight = [t for t in self._in_flight if now - t < STALE_SECONDS]
                if self._in_flight:
                    self._changed.wait(left)
                    continue
                quiet_in = self._last_shown + self.settle - now
                if quiet_in <= 0:
                    return
                self._changed.wait(min(left, quiet_in))
