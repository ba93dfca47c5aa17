"""Find a person by name: to sign them in/out by hand (lost card) or to give them a just-scanned card."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from imlate_tui.db.connection import database
from imlate_tui.domain.scanning import Direction
from imlate_tui.services.reception import PersonMatch, Reception
from imlate_tui.services.roster import STATUS_LABELS
from imlate_tui.ui.resilience import KeepsRunning
from imlate_tui.ui.widgets.result_panel import group_line

Purpose = Literal["manual", "assign"]


@dataclass(frozen=True)
class Picked:
    person_id: int
    name: str
    direction: Direction | None = None
    note: str | None = None


class PersonPickerScreen(KeepsRunning, ModalScreen["Picked | None"]):
    """Opened behind the PIN; closes itself when left idle (the app's `kiosk.unlock_timeout_seconds`)."""

    DEFAULT_CSS = """
    PersonPickerScreen { align: center middle; }
    PersonPickerScreen #dialog { width: 70; max-width: 95%; height: auto; max-height: 95%;
                                 border: solid $accent; background: $surface; padding: 0 1; }
    PersonPickerScreen #title { text-style: bold; margin-bottom: 1; }
    PersonPickerScreen #chosen { text-style: bold; }
    PersonPickerScreen .hints { color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", show=False),
        Binding("f5", "move('in')", "Sign in", show=False),
        Binding("f6", "move('out')", "Sign out", show=False),
    ]

    @dataclass
    class Found(Message):
        matches: list[PersonMatch]

    def __init__(self, reception: Reception, purpose: Purpose, *, title: str,
                 preselected: PersonMatch | None = None) -> None:
        super().__init__()
        self.reception = reception
        self.purpose = purpose
        self.title_text = title
        self.matches: list[PersonMatch] = []
        self.chosen = preselected

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.title_text, id="title")
            yield Input(placeholder="Type a name, then Down to choose", id="search")
            yield OptionList(id="matches")
            yield Static(id="chosen")
            if self.purpose == "manual":
                yield Input(placeholder="Note (e.g. lost card)", id="note", max_length=200)
                hints = "Enter: choose person   F5: sign in   F6: sign out   Esc: cancel"
            else:
                hints = "Enter: give the card to this person   Esc: cancel"
            yield Static(hints, classes="hints")

    def on_mount(self) -> None:
        if self.chosen is not None:
            self._show_chosen()
            self.query_one("#note", Input).focus()
        else:
            self.query_one("#search", Input).focus()

    @on(Input.Changed, "#search")
    def search(self, event: Input.Changed) -> None:
        self.find(event.value)

    @work(thread=True, exclusive=True, group="search")
    def find(self, text: str) -> None:
        with database.connection_context():
            matches = self.reception.search_people(text, limit=20)
        if not get_current_worker().is_cancelled:  # a newer search replaced this one
            self.post_message(self.Found(matches))

    def on_person_picker_screen_found(self, message: Found) -> None:
        self.matches = matches = message.matches
        options = self.query_one("#matches", OptionList)
        options.clear_options()
        options.add_options([Option(self._label(m), id=str(m.person.id)) for m in self.matches])
        if self.matches:
            options.highlighted = 0

    @on(Input.Submitted, "#search")
    def to_matches(self) -> None:
        if self.matches:
            self.query_one("#matches", OptionList).focus()

    def key_down(self) -> None:
        if self.focused is self.query_one("#search", Input) and self.matches:
            self.query_one("#matches", OptionList).focus()

    @on(OptionList.OptionSelected, "#matches")
    def choose(self, event: OptionList.OptionSelected) -> None:
        self.chosen = self.matches[event.option_index]
        if self.purpose == "assign":
            self.close(Picked(self.chosen.person.id, self.chosen.person.name))
            return
        self._show_chosen()
        self.query_one("#note", Input).focus()

    def action_move(self, direction: str) -> None:
        if self.purpose != "manual":
            return
        if self.chosen is None:
            self.notify("Choose a person first", severity="warning")
            return
        note = self.query_one("#note", Input).value.strip() or None
        self.close(Picked(self.chosen.person.id, self.chosen.person.name, Direction(direction), note))

    def close(self, picked: "Picked | None") -> None:
        """Dismiss only while on top: a second dismiss (two keys at once) would pop the screen below."""
        if self.is_current:
            self.dismiss(picked)

    def action_cancel(self) -> None:
        self.close(None)

    def _show_chosen(self) -> None:
        assert self.chosen is not None
        self.query_one("#chosen", Static).update(f"Chosen: {self._label(self.chosen)}")

    @staticmethod
    def _label(m: PersonMatch) -> str:
        group = group_line(m.person)
        return f"{m.person.name}  ({group})  {STATUS_LABELS[m.status]}" if group else \
            f"{m.person.name}  {STATUS_LABELS[m.status]}"
