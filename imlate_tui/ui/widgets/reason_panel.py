""""Why are you late / leaving early?" asked beside the result, after the scan was recorded (spec §5).

Not a modal screen: the name, photo, IN/OUT and minutes stay in view while the student answers with
a number key, the arrows and Enter, or a printed `REASON:<n>` barcode. No answer before the countdown
ends (or another card scanned) means no reason. The panel posts `Answered` once per question.

Closed, it keeps its place on screen, blank (a blank border, blank lines): opening and closing it then
changes only what is drawn, not where anything is, so a scan after a late arrival costs no layout pass
of the whole screen (`same_size.py` says what one costs). It is the last thing in its column, so the
blank space is where nothing else would be anyway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static

from imlate_tui.services.reception import ReasonQuestion
from imlate_tui.ui.widgets.same_size import update_same_size

OPEN_BORDER = ("solid", "#ffff55")
CLOSED_BORDER = ("blank", "#ffff55")   # the same room, nothing drawn
_REASON_CODE = re.compile(r"^REASON:(\d{1,3})$", re.IGNORECASE)


def reason_number(code: str) -> int | None:
    """`REASON:2` -> 2 (1-based, as printed); anything else None."""
    match = _REASON_CODE.match(code.strip())
    return int(match.group(1)) if match else None


class ReasonPanel(Vertical):
    DEFAULT_CSS = """
    ReasonPanel { height: auto; border: blank; padding: 0 1; margin-top: 1; }
    ReasonPanel #question { text-style: bold; color: #ffff55; }
    ReasonPanel #choices { height: auto; }
    ReasonPanel #countdown { color: $text-muted; }
    """

    @dataclass
    class Answered(Message):
        track_id: int
        reason: str | None
        """None: no answer (timed out, or the next card came first)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.question: ReasonQuestion | None = None
        self.remaining = 0
        self.highlighted = 0
        self._drawn: int | None = None   # how many reasons are on screen; None when blank
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="question")
        yield Static(id="choices")
        yield Static(id="countdown")

    @property
    def is_open(self) -> bool:
        return self.question is not None

    def ask(self, question: ReasonQuestion, timeout_seconds: int) -> None:
        self.close(None, blank=False)   # drawn over at once
        self.question, self.remaining, self.highlighted = question, timeout_seconds, 0
        update_same_size(self.query_one("#question", Static), question.title)
        self._draw()
        self.styles.border = OPEN_BORDER   # not a class: a class change restyles the panel and its children
        self._drawn = len(question.reasons)
        self._timer = self.set_interval(1, self._tick)

    def answer_number(self, number: int) -> bool:
        """A number key or a reason card; False when there is no such reason."""
        if self.question is None or not 1 <= number <= len(self.question.reasons):
            return False
        self.close(self.question.reasons[number - 1])
        return True

    def move(self, step: int) -> None:
        if self.question is not None:
            self.highlighted = (self.highlighted + step) % len(self.question.reasons)
            self._draw()

    def choose_highlighted(self) -> None:
        if self.question is not None:
            self.close(self.question.reasons[self.highlighted])

    def close(self, reason: str | None, *, blank: bool = True) -> None:
        """End the question (once): post the answer, or None for no answer. `blank=False` leaves it
        drawn for the caller to draw over: the next card's result blanks it in the same frame, rather
        than a frame of its own drawn while that card is being recorded."""
        question, self.question = self.question, None
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if question is not None:
            self.post_message(self.Answered(question.track_id, reason))
        if blank and self._drawn is not None:
            self._blank(self._drawn)

    def _blank(self, reasons: int) -> None:
        """Closed: the same number of lines, with nothing on them."""
        for selector, lines in (("#question", 1), ("#choices", reasons), ("#countdown", 1)):
            update_same_size(self.query_one(selector, Static), "\n".join([" "] * lines))
        self.styles.border = CLOSED_BORDER
        self._drawn = None

    def _tick(self) -> None:
        self.remaining -= 1
        if self.remaining <= 0:
            self.close(None)
        else:
            self._draw_countdown()

    def _draw(self) -> None:
        assert self.question is not None
        text = Text()
        for i, reason in enumerate(self.question.reasons):
            style = "reverse bold" if i == self.highlighted else ""
            text.append(f" {i + 1}  {reason} ", style=style)
            text.append("\n")
        text.rstrip()
        update_same_size(self.query_one("#choices", Static), text)
        self._draw_countdown()

    def _draw_countdown(self) -> None:
        assert self.question is not None
        update_same_size(self.query_one("#countdown", Static),
            f"Key 1-{len(self.question.reasons)}, or Up/Down + Enter.  {self.remaining} s, then no reason.")
