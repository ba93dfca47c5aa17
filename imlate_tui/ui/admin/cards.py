"""A person's cards in the admin view: revoke a lost one, give a replacement (operators only).

Opened with `k` from the person screen. Every change goes through `AdminActions` (refused for
anyone not in `admin.operators`, audit-logged with the OS user and SSH client).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from imlate_tui.db import card_book
from imlate_tui.db.models import Person
from imlate_tui.ui.admin.dialogs import CardDialog, NoteDialog

if TYPE_CHECKING:
    from imlate_tui.ui.admin_app import AdminApp

HINTS = "R: revoke (lost)  N: new card  Esc: back"


class CardsDialog(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "Back"),
        Binding("r", "revoke", "Revoke"),
        Binding("n", "new_card", "New card"),
    ]

    def __init__(self, person_id: int) -> None:
        super().__init__()
        self.person_id = person_id
        self.name_text = ""

    @property
    def admin(self) -> "AdminApp":
        return cast("AdminApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(id="title")
            yield OptionList(id="cards")
            yield Static(HINTS, classes="hints")

    def on_mount(self) -> None:
        self.reload()
        self.query_one(OptionList).focus()

    def reload(self) -> None:
        person = Person.get_or_none(Person.id == self.person_id)
        if person is None:
            self.dismiss(None)
            return
        self.name_text = person.display_name
        rows = card_book.card_rows(person)
        tz = self.admin.settings.tz
        self.query_one("#title", Static).update(f"Cards of {person.display_name}")
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        options.clear_options()
        for r in rows:
            when = r.since.astimezone(tz).strftime("%d %b %Y")
            label = (f"{r.code}  in use since {when}" if r.status == "active" else
                     f"{r.code}  REVOKED {when} by {r.by}")
            options.add_option(Option(label, id=r.code if r.status == "active" else None,
                                      disabled=r.status != "active"))
        active = [i for i, r in enumerate(rows) if r.status == "active"]
        if not active:
            options.add_option(Option("No card in use: N gives one", disabled=True))
        if active:
            options.highlighted = highlighted if highlighted in active else active[0]

    def selected_code(self) -> str | None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return None
        option = options.get_option_at_index(options.highlighted)
        return None if option.disabled else option.id

    def action_close(self) -> None:
        self.dismiss(None)

    def action_revoke(self) -> None:
        code = self.selected_code()
        if code is None:
            self.notify("No card in use to revoke", severity="warning")
            return
        if not self.admin.operator_only():
            return
        name = self.name_text

        def done(note: str | None) -> None:
            if note is not None and self.admin.attempt(
                    lambda: self.admin.actions.revoke_card(self.person_id, code, note),
                    lambda _: f"Card {code} revoked: scanned, it now says it was reported lost"):
                self.reload()

        self.app.push_screen(NoteDialog(f"Revoke {name}'s card {code}? It stops working at once.",
                                        "Why (e.g. lost on the bus), then Enter; Esc: keep it"), done)

    def action_new_card(self) -> None:
        if not self.admin.operator_only():
            return
        name = self.name_text

        def done(code: str | None) -> None:
            if code and self.admin.attempt(lambda: self.admin.actions.assign_card(self.person_id, code),
                                           lambda _: f"Card {code.strip().upper()} now belongs to {name}"):
                self.reload()

        self.app.push_screen(CardDialog(f"Give {name} a new card"), done)


def open_cards(app: "AdminApp", person_id: int) -> None:
    app.push_screen(CardsDialog(person_id))
