"""Today at a glance: late arrivals and early leavers with minutes, reason and their writeback to iSAMS.

Reloaded whenever the database changes (a scan at the kiosk, the writer settling a mark), like the
roster. Filters: late / left early (F7), year or form (F9), and type-to-search by name, school id or
form (/ moves to the search box, Enter or Down back to the list). The list has the keys, so an
operator corrects from here: R a reason, V void the scan; Enter opens the person's day.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from imlate_tui.services.late_list import LateEntry, late_today
from imlate_tui.ui.admin.base import CURSOR_KEYS, SearchedList, refill, selected_key
from imlate_tui.ui.admin.corrections import ask_reason, ask_void

KINDS: list[str | None] = [None, "late", "left", "void"]
KIND_NAMES = {None: "Late and left early", "late": "Late", "left": "Left early",
              "void": "Voided scans (what the MIS was told)"}
STYLES = {"sent": "green", "skipped": "yellow", "failed": "bold red", "pending": "cyan"}
COLUMNS = (("Time", "at"), ("Name", "name"), ("Form", "form"), ("Late", "late"), ("Reason", "reason"),
           ("MIS", "isams"))
"""The last header is the MIS's name on screen (iSAMS or Wonde)."""
NARROW = 70
"""Below this width (a phone over SSH) the list shows time, name, form, minutes and the writeback state
only; the line under the list has the rest for the chosen row."""
COMPACT = (("Time", "at"), ("Name", "name"), ("Form", "form"), ("Late", "late"), ("MIS", "isams"))


@dataclass(frozen=True)
class LateFilter:
    kind: str | None = None
    year_group: int | None = None
    form_group: str | None = None
    text: str = ""

    def matches(self, e: LateEntry) -> bool:
        return e.matches(self.text, self.year_group, self.form_group, self.kind)


def _next(values: list, current):
    return values[(values.index(current) + 1) % len(values)] if current in values else values[0]


class LateScreen(SearchedList):
    MODE = "late"
    BINDINGS = [
        Binding("enter", "open_person", "Person"),
        Binding("slash", "search_box", "Search"),
        Binding("r", "reason", "Reason"),
        Binding("v", "void", "Void scan"),
        Binding("f7", "cycle_kind", "Late/left"),
        Binding("f9", "cycle_group", "Year/form"),
    ] + CURSOR_KEYS

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[LateEntry] = []
        self.shown: dict[str, LateEntry] = {}
        self.filter = LateFilter()
        self.compact: bool | None = None

    @property
    def table(self) -> DataTable:
        return self.query_one("#late-table", DataTable)

    def body(self) -> ComposeResult:
        yield Static(id="late-head", classes="screen-head")
        yield Static(id="late-filters", classes="line")
        yield Input(placeholder="/ to search: name, school id or form (7H); Enter: back to the list",
                    id="late-search")
        yield DataTable(id="late-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="late-detail", classes="detail")

    def on_mount(self) -> None:
        self._fit(self.app.size.width)
        self.table.focus()
        super().on_mount()

    def reload(self) -> None:
        day = self.admin.today()
        self.entries = late_today(day, self.admin.settings, self.admin.clock())
        kinds = Counter(e.kind for e in self.entries)
        states = Counter(e.writeback for e in self.entries if e.writeback != "none" and e.kind != "void")
        wb = ", ".join(f"{states[s]} {s}" for s in ("sent", "skipped", "failed", "pending") if states[s])
        self.query_one("#late-head", Static).update(
            f"Today {day:%a %d %b}: {kinds['late']} late, {kinds['left']} left early"
            + (f" · {self.admin.mis} {wb}" if wb else "") + (f" · {kinds['void']} voided (F7)" if kinds["void"] else ""))
        self._redraw()

    def on_resize(self, event) -> None:
        if self._fit(event.size.width):
            self._redraw()

    def _fit(self, width: int) -> bool:
        """Pick the columns for this width; True when they changed."""
        compact = width < NARROW
        if compact == self.compact:
            return False
        self.compact = compact
        self.table.clear(columns=True)
        columns = COMPACT if compact else COLUMNS
        self.table.add_columns(*columns[:-1], (self.admin.mis, columns[-1][1]))
        return True

    def _cells(self, e: LateEntry) -> tuple:
        tz = self.admin.settings.tz
        late = {"late": f"{e.minutes_late} min", "left": "left"}.get(e.kind, f"void {e.direction}")
        state = Text(e.writeback if self.compact else e.writeback_text, style=STYLES.get(e.writeback, "dim"))
        head = (f"{e.at.astimezone(tz):%H:%M}", e.name, e.form_group or "", late)
        return head + (state,) if self.compact else head + (e.reason or "", state)

    def _redraw(self) -> None:
        self.shown = {str(e.track_id): e for e in self.entries if self.filter.matches(e)}
        refill(self.table, ((key, self._cells(e)) for key, e in self.shown.items()))
        f = self.filter
        group = f.form_group or ("All" if f.year_group is None else f"Year {f.year_group}")
        self.query_one("#late-filters", Static).update(
            f"Show: {KIND_NAMES[f.kind]} (F7)   Year/form: {group} (F9)   {len(self.shown)} listed")
        self._show_detail()

    @on(DataTable.RowHighlighted)
    def _show_detail(self) -> None:
        e = self.selected
        text = "Nobody late or leaving early" + (" matches." if self.entries else " yet today.")
        if e is not None:
            tz = self.admin.settings.tz
            who = ", ".join(x for x in (e.form_group, e.school_id) if x)
            what = {"late": f"signed in {e.at.astimezone(tz):%H:%M}, {e.minutes_late} min late",
                    "left": f"left early at {e.at.astimezone(tz):%H:%M}"}.get(
                e.kind, f"the sign-{e.direction} at {e.at.astimezone(tz):%H:%M} was voided")
            text = (f"{e.name} ({who}): {what}; reason: {e.reason or 'none'}. iSAMS: {e.writeback_text}"
                    + (f" — {e.summary}" if e.writeback in ("sent", "pending") and e.summary else ""))
        self.query_one("#late-detail", Static).update(text)

    @property
    def selected(self) -> LateEntry | None:
        key = selected_key(self.table)
        return self.shown.get(key) if key is not None else None

    @on(Input.Changed, "#late-search")
    def search(self, event: Input.Changed) -> None:
        self.filter = replace(self.filter, text=event.value)
        self._redraw()

    def action_cycle_kind(self) -> None:
        self.filter = replace(self.filter, kind=_next(KINDS, self.filter.kind))
        self._redraw()

    def action_cycle_group(self) -> None:
        """All, then Year 7, 7A, 7B, Year 8… (years and forms that have someone on the list)."""
        groups: list[tuple[int | None, str | None]] = [(None, None)]
        for year in sorted({e.year_group for e in self.entries if e.year_group is not None}):
            groups.append((year, None))
            groups += [(year, f) for f in sorted({e.form_group for e in self.entries
                                                  if e.year_group == year and e.form_group})]
        year, form = _next(groups, (self.filter.year_group, self.filter.form_group))
        self.filter = replace(self.filter, year_group=year, form_group=form)
        self._redraw()

    def action_search_box(self) -> None:
        self.query_one("#late-search", Input).focus()

    @on(Input.Submitted, "#late-search")
    def back_to_list(self) -> None:
        self.table.focus()

    def on_key(self, event) -> None:
        if event.key in ("down", "escape") and self.query_one("#late-search", Input).has_focus:
            event.stop()
            self.table.focus()

    @on(DataTable.RowSelected)
    def action_open_person(self) -> None:
        from imlate_tui.ui.admin.person import PersonScreen

        if (e := self.selected) is not None:
            self.app.push_screen(PersonScreen(e.person_id, self.MODE))

    def action_reason(self) -> None:
        if (e := self.selected) is not None:   # ask_reason tells a read-only user why not
            ask_reason(self.admin, e.track_id, e.name, e.direction, e.at, e.reason)

    def action_void(self) -> None:
        if (e := self.selected) is not None:
            ask_void(self.admin, e.track_id, e.name, e.direction, e.at)
