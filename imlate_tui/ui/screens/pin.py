"""The admin PIN prompt in front of every receptionist action and of quitting the kiosk."""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from imlate_tui.domain.pin import verify_pin

MAX_ATTEMPTS = 3
NO_PIN_MESSAGE = ("Locked: no admin PIN is set on this kiosk.\n"
                  "IT can set one with `imlate kiosk set-pin` (kiosk.admin_pin_hash).")


class PinScreen(ModalScreen[bool]):
    """Dismisses True for the right PIN; False on Escape, after too many wrong tries, or with no PIN set."""

    def __init__(self, purpose: str, stored_hash: str | None) -> None:
        super().__init__()
        self.purpose = purpose
        self.stored_hash = stored_hash
        self.attempts = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.purpose, id="title")
            if self.stored_hash:
                yield Input(password=True, placeholder="Admin PIN", id="pin", max_length=64)
                yield Static("Enter: confirm   Esc: cancel", classes="hints")
            else:
                yield Static(NO_PIN_MESSAGE, id="locked")
                yield Static("Press any key to go back", classes="hints")
            yield Static(id="message")

    def on_key(self, event: events.Key) -> None:
        if event.key == "escape" or not self.stored_hash:
            event.stop()
            self.dismiss(False)

    @on(Input.Submitted, "#pin")
    def check(self, event: Input.Submitted) -> None:
        if verify_pin(event.value, self.stored_hash):
            self.dismiss(True)
            return
        self.attempts += 1
        event.input.value = ""
        if self.attempts >= MAX_ATTEMPTS:
            self.app.notify("Wrong PIN entered too many times", severity="error")
            self.dismiss(False)
            return
        self.query_one("#message", Static).update(f"Wrong PIN ({MAX_ATTEMPTS - self.attempts} tries left)")
