"""The live roster over SSH: in / out / not signed, filters, type-to-search, refreshed on change.

A reload after a change re-reads today's roster (two queries) and, when the same people are listed,
only touches the rows whose status moved, so the cursor and the scroll position stay where they were.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Input, Static

from imlate_tui.db import tracks
from imlate_tui.domain.scanning import Status
from imlate_tui.ui.admin.base import CURSOR_KEYS, SearchedList
from imlate_tui.ui.widgets.roster_table import RosterEntry, RosterFilter, RosterTable

STATUSES: list[Status | None] = [None, Status.SIGNED_IN, Status.SIGNED_OUT, Status.NOT_SIGNED]
STATUS_NAMES = {None: "All", Status.SIGNED_IN: "In", Status.SIGNED_OUT: "Out", Status.NOT_SIGNED: "Not signed"}
WHO: list[str | None] = [None, "student", "staff", "visitor", "inactive"]
WHO_NAMES = {None: "Everyone", "student": "Students", "staff": "Staff", "visitor": "Visitors",
             "inactive": "Inactive"}


def _next(values: list, current):
    return values[(values.index(current) + 1) % len(values)] if current in values else values[0]


@dataclass(frozen=True)
class AdminRosterFilter(RosterFilter):
    """The kiosk's filter plus who: a kind of person, or the people no longer active."""

    who: str | None = None
    inactive_ids: frozenset[int] = frozenset()

    def matches(self, e: RosterEntry, *, ignore_status: bool = False) -> bool:
        inactive = e.person_id in self.inactive_ids
        if (self.who == "inactive") != inactive:
            return False
        if self.who not in (None, "inactive") and e.kind != self.who:
            return False
        return super().matches(e, ignore_status=ignore_status)


def _static_part(e: RosterEntry) -> RosterEntry:
    return replace(e, status=Status.NOT_SIGNED, last_event_at=None, minutes_late=None)


class AdminRosterScreen(SearchedList):
    MODE = "roster"
    BINDINGS = [
        Binding("enter", "open_person", "Person", show=True),
        Binding("f7", "cycle_status", "Status"),
        Binding("f8", "cycle_who", "Who"),
        Binding("f9", "cycle_group", "Year/form"),
    ] + CURSOR_KEYS

    def __init__(self) -> None:
        super().__init__()
        self.day = None

    @property
    def table(self) -> RosterTable:
        return self.query_one(RosterTable)

    def body(self) -> ComposeResult:
        with Horizontal(id="roster-head"):
            yield Static("Today", id="roster-title")
            yield Static(id="counts")
        yield Static(id="filters", classes="line")
        yield Input(placeholder="Search: name, school id or form (7H); Enter shows the person", id="search")
        yield RosterTable(self.admin.settings.tz, id="roster")

    def on_mount(self) -> None:
        self.table.filter = AdminRosterFilter()
        self.query_one("#search", Input).focus()
        super().on_mount()

    def reload(self) -> None:
        day = self.admin.today()
        rows = tracks.roster(day, include_inactive=True)
        inactive = frozenset(r.person.id for r in rows if not r.person.active)
        fresh = {r.person.id: RosterEntry.of(r) for r in rows}
        table = self.table
        roster_filter = table.filter
        assert isinstance(roster_filter, AdminRosterFilter)
        same_people = (day == self.day and fresh.keys() == table.entries.keys() and inactive == roster_filter.inactive_ids
                       and all(_static_part(e) == _static_part(table.entries[pid]) for pid, e in fresh.items()))
        # A status that moved with no new event (someone's only track gone) is not a scan: redraw.
        same_people = same_people and all(e.last_event_at is not None or e.status is table.entries[pid].status
                                          for pid, e in fresh.items())
        if same_people:
            for pid, e in fresh.items():
                old = table.entries[pid]
                # A voided scan can move someone back (even to "not signed", with no last event).
                if (e.status, e.last_event_at) != (old.status, old.last_event_at):
                    table.record(pid, e.status, e.last_event_at, auto=e.auto)
                table.entries[pid] = e   # keeps minutes late current too
        else:
            keep = table.selected_person_id()
            table.filter = replace(roster_filter, inactive_ids=inactive)
            table.load(rows)
            if keep is not None and str(keep) in table.rows:
                table.move_cursor(row=table.get_row_index(str(keep)))
        self.day = day
        self.query_one("#roster-title", Static).update(f"Roster {day:%a %d %b %Y}")
        self._draw_filters()
        self.show_counts()

    @on(RosterTable.CountsChanged)
    def show_counts(self) -> None:
        """The counts from the rows the table holds now, drawn in the same refresh as the rows: the
        table's message arrives a turn of the event loop later and would leave "In 0" beside a
        "Signed In" row until then (CI saw it once)."""
        tables = self.query(RosterTable)
        if not tables:   # the screen is being torn down
            return
        c = tables.first().counts()
        for box in self.query("#counts").results(Static):
            box.update(f"In {c[Status.SIGNED_IN]}  Out {c[Status.SIGNED_OUT]}  Not signed {c[Status.NOT_SIGNED]}")

    @on(Input.Changed, "#search")
    def search(self, event: Input.Changed) -> None:
        self._refilter(text=event.value)

    @on(Input.Submitted, "#search")
    @on(RosterTable.RowSelected)
    def action_open_person(self) -> None:
        from imlate_tui.ui.admin.person import PersonScreen

        person_id = self.table.selected_person_id()
        if person_id is not None:
            self.app.push_screen(PersonScreen(person_id, self.MODE))

    def action_cycle_status(self) -> None:
        self._refilter(status=_next(STATUSES, self.table.filter.status))

    def action_cycle_who(self) -> None:
        self._refilter(who=_next(WHO, self._filter.who))

    def action_cycle_group(self) -> None:
        """All, then Year 7, 7A, 7B, Year 8, 8A… (a year, then each of its forms)."""
        table = self.table
        groups: list[tuple[int | None, str | None]] = [(None, None)]
        for year in table.year_groups():
            groups.append((year, None))
            groups.extend((year, form) for form in table.form_groups(year))
        year, form = _next(groups, (table.filter.year_group, table.filter.form_group))
        self._refilter(year_group=year, form_group=form)

    @property
    def _filter(self) -> AdminRosterFilter:
        return self.table.filter  # type: ignore[return-value]

    def _refilter(self, **changes) -> None:
        self.table.set_filter(replace(self._filter, **changes))
        self._draw_filters()
        self.show_counts()

    def _draw_filters(self) -> None:
        f = self._filter
        group = "All" if f.year_group is None else f"Year {f.year_group}"
        if f.form_group:
            group = f.form_group
        self.query_one("#filters", Static).update(
            f"Status: {STATUS_NAMES[f.status]} (F7)   Who: {WHO_NAMES[f.who]} (F8)   Year/form: {group} (F9)")
