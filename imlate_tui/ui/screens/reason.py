""""Why are you late / leaving early?" asked after the scan was already recorded (spec §5).

Answer with a number key, the arrows and Enter, or by scanning a printed `REASON:<n>` barcode (the
app routes that scan here). No answer before the countdown ends means no reason.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from imlate_tui.services.reception import ReasonQuestion

if TYPE_CHECKING:
    from imlate_tui.ui.kiosk_app import KioskApp

_REASON_CODE = re.compile(r"^REASON:(\d{1,3})$", re.IGNORECASE)


def reason_number(code: str) -> int | None:
    """`REASON:2` -> 2 (1-based, as printed); anything else None."""
    match = _REASON_CODE.match(code.strip())
    return int(match.group(1)) if match else None


class ReasonScreen(ModalScreen["str | None"]):
    def __init__(self, question: ReasonQuestion, timeout_seconds: int) -> None:
        super().__init__()
        self.question = question
        self.remaining = timeout_seconds
        self.highlighted = 0

    @property
    def kiosk(self) -> "KioskApp":
        return cast("KioskApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.question.title, id="title")
            yield Static(id="choices")
            yield Static(id="countdown")
            yield Static("Number key, or Up/Down and Enter, or scan a reason card.", classes="hints")

    def on_mount(self) -> None:
        self._draw()
        self.set_interval(1, self._tick)

    def on_key(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        wedge_busy = self.kiosk.typing_pending
        if event.key in ("up", "down"):
            step = -1 if event.key == "up" else 1
            self.highlighted = (self.highlighted + step) % len(self.question.reasons)
            self._draw()
        elif event.key == "escape":
            self.dismiss(None)
        elif event.key == "enter" and not wedge_busy:
            self.dismiss(self.question.reasons[self.highlighted])
        elif event.is_printable and event.character and event.character.isdigit() and not wedge_busy:
            self.answer_number(int(event.character))
        else:
            self.kiosk.type_key(event)  # letters start a reason barcode (or a card) typed as keys

    def answer_number(self, number: int) -> None:
        if 1 <= number <= len(self.question.reasons):
            self.dismiss(self.question.reasons[number - 1])
        else:
            self.notify(f"There is no reason number {number}", severity="warning")

    def _tick(self) -> None:
        self.remaining -= 1
        if self.remaining <= 0:
            self.dismiss(None)
        else:
            self._draw_countdown()

    def _draw(self) -> None:
        text = Text()
        for i, reason in enumerate(self.question.reasons):
            style = "reverse bold" if i == self.highlighted else ""
            text.append(f" {i + 1}  {reason} ", style=style)
            text.append("\n")
        text.rstrip()
        self.query_one("#choices", Static).update(text)
        self._draw_countdown()

    def _draw_countdown(self) -> None:
        self.query_one("#countdown", Static).update(f"No answer in {self.remaining} s means no reason.")
