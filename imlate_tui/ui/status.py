"""What the idle screen's status line says about things outside the kiosk (iSAMS, writebacks).

The provider is polled on the UI thread every few seconds, never on the scan path, so it must answer
from cached values at once (the scheduler keeps them fresh). The scanner's part comes from the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal


@dataclass(frozen=True)
class KioskStatus:
    isams: Literal["off", "checking", "reachable", "unreachable"] = "off"
    """How the MIS answers (iSAMS or Wonde, named by `mis`)."""
    pending_writebacks: int | None = None
    """Attendance marks not yet delivered to iSAMS; None when there is nothing to report."""
    waiting_scans: int | None = None
    """Scans in this kiosk's journal waiting for the central database; None without one."""
    mis: str = "iSAMS"
    """What the status line calls the MIS road."""


StatusProvider = Callable[[], KioskStatus]


def no_integration() -> KioskStatus:
    """The default provider: iSAMS off, no writeback count."""
    return KioskStatus()


def describe(scanner: str, status: KioskStatus) -> str:
    """One status line, ASCII separators only (the Linux console font has few glyphs)."""
    parts = [scanner, f"{status.mis}: {status.isams}"]
    if status.pending_writebacks is not None:
        n = status.pending_writebacks
        parts.append(f"{n} writeback{'s' if n != 1 else ''} pending")
    if status.waiting_scans:
        n = status.waiting_scans
        parts.append(f"database away: {n} scan{'s' if n != 1 else ''} waiting")
    return "  |  ".join(parts)
