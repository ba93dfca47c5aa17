"""Where each key press at the kiosk goes. The app sees every key first (`on_event`), before any widget.

- Idle or result screen, no question: keys build a typed card (`KeyboardWedge`, a person's pace).
- A question or any dialog open: keys are held by `BurstDetector`; a fast run ending in Enter is a
  scan (recorded, the question closed with no answer); slow presses are handed on unchanged: to the
  reason question (number, arrows, Enter, Esc; letters start a typed card) or to the dialog's widgets.
- Every key or click counts as use of a PIN-unlocked screen; after `kiosk.unlock_timeout_seconds`
  with none, those screens close themselves.
"""

from __future__ import annotations

import time

from textual import events
from textual.screen import Screen
from typing import TYPE_CHECKING

from imlate_tui.scanner import ScanResult as ScannerInput
from imlate_tui.scanner import classify_text
from imlate_tui.ui.key_burst import BurstDetector
from imlate_tui.ui.wedge import KeyboardWedge

if TYPE_CHECKING:
    from imlate_tui.config import Settings

_REPLAYED = "_imlate_replayed"
KEY_CLOCK = time.monotonic
"""When each key arrived; the tests swap in a clock that makes key presses a person's or a reader's."""


class KeyRouting:
    """Mixin for the kiosk app (before `App` in the bases, so `on_event` sees keys first)."""

    def setup_keys(self, settings: Settings, *, keyboard_input: bool) -> None:
        self.keyboard_input = keyboard_input
        self.wedge = KeyboardWedge(settings.scanner.max_length)
        self.burst = BurstDetector()
        terminators = set(settings.scanner.terminators)
        self.wedge_terminators = {"tab"} & terminators | ({"enter"} if {"enter", "kp_enter"} & terminators else set())
        self.last_input = time.monotonic()
        self.unlock_timeout = settings.kiosk.unlock_timeout_seconds
        self.key_clock = KEY_CLOCK

    def start_key_timers(self, unlock_timeout: float) -> None:
        self.set_interval(0.5, self._expire_typing)
        self.set_interval(min(1.0, unlock_timeout / 4), self.close_idle_unlocked)

    def reset_keys(self) -> None:
        self.wedge.reset()
        self.burst = BurstDetector(self.burst.gap_seconds, self.burst.min_length)
        self.main.show_typed("")

    # -- PIN-unlocked screens ---------------------------------------------------------------------

    def mark_unlocked(self, screen: Screen) -> Screen:
        """Tag a screen opened with the PIN; its idle time starts now (the PIN check may have taken a while)."""
        self.last_input = time.monotonic()
        screen.add_class("-unlocked")
        return screen

    def close_idle_unlocked(self) -> None:
        if not self.is_running or time.monotonic() - self.last_input < self.unlock_timeout:
            return   # (shutting down: there may be no screen left)
        while self.screen.has_class("-unlocked") and len(self.screen_stack) > 1:
            self.screen.dismiss(None)

    # -- routing ----------------------------------------------------------------------------------

    @property
    def dialog_open(self) -> bool:
        return self.screen is not self.main or self.main.question.is_open

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown)) and not event.is_forwarded:
            self.last_input = time.monotonic()
        if isinstance(event, events.Key) and not event.is_forwarded:
            if not getattr(event, _REPLAYED, False) and self.dialog_open:
                await self._hold_or_scan(event)
                return
            if self.screen is self.main and self._main_key(event):
                return
        await super().on_event(event)

    async def _hold_or_scan(self, event: events.Key) -> None:
        verdict = self.burst.key(event.key, event.character, event.is_printable, self.key_clock(),
                                 terminator=event.key in self.wedge_terminators)
        # Released keys go on at once, in order, inside this call (posting them would let a pilot or a
        # second key overtake them); the key itself last, as the original event.
        for held in verdict.release:
            await self._deliver(event if held.key == event.key and held is verdict.release[-1]
                                and not verdict.held else events.Key(held.key, held.character))
        if verdict.scan is not None:
            self.receive_scan(classify_text(verdict.scan, self.wedge.max_length), "keyboard",
                              time.perf_counter())
        if verdict.held:
            self.set_timer(self.burst.gap_seconds * 1.5, self._release_slow_keys)

    async def _release_slow_keys(self) -> None:
        if not self.is_running:   # the app closed within a burst gap of the last key: no screen to take it
            return
        for held in self.burst.expire(self.key_clock()):
            await self._deliver(events.Key(held.key, held.character))

    async def _deliver(self, event: events.Key) -> None:
        setattr(event, _REPLAYED, True)
        await self.on_event(event)

    def _main_key(self, event: events.Key) -> bool:
        """A key for the idle/result screen; True when used here."""
        question = self.main.question
        if question.is_open and not self.typing_pending:
            if event.key in ("up", "down"):
                question.move(-1 if event.key == "up" else 1)
                return True
            if event.key == "escape":
                question.close(None)
                return True
            if event.key == "enter":
                question.choose_highlighted()
                return True
            if event.is_printable and event.character and event.character.isdigit():
                if not question.answer_number(int(event.character)):
                    self.notify(f"There is no reason number {event.character}", severity="warning")
                return True
        return self.type_key(event)

    # -- typed keys (keyboard-wedge at a person's pace) -------------------------------------------

    @property
    def typing_pending(self) -> bool:
        return self.keyboard_input and self.wedge.pending

    def type_key(self, event: events.Key) -> bool:
        """Feed a key into the typed-card buffer; True when consumed."""
        if not self.keyboard_input:
            return False
        now = time.monotonic()
        if event.key in self.wedge_terminators:
            outcome: ScannerInput | None = self.wedge.finish(now)
        elif event.is_printable and event.character:
            outcome = self.wedge.type(event.character, now)
        elif event.key.startswith("ctrl+") and self.wedge.pending:
            outcome = self.wedge.control(now)
        else:
            return False
        self.main.show_typed(self.wedge.text)
        if outcome is not None:
            self.receive_scan(outcome, "keyboard", time.perf_counter())
        return True

    def _expire_typing(self) -> None:
        if self.is_running and self.keyboard_input and (dropped := self.wedge.expire(time.monotonic())) is not None:
            self.main.show_typed("")
            self.receive_scan(dropped, "keyboard", time.perf_counter())
