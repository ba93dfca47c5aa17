"""The admin PIN prompt in front of every receptionist action and of quitting the kiosk.

Wrong PINs lock the prompt for a growing time (`services.pin_guard`, kept in the database); while
locked the prompt says so with the time left and takes no PIN. The check runs in a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from imlate_tui.services.pin_guard import PinCheck, PinGuard
from imlate_tui.ui.resilience import KeepsRunning

NO_PIN_MESSAGE = ("Locked: no admin PIN is set on this kiosk.\n"
                  "IT can set one with `imlate kiosk set-pin` (kiosk.admin_pin_hash).")


def locked_line(seconds: int) -> str:
    minutes, secs = divmod(seconds, 60)
    wait = f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"
    return f"LOCKED: too many wrong PINs. Try again in {wait}."


class PinScreen(KeepsRunning, ModalScreen[bool]):
    """Dismisses True for the right PIN; False on Escape or with no PIN set."""

    DEFAULT_CSS = """
    PinScreen { align: center middle; }
    PinScreen #dialog { width: 64; max-width: 95%; height: auto; border: solid $accent;
                        background: $surface; padding: 0 1; }
    PinScreen #title { text-style: bold; margin-bottom: 1; }
    PinScreen #message { text-style: bold; color: $text-error; }
    PinScreen #message.-locked { background: $error; color: $text; padding: 0 1; }
    PinScreen #locked { color: $text-warning; }
    PinScreen .hints { color: $text-muted; }
    """

    @dataclass
    class Checked(Message):
        """From the worker thread: the lockout state, or the verdict on a typed PIN."""

        result: PinCheck
        after_try: bool

    def __init__(self, purpose: str, guard: PinGuard) -> None:
        super().__init__()
        self.purpose = purpose
        self.guard = guard
        self.locked_seconds = 0
        self._dismissed = False

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.purpose, id="title")
            if self.guard.stored_hash:
                yield Input(password=True, placeholder="Admin PIN", id="pin", max_length=64)
                yield Static("Enter: confirm   Esc: cancel", classes="hints")
            else:
                yield Static(NO_PIN_MESSAGE, id="locked")
                yield Static("Press any key to go back", classes="hints")
            yield Static(id="message")

    def on_mount(self) -> None:
        if self.guard.stored_hash:
            self.load_state()
            self.set_interval(1, self._count_down)

    def on_key(self, event: events.Key) -> None:
        if event.key == "escape" or not self.guard.stored_hash:
            event.stop()
            self.close(False)

    def close(self, ok: bool) -> None:
        """Dismiss once: a second close (a key and a scan at the same moment) is ignored."""
        if not self._dismissed and self.is_current:
            self._dismissed = True
            self.dismiss(ok)

    @work(thread=True, exclusive=True, group="pin")
    def load_state(self) -> None:
        self.post_message(self.Checked(self.guard.state(), after_try=False))

    @on(Input.Submitted, "#pin")
    def submitted(self, event: Input.Submitted) -> None:
        pin, event.input.value = event.value, ""
        if self.locked_seconds:
            self._show(PinCheck(False, self.locked_seconds), after_try=True)
            return
        self.check(pin)

    @work(thread=True, exclusive=True, group="pin")
    def check(self, pin: str) -> None:
        self.post_message(self.Checked(self.guard.check(pin), after_try=True))

    def on_pin_screen_checked(self, message: Checked) -> None:
        self._show(message.result, message.after_try)

    def _show(self, result: PinCheck, after_try: bool) -> None:
        if result.ok:
            self.close(True)
            return
        self.locked_seconds = result.locked_seconds
        message = self.query_one("#message", Static)
        message.set_class(bool(result.locked_seconds), "-locked")
        if result.locked_seconds:
            message.update(locked_line(result.locked_seconds))
        elif after_try:
            message.update(f"Wrong PIN ({result.tries_left} tries left before the prompt locks)")

    def _count_down(self) -> None:
        if self.locked_seconds:
            self.locked_seconds -= 1
            if self.locked_seconds <= 0:
                self.load_state()
            else:
                self.query_one("#message", Static).update(locked_line(self.locked_seconds))
