"""A one-line choice among a few values: Left/Right (or Up/Down) step through them, Enter confirms.

Takes one row where a list would take several, so the visitor form fits an 80x24 console.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.message import Message
from textual.widgets import Static


class Choice(Static, can_focus=True):
    @dataclass
    class Chosen(Message):
        choice: "Choice"
        value: str

        @property
        def control(self) -> "Choice":
            return self.choice

    def __init__(self, values: list[str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.values = list(values)
        self.index = 0

    @property
    def value(self) -> str:
        return self.values[self.index]

    def select(self, value: str) -> None:
        for i, known in enumerate(self.values):
            if known.casefold() == value.casefold():
                self.index = i
        self._draw()

    def on_mount(self) -> None:
        self._draw()

    def on_key(self, event: events.Key) -> None:
        if event.key in ("left", "right", "up", "down"):
            step = -1 if event.key in ("left", "up") else 1
            self.index = (self.index + step) % len(self.values)
            self._draw()
            event.stop()
        elif event.key == "enter":
            event.stop()
            self.post_message(self.Chosen(self, self.value))

    def _draw(self) -> None:
        self.update(f"< {self.value} >   ({self.index + 1} of {len(self.values)})")
