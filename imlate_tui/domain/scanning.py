"""The core sign-in / sign-out rule (spec §2–§3), with time passed in.

Direction alternates within the school-local day: with no track today the next one is IN, after an
IN it is OUT and after an OUT it is IN. Because manual entries may only make the move the person's
state allows, the tracks of a day always alternate, so this equals "1st, 3rd, 5th… is a sign-in".
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from imlate_tui.errors import InvalidInput


class Direction(StrEnum):
    IN = "in"
    OUT = "out"

    @property
    def opposite(self) -> "Direction":
        return Direction.OUT if self is Direction.IN else Direction.IN


class Status(StrEnum):
    SIGNED_IN = "signed_in"
    SIGNED_OUT = "signed_out"
    NOT_SIGNED = "not_signed"


@dataclass(frozen=True)
class LastTrack:
    """The person's latest track of the school-local day, as the rule needs it."""

    direction: Direction
    at: datetime


@dataclass(frozen=True)
class ScanDecision:
    direction: Direction
    """The direction recorded, or for a repeat the person's current one."""
    repeat: bool
    """Inside the repeat window: record nothing, show the current state again."""


class MoveRefused(InvalidInput):
    """A manual entry asked for a move the person's state does not allow."""


def school_date(instant: datetime, tz: ZoneInfo) -> date:
    """The school-local day an instant belongs to. `instant` must be aware."""
    if instant.tzinfo is None:
        raise ValueError("school_date needs an aware datetime")
    return instant.astimezone(tz).date()


def status_of(last: LastTrack | None) -> Status:
    if last is None:
        return Status.NOT_SIGNED
    return Status.SIGNED_IN if last.direction is Direction.IN else Status.SIGNED_OUT


def decide_scan(last: LastTrack | None, now: datetime, repeat_window_seconds: int) -> ScanDecision:
    """What a card scan does. The window is half-open: a scan exactly `repeat_window_seconds` after
    the last track records a new one. Only tracks of the same school day count (the caller passes
    today's last track), so the first scan after midnight is always a sign-in."""
    if last is None:
        return ScanDecision(Direction.IN, repeat=False)
    elapsed = (now - last.at).total_seconds()
    # A clock stepped backwards (elapsed < 0) also counts as a repeat: recording a track "before"
    # the previous one would break the day's order.
    if repeat_window_seconds > 0 and elapsed < repeat_window_seconds:
        return ScanDecision(last.direction, repeat=True)
    return ScanDecision(last.direction.opposite, repeat=False)


def check_manual_move(last: LastTrack | None, wanted: Direction, name: str) -> None:
    """Refuse a manual sign-out of someone not signed in, or a sign-in of someone already in."""
    current = status_of(last)
    if wanted is Direction.IN and current is Status.SIGNED_IN:
        raise MoveRefused(f"{name} is already signed in")
    if wanted is Direction.OUT and current is not Status.SIGNED_IN:
        state = "has not signed in today" if current is Status.NOT_SIGNED else "is already signed out"
        raise MoveRefused(f"cannot sign out {name}: they {state}")


def normalise_code(raw: str, max_length: int = 64) -> str:
    """Trim and upper-case a scanned code; refuse empty, over-long and control-character input."""
    code = raw.strip()
    if not code:
        raise InvalidInput("empty scan: no card code was read")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp") for ch in code):
        raise InvalidInput("the scan contained control characters; check the scanner's settings")
    if len(code) > max_length:
        raise InvalidInput(f"the scan is longer than {max_length} characters; not a card code")
    return code.upper()
