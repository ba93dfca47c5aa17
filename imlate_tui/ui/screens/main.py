"""The screen strangers see: idle (school, clock, "Scan your card") or the result of the last scan.

It only draws what the app tells it and posts what happens (`ReasonPanel.Answered` bubbles up to the
app); it never reaches into the app. Keys are routed by the app (`KioskApp.on_event`).
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import ContentSwitcher, Static

from imlate_tui.services.reception import ReasonQuestion
from imlate_tui.services.scanning import ScanResult
from imlate_tui.ui.resilience import KeepsRunning
from imlate_tui.ui.widgets import BigClock, ResultPanel
from imlate_tui.ui.widgets.reason_panel import ReasonPanel
from imlate_tui.ui.widgets.same_size import update_same_size

HINTS = "F2 roster   F3 sign in/out by hand   F4 assign card"


class MainScreen(KeepsRunning, Screen[None]):
    class Ready(Message):
        """Mounted: the app may fill in the clock and the status line now."""

    def __init__(self, school_name: str, photos_dir: Path, tz: tzinfo, notice: str = "") -> None:
        super().__init__()
        self.notice = notice
        self.school_name = school_name
        self.photos_dir = photos_dir
        self.tz = tz
        self._back_to_idle: Timer | None = None
        self._result_seconds = 4.0
        self.result_panel = ResultPanel(photos_dir, tz, id="result")

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
            yield self.result_panel
        yield Static(id="status")
        yield Static(HINTS, id="hints")

    def on_mount(self) -> None:
        self.post_message(self.Ready())

    @property
    def question(self) -> ReasonPanel:
        return self.result_panel.reason

    # query(), not query_one(): a key or a status line can come before the screen has composed.

    def show_time(self, now_local: datetime) -> None:
        for date in self.query("#date").results(Static):
            update_same_size(date, f"{now_local:%A %d %B %Y}")
        for clock in self.query(BigClock):
            clock.time_text = f"{now_local:%H:%M}"

    def show_status(self, line: str) -> None:
        for status in self.query("#status").results(Static):
            update_same_size(status, line)

    def show_typed(self, text: str) -> None:
        for typed in self.query("#typed").results(Static):
            update_same_size(typed, f"Card: {text}_" if text else "")

    def show_result(self, result: ScanResult, seconds: float, *, colour: bool) -> None:
        self.result_panel.show_result(result, colour=colour)
        self._switch_to_result(seconds)

    def ask(self, question: ReasonQuestion, timeout_seconds: int) -> None:
        """Ask beside the result; the result stays until the question is answered or times out."""
        self.question.ask(question, timeout_seconds)
        if self._back_to_idle is not None:
            self._back_to_idle.stop()
            self._back_to_idle = None

    def show_problem(self, title: str, detail: str, seconds: float) -> None:
        self.result_panel.show_problem(title, detail)
        self._switch_to_result(seconds)

    def show_idle(self) -> None:
        self._back_to_idle = None
        if self.question.is_open:
            return
        self.query_one(ContentSwitcher).current = "idle"

    def on_reason_panel_answered(self) -> None:
        # The answer (or no answer) goes on to the app; the result stays a moment longer, then idle.
        self._switch_to_result(self._result_seconds)

    @property
    def showing_result(self) -> bool:
        return self.query_one(ContentSwitcher).current == "result"

    def _switch_to_result(self, seconds: float) -> None:
        # A new result replaces the old one at once and restarts the countdown; nothing queues.
        self._result_seconds = seconds
        if self._back_to_idle is not None:
            self._back_to_idle.stop()
        self.query_one(ContentSwitcher).current = "result"
        self._back_to_idle = self.set_timer(seconds, self.show_idle)
