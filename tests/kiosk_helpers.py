"""Helpers for the kiosk tests: settings with a PIN, people with cards, a fake scanner, waiting for writes.

Imported by the tests/test_kiosk_*.py modules directly (not through conftest).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from PIL import Image

from conftest import make_settings
from imlate_tui.db import migrations
from imlate_tui.db.connection import close_database, open_database
from imlate_tui.config import Settings
from imlate_tui.db.models import Card, Person
from imlate_tui.domain.pin import hash_pin
from imlate_tui.scanner import Scan, ScannerState, ScannerStatus
from imlate_tui.ui.key_burst import BURST_GAP_SECONDS
from imlate_tui.ui.widgets.big_text import BigText

PIN = "2468"
PIN_HASH = hash_pin(PIN)
REASONS_OFF = {"reasons": {"prompt_on_late": False, "prompt_on_leaving": False}}


def kiosk_settings(tmp_path: Path, *, pin: bool = True, result_seconds: float = 30.0, kiosk_extra: dict | None = None,
                   **overrides) -> Settings:
    kiosk = {"school_name": "Hillside School", "terminal_name": "reception", "result_seconds": result_seconds,
             **(kiosk_extra or {})}
    if pin:
        kiosk["admin_pin_hash"] = PIN_HASH
    overrides.setdefault("attendance", REASONS_OFF)
    return make_settings(tmp_path, kiosk=kiosk, **overrides)


def add_person(forename: str, surname: str, *, card: str | None = None, kind: str = "student",
               year: int | None = 9, form: str | None = "9B", photo: str | None = None,
               active: bool = True, now: datetime | None = None) -> Person:
    now = now or datetime(2026, 11, 1, tzinfo=timezone.utc)
    person = Person.create(kind=kind, forename=forename, surname=surname, year_group=year if kind == "student" else None,
                           form_group=form if kind == "student" else None, photo_path=photo, active=active,
                           created_at=now, updated_at=now)
    if card:
        Card.create(code=card, person=person, created_at=now)
    return person


def write_photo(path: Path) -> Path:
    """A small deterministic JPEG: a face-ish gradient, so a snapshot shows real colours."""
    path.parent.mkdir(parents=True, exist_ok=True)
    img = Image.new("RGB", (64, 64))
    img.putdata([(40 + x * 3, 90 + y * 2, 200 - x - y) for y in range(64) for x in range(64)])
    img.save(path, "JPEG", quality=90)
    return path


async def settle(pilot, rounds: int = 300) -> None:
    """Wait until every queued scan has been recorded and drawn (no sleeping longer than needed)."""
    app = pilot.app
    for _ in range(rounds):
        await pilot.pause(0.01)
        if app.pending_scans == 0:
            break
    await pilot.pause()


def text_of(app, selector: str) -> str:
    """What a widget of the main screen says (the words behind block letters, not the blocks)."""
    widget = app.main.query_one(selector)
    return widget.text if isinstance(widget, BigText) else str(widget.render())


async def type_slowly(pilot, *keys: str) -> None:
    """Keys at a person's pace: slower than a card reader, so an open dialog takes them as key presses."""
    for key in keys:
        await pilot.press(key)
        await pilot.pause(BURST_GAP_SECONDS * 2.5)
    await pilot.pause(BURST_GAP_SECONDS * 2.5)


async def reader_types(pilot, code: str) -> None:
    """Keys the way a keyboard-wedge reader sends them: 2 ms apart, then Enter. A reader starts well
    after a person's last key, so first wait until an open dialog has that key (it holds each key
    for one burst gap); a key still held would otherwise be taken as the first character of the card."""
    from conftest import KeyPace

    app = pilot.app
    await wait_for(pilot, lambda: not app.burst.holding)
    app.key_clock = KeyPace(0.002)
    await pilot.press(*code, "enter")
    app.key_clock = KeyPace(0.5)


class FakeScanner:
    """Stands in for the evdev reader: a real thread that runs until stopped, and `emit()` from that thread."""

    def __init__(self) -> None:
        self.on_scan = None
        self.on_status = None
        self.stopped = threading.Event()
        self._wake = threading.Event()
        self._queue: list[str] = []
        self._lock = threading.Lock()
        self.thread: threading.Thread | None = None

    def factory(self, on_scan, on_status) -> "FakeScanner":
        self.on_scan, self.on_status = on_scan, on_status
        return self

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name="fake-scanner")
        self.thread.start()

    def stop(self, timeout: float = 1.0) -> bool:
        self.stopped.set()
        self._wake.set()
        assert self.thread is not None
        self.thread.join(timeout)
        return not self.thread.is_alive()

    def emit(self, *codes: str) -> None:
        with self._lock:
            self._queue.extend(codes)
        self._wake.set()

    def _run(self) -> None:
        self.on_status(ScannerStatus(ScannerState.CONNECTED, "scanner connected: Fake Scanner", "/dev/fake"))
        while not self.stopped.is_set():
            self._wake.wait(0.1)
            self._wake.clear()
            with self._lock:
                codes, self._queue = self._queue, []
            for code in codes:
                self.on_scan(Scan(code))


@contextmanager
def opened(settings: Settings):
    """The settings' database opened and migrated, for tests that need other settings than `db`."""
    open_database(settings.database.url, settings.base_dir)
    migrations.migrate()
    try:
        yield settings
    finally:
        close_database()


async def wait_for(pilot, condition, rounds: int = 1500, what: str = "condition") -> None:
    """Wait (up to ~15 s, in small steps) until `condition()` holds: worker threads, CUPS and timers.
    Fail the test otherwise, naming `what` was awaited."""
    for _ in range(rounds):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"{what} not reached")


class LinuxConsoleColours:
    """A Textual line filter for snapshots: every colour as the Linux console shows it with
    `TEXTUAL_COLOR_SYSTEM=standard` (Rich's 16-colour downgrade, the VGA palette, and no bright
    backgrounds), so an SVG shows the real contrast rather than the true-colour theme."""

    VGA = [(0, 0, 0), (170, 0, 0), (0, 170, 0), (170, 85, 0), (0, 0, 170), (170, 0, 170), (0, 170, 170),
           (170, 170, 170), (85, 85, 85), (255, 85, 85), (85, 255, 85), (255, 255, 85), (85, 85, 255),
           (255, 85, 255), (85, 255, 255), (255, 255, 255)]
    enabled = True

    def _colour(self, colour, background: bool):
        from rich.color import Color, ColorSystem

        if colour is None or colour.is_default:
            return colour
        number = colour.downgrade(ColorSystem.STANDARD).number or 0
        if background and number >= 8:
            number -= 8
        return Color.from_rgb(*self.VGA[number])

    def apply(self, segments, background):
        from rich.segment import Segment
        from rich.style import Style

        out = []
        for text, style, control in segments:
            if style is not None and (style.color is not None or style.bgcolor is not None):
                style = style + Style(color=self._colour(style.color, False),
                                      bgcolor=self._colour(style.bgcolor, True))
            out.append(Segment(text, style, control))
        return out
