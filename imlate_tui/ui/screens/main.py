"""The screen strangers see: idle (school, clock, "Scan your card") or the result of the last scan."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Static

from imlate_tui.services.scanning import ScanResult
from imlate_tui.ui.widgets import BigClock, ResultPanel

if TYPE_CHECKING:
    from imlate_tui.ui.kiosk_app import KioskApp

STATUS_POLL_SECONDS = 3.0
HINTS = "F2 roster   F3 sign in/out by hand   F4 assign card"


class MainScreen(Screen[None]):
    def __init__(self, school_name: str, photos_dir: Path, notice: str = "") -> None:
        super().__init__()
        self.notice = notice
        self.school_name = school_name
        self.photos_dir = photos_dir
        self._back_to_idle = None

    @property
    def kiosk(self) -> "KioskApp":
        return cast("KioskApp", self.app)

    def compose(self) -> ComposeResult:
        with ContentSwitcher(initial="idle", id="switcher"):
            with Vertical(id="idle"):
                yield Static(self.school_name, id="school")
                yield Static(id="date")
                yield BigClock(id="clock")
                yield Static("Scan your card", id="prompt")
                yield Static(id="typed")
                yield Static("Visitor? press F5", id="visitor-hint")
                if self.notice:
                    yield Static(self.notice, id="notice")
            yield ResultPanel(self.photos_dir, id="result")
        yield Static(id="status")
        yield Static(HINTS, id="hints")

    def on_mount(self) -> None:
        self.kiosk.tick()
        self.set_interval(1, self.kiosk.tick)
        self.kiosk.poll_status()
        self.set_interval(STATUS_POLL_SECONDS, self.kiosk.poll_status)

    def on_key(self, event: events.Key) -> None:
        if self.kiosk.type_key(event):
            event.stop()
            event.prevent_default()

    def show_time(self, now_local: datetime) -> None:
        self.query_one("#date", Static).update(f"{now_local:%A %d %B %Y}")
        self.query_one(BigClock).time_text = f"{now_local:%H:%M}"

    def show_status(self, line: str) -> None:
        self.query_one("#status", Static).update(line)

    def show_typed(self, text: str) -> None:
        self.query_one("#typed", Static).update(f"Card: {text}_" if text else "")

    def show_result(self, result: ScanResult, seconds: float) -> None:
        panel = self.query_one(ResultPanel)
        panel.show_result(result, colour=self.kiosk.can_draw_photos, large=self.app.size.width >= 120)
        self._switch_to_result(seconds)

    def show_problem(self, title: str, detail: str, seconds: float) -> None:
        self.query_one(ResultPanel).show_problem(title, detail)
        self._switch_to_result(seconds)

    def show_idle(self) -> None:
        self._back_to_idle = None
        self.query_one(ContentSwitcher).current = "idle"

    @property
    def showing_result(self) -> bool:
        return self.query_one(ContentSwitcher).current == "result"

    def _switch_to_result(self, seconds: float) -> None:
        # A new result replaces the old one at once and restarts the countdown; nothing queues.
        if self._back_to_idle is not None:
            self._back_to_idle.stop()
        self.query_one(ContentSwitcher).current = "result"
        self._back_to_idle = self.set_timer(seconds, self.show_idle)
