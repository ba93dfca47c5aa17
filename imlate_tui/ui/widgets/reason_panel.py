""""Why are you late / leaving early?" asked beside the result, after the scan was recorded (spec §5).

Not a modal screen: the name, photo, IN/OUT and minutes stay in view while the student answers with
a number key, the arrows and Enter, or a printed `REASON:<n>` barcode. No answer before the countdown
ends (or another card scanned) means no reason. The panel posts `Answered` once per question.

Closed, it keeps its place on screen, blank (a blank border, as many blank lines as the question
had): opening and closing it then changes only what is drawn, not where anything is, so a scan after a
late arrival costs no layout pass of the whole screen (`same_size.py` says what one costs). It is the
last thing in its column, so the blank space is where nothing else would be anyway.

One widget draws the question, the choices and the countdown (it was a container of three): it
changes on every late arrival and every scan after one, and as one widget asking and closing cost the
scan's handler 0.45 and 0.33 ms instead of 1.2 and 0.9, with one message to the screen instead of four.
Drawing it costs about the same either way: Textual's cost is per line drawn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from textual.content import Content
from textual.message import Message
from textual.style import Style
from textual.timer import Timer
from textual.widget import Widget

from imlate_tui.services.reception import ReasonQuestion

OPEN_BORDER = ("solid", "#ffff55")
CLOSED_BORDER = ("blank", "#ffff55")   # the same room, nothing drawn
_REASON_CODE = re.compile(r"^REASON:(\d{1,3})$", re.IGNORECASE)


def reason_number(code: str) -> int | None:
    """`REASON:2` -> 2 (1-based, as printed); anything else None."""
    match = _REASON_CODE.match(code.strip())
    return int(match.group(1)) if match else None


class ReasonPanel(Widget):
    COMPONENT_CLASSES = {"reason-panel--question", "reason-panel--countdown"}
    DEFAULT_CSS = """
    ReasonPanel { height: auto; border: blank; padding: 0 1; margin-top: 1; }
    ReasonPanel > .reason-panel--question { text-style: bold; color: #ffff55; }
    ReasonPanel > .reason-panel--countdown { color: $text-muted; }
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
        self._content = Content("")
        self._drawn = False   # a question is on screen (open, or closed and not yet blanked)
        self._timer: Timer | None = None

    @property
    def is_open(self) -> bool:
        return self.question is not None

    def ask(self, question: ReasonQuestion, timeout_seconds: int) -> None:
        self.close(None, blank=False)   # drawn over at once
        self.question, self.remaining, self.highlighted = question, timeout_seconds, 0
        self._draw()
        self.styles.border = OPEN_BORDER   # not a class: a class change restyles the panel
        self._drawn = True
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
        if blank and self._drawn:
            self._blank()

    def render(self) -> Content:
        return self._content

    def _blank(self) -> None:
        """Closed: as many lines as the question took, with nothing on them."""
        self._show(Content("\n".join([" "] * max(self.content_size.height, 1))))
        self.styles.border = CLOSED_BORDER
        self._drawn = False

    def _tick(self) -> None:
        self.remaining -= 1
        if self.remaining <= 0:
            self.close(None)
        else:
            self._draw()

    def _draw(self) -> None:
        question = self.question
        assert question is not None
        parts: list[str | tuple[str, str | Style]] = [
            (question.title, self.get_visual_style("reason-panel--question"))]
        for i, reason in enumerate(question.reasons):
            parts += ["\n", (f" {i + 1}  {reason} ", "reverse bold" if i == self.highlighted else "")]
        countdown = f"Key 1-{len(question.reasons)}, or Up/Down + Enter.  {self.remaining} s, then no reason."
        parts += ["\n", (countdown, self.get_visual_style("reason-panel--countdown"))]
        self._show(Content.assemble(*parts))

    def _show(self, content: Content) -> None:
        """New lines, laid out again only when their height at the panel's width changes."""
        self._content = content
        width = self.content_size.width
        self.refresh(layout=not self.is_mounted or not width
                     or content.get_height(self.styles, width) != self.content_size.height)
