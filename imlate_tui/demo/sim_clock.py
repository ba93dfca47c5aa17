"""A simulator's clock: real time, or frozen at an instant and moved by hand from tests."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo


class SimClock:
    def __init__(self, zone: ZoneInfo, fixed: datetime | None = None) -> None:
        self.zone = zone
        self._lock = threading.Lock()
        self._fixed = fixed
        self._offset = timedelta(0)

    def now(self) -> datetime:
        """The simulator's instant (aware, UTC)."""
        with self._lock:
            if self._fixed is not None:
                return self._fixed.astimezone(timezone.utc)
            return datetime.now(timezone.utc) + self._offset

    def today(self) -> date:
        return self.now().astimezone(self.zone).date()

    def set_now(self, when: datetime | None) -> None:
        """Freeze at ``when`` (aware; naive = school time), or None to follow real time."""
        with self._lock:
            if when is not None and when.tzinfo is None:
                when = when.replace(tzinfo=self.zone)
            self._fixed, self._offset = when, timedelta(0)

    def advance(self, seconds: float) -> None:
        with self._lock:
            if self._fixed is not None:
                self._fixed += timedelta(seconds=seconds)
            else:
                self._offset += timedelta(seconds=seconds)
