"""Messages the kiosk posts to itself. The scanner thread and the write queue only ever post these
(thread-safe); widgets are touched on the UI thread alone."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from imlate_tui.scanner import ScannerStatus
from imlate_tui.scanner import ScanResult as ScannerInput
from imlate_tui.services.scanning import ScanResult


@dataclass
class ScanArrived(Message):
    """A complete scan (or a rejected one) from the evdev reader thread."""

    scan: ScannerInput
    source: str
    arrived: float
    """`time.perf_counter()` when the scan reached the app: the start of the latency we promise."""


@dataclass
class ScanProcessed(Message):
    """The write queue finished a scan or a manual sign-in/out: a result, or a sentence for the screen."""

    result: ScanResult | None
    problem: str | None
    arrived: float
    manual: bool = False


@dataclass
class ReceptionDone(Message):
    """A receptionist action (assign card, store reason) finished; `ok` False means `text` is the error."""

    text: str
    ok: bool


@dataclass
class ScannerStatusChanged(Message):
    status: ScannerStatus
