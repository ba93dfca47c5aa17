"""Dialogs for corrections: a few typed fields (a reason and why; a time and why), and picking a scan."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option


class FieldsDialog(ModalScreen["list[str] | None"]):
    """Asks for a few lines of text. Enter moves to the next field, and on the last one confirms; a
    field marked required must not be empty. Dismisses with the texts, or None on Escape."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, fields: list[tuple[str, bool]], *, note: str = "",
                 values: list[str] | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.fields = fields
        self.note = note
        self.values = values or [""] * len(fields)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.title_text, id="title")
            if self.note:
                yield Static(self.note, classes="dialog-note")
            for n, ((placeholder, _required), value) in enumerate(zip(self.fields, self.values)):
                yield Input(value=value, placeholder=placeholder, id=f"field-{n}", max_length=200)
            yield Static("Enter: next / confirm   Esc: cancel", classes="hints")

    def on_mount(self) -> None:
        self.query_one("#field-0", Input).focus()

    @on(Input.Submitted)
    def next_or_confirm(self, event: Input.Submitted) -> None:
        n = int((event.input.id or "field-0").split("-")[1])
        if n + 1 < len(self.fields):   # set_focus (not focus()) moves at once, before the next key
            self.set_focus(self.query_one(f"#field-{n + 1}", Input))
            return
        texts = [self.query_one(f"#field-{i}", Input).value.strip() for i in range(len(self.fields))]
        for i, ((placeholder, required), text) in enumerate(zip(self.fields, texts)):
            if required and not text:
                self.notify(f"{placeholder.split(' (')[0]}: please fill this in", severity="warning")
                self.set_focus(self.query_one(f"#field-{i}", Input))
                return
        self.dismiss(texts)

    def action_cancel(self) -> None:
        self.dismiss(None)


def reason_from(typed: str, offered: list[str]) -> str:
    """A number picks one of the offered reasons; anything else is the reason as typed."""
    if typed.isdigit() and 1 <= int(typed) <= len(offered):
        return offered[int(typed) - 1]
    return typed


class TrackPicker(ModalScreen["int | None"]):
    """Choose one of today's scans (Up/Down, Enter); dismisses with its track id, or None on Escape."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, choices: list[tuple[int, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.title_text, id="title")
            yield OptionList(*(Option(label, id=str(track_id)) for track_id, label in self.choices), id="tracks")
            yield Static("Up/Down, Enter: choose   Esc: cancel", classes="hints")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    def action_cancel(self) -> None:
        self.dismiss(None)
