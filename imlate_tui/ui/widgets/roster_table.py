"""Today's roster as a table that filters in memory and updates one row when a scan arrives.

Shared by the kiosk and the SSH admin app. Everyone's state lives in `entries`; the table shows the
ones that pass the filter. A scan updates the cells of one row (or adds/removes that row when the
filter says so); only a filter change redraws the table.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Iterable
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from imlate_tui.db.tracks import RosterRow
from imlate_tui.domain import search
from imlate_tui.domain.scanning import Status
from imlate_tui.services.roster import AUTO_MARK, STATUS_LABELS

# ANSI colour names survive the 16-colour console unchanged.
_STATUS_STYLES = {Status.SIGNED_IN: "bold green", Status.SIGNED_OUT: "yellow", Status.NOT_SIGNED: "dim"}
COLUMNS = (("Name", "name"), ("Status", "status"), ("Last event", "last"), ("Year", "year"), ("Form", "form"))


@dataclass(frozen=True)
class RosterEntry:
    person_id: int
    name: str
    kind: str
    year_group: int | None
    form_group: str | None
    status: Status
    last_event_at: datetime | None
    minutes_late: int | None = None
    school_id: str | None = None
    auto: bool = False
    """Signed out by the auto-signout job (shown as "Signed Out (auto)")."""

    @classmethod
    def of(cls, row: RosterRow) -> "RosterEntry":
        p = row.person
        return cls(p.id, p.display_name, p.kind, p.year_group, p.form_group, row.status, row.last_event_at,
                   row.minutes_late, p.school_id, row.auto_signed_out)


@dataclass(frozen=True)
class RosterFilter:
    status: Status | None = None
    year_group: int | None = None
    form_group: str | None = None
    text: str = ""

    def matches(self, e: RosterEntry, *, ignore_status: bool = False) -> bool:
        if not ignore_status and self.status is not None and e.status is not self.status:
            return False
        if self.year_group is not None and e.year_group != self.year_group:
            return False
        if self.form_group is not None and e.form_group != self.form_group:
            return False
        return search.matches(self.text, name=e.name, school_id=e.school_id, form_group=e.form_group)


class RosterTable(DataTable):
    """Call `load()` once, then `record()` for each scan and `set_filter()` when the filter changes."""

    @dataclass
    class CountsChanged(Message):
        counts: dict[Status, int]

    def __init__(self, tz: ZoneInfo, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.tz = tz
        self.entries: dict[int, RosterEntry] = {}
        self.filter = RosterFilter()

    def on_mount(self) -> None:
        self.add_columns(*COLUMNS)

    def load(self, rows: Iterable[RosterRow]) -> None:
        self.entries = {r.person.id: RosterEntry.of(r) for r in rows}
        self._redraw()

    def set_filter(self, roster_filter: RosterFilter) -> None:
        self.filter = roster_filter
        self._redraw()

    def record(self, person_id: int, status: Status, at: datetime | None, *, name: str = "", kind: str = "",
               year_group: int | None = None, form_group: str | None = None, auto: bool = False) -> None:
        """A new track for one person: update their row in place."""
        old = self.entries.get(person_id)
        if old is None:  # someone added since the roster was loaded
            old = RosterEntry(person_id, name, kind, year_group, form_group, Status.NOT_SIGNED, None)
        entry = replace(old, status=status, last_event_at=at, auto=auto)
        self.entries[person_id] = entry
        key = str(person_id)
        shown = key in self.rows
        if self.filter.matches(entry):
            if shown:
                self.update_cell(key, "status", self._status_cell(entry))
                self.update_cell(key, "last", self._time_cell(entry))
            else:
                self.add_row(*self._cells(entry), key=key)
        elif shown:
            self.remove_row(key)
        self._post_counts()

    def counts(self) -> dict[Status, int]:
        """In / out / not signed among the people the year, form and name filters select."""
        counts = dict.fromkeys(Status, 0)
        for e in self.entries.values():
            if self.filter.matches(e, ignore_status=True):
                counts[e.status] += 1
        return counts

    def selected_person_id(self) -> int | None:
        if not self.row_count:
            return None
        key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return int(key.value) if key.value is not None else None

    def year_groups(self) -> list[int]:
        return sorted({e.year_group for e in self.entries.values() if e.year_group is not None})

    def form_groups(self, year_group: int | None = None) -> list[str]:
        return sorted({e.form_group for e in self.entries.values()
                       if e.form_group and (year_group is None or e.year_group == year_group)})

    def _redraw(self) -> None:
        self.clear()
        self._add_rows([(str(e.person_id), self._cells(e)) for e in self.entries.values()
                                 if self.filter.matches(e)])
        self._post_counts()

    def _add_rows(self, rows: list[tuple[str, tuple]]) -> None:
        for key, cells in rows:
            self.add_row(*cells, key=key)

    def _cells(self, e: RosterEntry) -> tuple:
        return (e.name, self._status_cell(e), self._time_cell(e),
                "" if e.year_group is None else str(e.year_group), e.form_group or "")

    def _status_cell(self, e: RosterEntry) -> Text:
        return Text(STATUS_LABELS[e.status] + (AUTO_MARK if e.auto else ""), style=_STATUS_STYLES[e.status])

    def _time_cell(self, e: RosterEntry) -> str:
        return e.last_event_at.astimezone(self.tz).strftime("%H:%M") if e.last_event_at else ""

    def _post_counts(self) -> None:
        self.post_message(self.CountsChanged(self.counts()))
