"""How long the kiosk's PIN prompt stays locked after wrong PINs. Pure; no I/O.

A person mistyping gets a few free tries; after that every wrong PIN locks the prompt, each time for
twice as long (30 s, 1 min, 2 min ... at most 30 min), so guessing 4 digits at the kiosk takes weeks.
The right PIN clears the count.
"""

from __future__ import annotations

from datetime import datetime, timedelta

FREE_TRIES = 3
FIRST_LOCK_SECONDS = 30
LONGEST_LOCK_SECONDS = 30 * 60


def lock_seconds(failures: int) -> int:
    """The lock after the `failures`-th wrong PIN in a row: 0 for the free tries, then doubling."""
    if failures < FREE_TRIES:
        return 0
    return min(LONGEST_LOCK_SECONDS, FIRST_LOCK_SECONDS * 2 ** (failures - FREE_TRIES))


def locked_until(failures: int, now: datetime) -> datetime | None:
    seconds = lock_seconds(failures)
    return now + timedelta(seconds=seconds) if seconds else None


def seconds_left(until: datetime | None, now: datetime) -> int:
    """Whole seconds (rounded up) until the lock ends; 0 when not locked."""
    if until is None or until <= now:
        return 0
    return int(-(-(until - now).total_seconds() // 1))


def tries_before_lock(failures: int) -> int:
    return max(0, FREE_TRIES - failures)
