"""Registers and lateness (spec §4), pure: which register is the main one, which session an instant is in,
and how many minutes late a sign-in is.

A sign-in is late when it is after the reference point of its session's register (by default the
register's `start`; `attendance.late_reference` may name `time`, `finish` or a fixed "HH:MM"):
minutes = ceil(sign-in − reference), at least 1. The session is AM before the PM register's start and
PM from then on; a school with no PM register falls back to `erp.pm_starts_at`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Period:
    id: int
    friendly_name: str | None
    registration_type: str | None
    start: datetime
    time: datetime
    finish: datetime

    def is_a(self, kind: str) -> bool:
        """Matched by registrationType; friendlyName only when the type is empty."""
        if self.registration_type:
            return self.registration_type.strip().upper() == kind.upper()
        return (self.friendly_name or "").strip().upper() == kind.upper()

    @property
    def label(self) -> str:
        return self.friendly_name or self.registration_type or f"period {self.id}"


@dataclass(frozen=True)
class Day:
    """One student's registration periods on one school day."""

    periods: tuple[Period, ...]
    am_type: str
    pm_type: str

    def register(self, kind: str) -> Period | None:
        matches = sorted((p for p in self.periods if p.is_a(kind)), key=lambda p: (p.start, p.id))
        return matches[0] if matches else None

    @property
    def am(self) -> Period | None:
        return self.register(self.am_type)

    @property
    def pm(self) -> Period | None:
        return self.register(self.pm_type)

    @property
    def lessons(self) -> list[Period]:
        return sorted((p for p in self.periods if not p.is_a(self.am_type) and not p.is_a(self.pm_type)),
                      key=lambda p: (p.start, p.id))


def local_instant(at: datetime, hhmm: time, tz: ZoneInfo) -> datetime:
    """The instant of a wall-clock time on the school-local day of `at`."""
    day = at.astimezone(tz).date()
    return datetime.combine(day, hhmm, tzinfo=tz)


def session_of(at: datetime, day: Day, pm_starts_at: time, tz: ZoneInfo) -> str:
    pm = day.pm
    boundary = pm.start if pm is not None else local_instant(at, pm_starts_at, tz)
    return "AM" if at < boundary else "PM"


def reference(period: Period, late_reference: str, tz: ZoneInfo) -> datetime:
    if late_reference in ("start", "time", "finish"):
        return getattr(period, late_reference)
    hours, minutes = late_reference.split(":")
    return local_instant(period.start, time(int(hours), int(minutes)), tz)


def minutes_after(at: datetime, point: datetime) -> int | None:
    """Whole minutes, rounded up, that `at` is after `point`; None when not after it."""
    seconds = (at - point).total_seconds()
    return max(1, math.ceil(seconds / 60)) if seconds > 0 else None


def minutes_late(at: datetime, day: Day, *, late_reference: str, pm_starts_at: time, tz: ZoneInfo) -> int | None:
    """Minutes late for a sign-in at `at` against its session's register; None when on time or unknown."""
    register = day.am if session_of(at, day, pm_starts_at, tz) == "AM" else day.pm
    if register is None:
        return None
    return minutes_after(at, reference(register, late_reference, tz))
