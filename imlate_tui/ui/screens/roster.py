"""Today's roster for the receptionist: filters, type-to-search, counts, live updates from scans."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, tzinfo

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Static

from imlate_tui.db.connection import database
from imlate_tui.domain.scanning import Status
from imlate_tui.services import roster as roster_service
from imlate_tui.services.reception import PersonMatch
from imlate_tui.services.scanning import PersonView
from imlate_tui.ui.resilience import KeepsRunning
from imlate_tui.ui.widgets import RosterTable

STATUS_CYCLE: list[Status | None] = [None, Status.SIGNED_IN, Status.SIGNED_OUT, Status.NOT_SIGNED]
_STATUS_NAMES = {None: "All", Status.SIGNED_IN: "In", Status.SIGNED_OUT: "Out", Status.NOT_SIGNED: "Not signed"}


def _next(values: list, current):
    return values[(values.index(current) + 1) % len(values)] if current in values else values[0]


class RosterScreen(KeepsRunning, Screen[None]):
    """Opened behind the PIN; closes itself when left idle (the app's `kiosk.unlock_timeout_seconds`)."""

    @dataclass
    class ManualMove(Message):
        """The receptionist chose a row: sign this person in/out by hand (the app opens the picker)."""

        person: PersonMatch

    @dataclass
    class Loaded(Message):
        rows: list

    BINDINGS = [
        Binding("escape", "close", "Back", show=False),
        Binding("f5", "cycle_status", "Status", show=False),
        Binding("f6", "cycle_year", "Year", show=False),
        Binding("f7", "cycle_form", "Form", show=False),
        Binding("down", "cursor(1)", show=False),
        Binding("up", "cursor(-1)", show=False),
    ]

    def __init__(self, day: date, tz: tzinfo) -> None:
        super().__init__()
        self.day = day
        self.tz = tz
        self._early: list[tuple[PersonView, Status, object]] | None = []  # tracks seen before the load

    @property
    def table(self) -> RosterTable:
        return self.query_one(RosterTable)

    def compose(self) -> ComposeResult:
        with Horizontal(id="roster-head"):
            yield Static(f"Today's roster  {self.day:%a %d %b %Y}", id="roster-title")
            yield Static(id="counts")
        yield Static(id="filters")
        yield Input(placeholder="Type a name to search", id="search")
        yield RosterTable(self.tz, id="roster")
        yield Static("Up/Down choose  Enter sign in/out by hand  F5 status  F6 year  F7 form  Esc back",
                     classes="hints")

    def on_mount(self) -> None:
        self._draw_filters()
        self.show_counts()
        self.query_one("#search", Input).focus()
        self.load_roster()

    @work(thread=True, exclusive=True, group="roster")
    def load_roster(self) -> None:
        with database.connection_context():
            rows = roster_service.roster(self.day)
        self.post_message(self.Loaded(rows))  # not call_from_thread: that blocks if the screen closes

    def on_roster_screen_loaded(self, message: Loaded) -> None:
        self.table.load(message.rows)
        early, self._early = self._early or [], None
        for person, status, at in early:  # the read may have missed a scan recorded meanwhile
            self.record(person, status, at)

    def record(self, person: PersonView, status: Status, at) -> None:
        if self._early is not None:
            self._early.append((person, status, at))
        self.table.record(person.id, status, at, name=person.name, kind=person.kind,
                          year_group=person.year_group, form_group=person.form_group)
        self.show_counts()

    @on(RosterTable.CountsChanged)
    def show_counts(self) -> None:
        """Counts from the table's rows as they are now, in the same refresh as the rows (the
        table's message comes a turn of the event loop later)."""
        tables = self.query(RosterTable)
        if not tables:   # the screen is being torn down
            return
        c = tables.first().counts()
        line = f"In {c[Status.SIGNED_IN]}   Out {c[Status.SIGNED_OUT]}   Not signed {c[Status.NOT_SIGNED]}"
        for box in self.query("#counts").results(Static):  # none while the screen is being torn down
            box.update(line)

    @on(Input.Changed, "#search")
    def search(self, event: Input.Changed) -> None:
        self._refilter(text=event.value)

    @on(Input.Submitted, "#search")
    @on(RosterTable.RowSelected)
    def manual_move(self) -> None:
        person_id = self.table.selected_person_id()
        if person_id is None:
            return
        e = self.table.entries[person_id]
        view = PersonView(id=e.person_id, name=e.name, school_id=None, kind=e.kind, year_group=e.year_group,
                          form_group=e.form_group, photo_path=None)
        self.post_message(self.ManualMove(PersonMatch(view, e.status)))

    def action_cursor(self, step: int) -> None:
        if step > 0:
            self.table.action_cursor_down()
        else:
            self.table.action_cursor_up()

    def action_cycle_status(self) -> None:
        self._refilter(status=_next(STATUS_CYCLE, self.table.filter.status))

    def action_cycle_year(self) -> None:
        years: list[int | None] = [None, *self.table.year_groups()]
        self._refilter(year_group=_next(years, self.table.filter.year_group), form_group=None)

    def action_cycle_form(self) -> None:
        forms: list[str | None] = [None, *self.table.form_groups(self.table.filter.year_group)]
        self._refilter(form_group=_next(forms, self.table.filter.form_group))

    def action_close(self) -> None:
        if self.is_current:
            self.dismiss(None)

    def _refilter(self, **changes) -> None:
        f = self.table.filter
        self.table.set_filter(replace(f, **changes))
        self._draw_filters()
        self.show_counts()

    def _draw_filters(self) -> None:
        f = self.table.filter
        year = "All" if f.year_group is None else str(f.year_group)
        self.query_one("#filters", Static).update(
            f"Status: {_STATUS_NAMES[f.status]} (F5)   Year: {year} (F6)   Form: {f.form_group or 'All'} (F7)")
