"""Small keyboard dialogs for the admin's changes: a note, a card code, a yes/no question."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class NoteDialog(ModalScreen["str | None"]):
    """Dismisses with the typed text ("" for none) on Enter, None on Escape."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, placeholder: str, *, max_length: int = 200) -> None:
        super().__init__()
        self.title_text = title
        self.placeholder = placeholder
        self.max_length = max_length

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.title_text, id="title")
            yield Input(placeholder=self.placeholder, id="text", max_length=self.max_length)
            yield Static("Enter: confirm   Esc: cancel", classes="hints")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def confirm(self, event: Input.Submitted) -> None:
        self.accept(event.value.strip())

    def accept(self, text: str) -> None:
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class CardDialog(NoteDialog):
    """Asks for a card code: scan it on a reader attached to this computer, or type it."""

    def __init__(self, title: str) -> None:
        super().__init__(title, "Scan or type the card code, then Enter", max_length=64)

    def accept(self, text: str) -> None:
        if text:
            self.dismiss(text)
        else:
            self.notify("Type the card code first", severity="warning")


class ConfirmDialog(ModalScreen[bool]):
    BINDINGS = [Binding("y", "answer(True)", "Yes"), Binding("n,escape", "answer(False)", "No")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.question, id="title")
            yield Static("Y: yes   N or Esc: no", classes="hints")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
