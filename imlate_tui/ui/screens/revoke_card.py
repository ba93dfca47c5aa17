"""At the kiosk, behind the PIN: revoke a lost card and, if it is at hand, give the replacement.

The receptionist finds the person by name, picks the lost card, then types or scans (keyboard-wedge
scanner) the new card, or leaves it empty. The write runs on the kiosk's write queue like every other
receptionist action, and its outcome comes back as one sentence. With an evdev scanner the new card's
scan goes to the scan handler instead: leave the field empty, scan the new card, then F4 assigns it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from imlate_tui.db import card_book
from imlate_tui.errors import InvalidInput
from imlate_tui.services.cards import revoke_card
from imlate_tui.services.reception import Reception
from imlate_tui.ui.messages import ReceptionDone
from imlate_tui.ui.widgets.result_panel import group_line

if TYPE_CHECKING:
    from imlate_tui.ui.kiosk_app import KioskApp

log = logging.getLogger(__name__)
HINTS = "Enter: choose / confirm   Esc: cancel"


@dataclass(frozen=True)
class Revocation:
    person_id: int
    name: str
    code: str
    replacement: str | None


class RevokeCardScreen(ModalScreen["Revocation | None"]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, reception: Reception) -> None:
        super().__init__()
        self.reception = reception
        self.choices: list[tuple[int, str, str]] = []
        """(person id, name, card code) per option."""
        self.chosen: tuple[int, str, str] | None = None
        self.choices_index: list[int] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Revoke a lost card", id="title")
            yield Input(placeholder="Type a name, then Down to choose the card", id="search")
            yield OptionList(id="matches")
            yield Static(id="chosen")
            yield Input(placeholder="New card: scan or type it (or leave empty)", id="replacement", max_length=64)
            yield Static(HINTS, classes="hints")

    def on_mount(self) -> None:
        self.query_one("#replacement", Input).display = False
        self.query_one("#search", Input).focus()

    @on(Input.Changed, "#search")
    def search(self, event: Input.Changed) -> None:
        matches = self.reception.search_people(event.value, limit=20)
        codes = card_book.codes_of([m.person.id for m in matches])
        self.choices = [(m.person.id, m.person.name, code) for m in matches for code in codes[m.person.id]]
        options = self.query_one("#matches", OptionList)
        options.clear_options()
        self.choices_index = []
        """The option index of each choice (people without a card are shown, not choosable)."""
        for m in matches:
            group = group_line(m.person)
            for code in codes[m.person.id]:
                self.choices_index.append(options.option_count)
                options.add_option(Option(f"{code}  {m.person.name}  ({group})"))
            if not codes[m.person.id]:
                options.add_option(Option(f"{m.person.name}  ({group}): no card", disabled=True))
        if self.choices_index:
            options.highlighted = self.choices_index[0]

    @on(Input.Submitted, "#search")
    def to_matches(self) -> None:
        if self.choices:
            self.query_one("#matches", OptionList).focus()

    def key_down(self, event: events.Key) -> None:
        if self.focused is self.query_one("#search", Input) and self.choices:
            # Only move into the list: the same Down must not also step past the first card there.
            event.prevent_default()
            event.stop()
            self.query_one("#matches", OptionList).focus()

    @on(OptionList.OptionSelected, "#matches")
    def choose(self, event: OptionList.OptionSelected) -> None:
        self.chosen = self.choices[self.choices_index.index(event.option_index)]
        _, name, code = self.chosen
        self.query_one("#chosen", Static).update(f"Revoke {name}'s card {code}: it stops working at once.")
        field = self.query_one("#replacement", Input)
        field.display = True
        field.focus()

    @on(Input.Submitted, "#replacement")
    def confirm(self, event: Input.Submitted) -> None:
        if self.chosen is None:
            return
        person_id, name, code = self.chosen
        self.dismiss(Revocation(person_id, name, code, event.value.strip() or None))

    def action_cancel(self) -> None:
        self.dismiss(None)


def start_revoke(app: "KioskApp") -> None:
    """F7 at the kiosk: the PIN, then this screen, then the write on the kiosk's write queue."""

    def done(revocation: Revocation | None) -> None:
        if revocation is not None:
            app.jobs.queue.submit(lambda: _revoke(app, revocation))

    app.with_pin("Revoke a lost card: enter the admin PIN",
                 lambda: app.push_screen(RevokeCardScreen(app.reception), done))


def _revoke(app: "KioskApp", r: Revocation) -> None:
    """Runs on the write queue thread; tells the UI in one sentence (posted, thread-safe)."""
    try:
        revoke_card(app.settings, r.code, now=app.clock(), actor=app.actor, client=app.actor,
                    person_id=r.person_id)
    except InvalidInput as exc:
        app.post_message(ReceptionDone(_sentence(str(exc)), ok=False))
        return
    except Exception:
        log.exception("revoking card %s failed", r.code)
        app.post_message(ReceptionDone("Could not revoke the card; see the log", ok=False))
        return
    text = f"Card {r.code} revoked"
    if r.replacement is not None:
        try:
            person = app.reception.assign_card(r.person_id, r.replacement, actor=app.actor, client=app.actor)
        except InvalidInput as exc:
            app.post_message(ReceptionDone(f"{text}, but the new card was refused: {exc}", ok=False))
            return
        except Exception:
            log.exception("assigning the replacement card failed")
            app.post_message(ReceptionDone(f"{text}, but the new card could not be given; see the log", ok=False))
            return
        text += f"; card {r.replacement.strip().upper()} now belongs to {person.name}"
    app.post_message(ReceptionDone(text, ok=True))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text
