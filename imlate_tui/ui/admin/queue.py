"""The writeback queue: attendance marks not yet delivered to iSAMS (failed first), with retry."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from imlate_tui.db import attendance
from imlate_tui.db.models import AttendanceIntent
from imlate_tui.services.admin_actions import writeback_queue
from imlate_tui.ui.admin.base import AdminScreen, refill, selected_key
from imlate_tui.ui.admin.person import ABSENCE_NOTE


class QueueScreen(AdminScreen):
    MODE = "queue"
    BINDINGS = [
        Binding("r", "retry", "Retry now"),
        Binding("enter", "open_person", "Person"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.intents: dict[str, AttendanceIntent] = {}

    def body(self) -> ComposeResult:
        yield Static(id="queue-head", classes="screen-head")
        yield DataTable(id="queue-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="queue-detail", classes="detail")
        yield Static(ABSENCE_NOTE.format(mis=self.admin.mis), classes="note")

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(("Event", "at"), ("Person", "name"), ("", "dir"),
                                              ("Status", "status"), ("Tries", "attempts"), ("Next try", "next"),
                                              ("Summary", "summary"))
        super().on_mount()

    def reload(self) -> None:
        counts = attendance.counts_by_status()
        self.intents = {str(i.id): i for i in writeback_queue()}
        self.query_one("#queue-head", Static).update(
            f"Writeback queue: {counts.get('failed', 0)} failed, {counts.get('pending', 0)} pending   "
            f"(sent {counts.get('sent', 0)}, skipped {counts.get('skipped', 0)})   Enter: the person's day")
        table = self.query_one(DataTable)
        refill(table, ((key, self._cells(i)) for key, i in self.intents.items()))
        table.focus()
        self._show_detail()

    def _cells(self, i: AttendanceIntent) -> tuple:
        today = self.admin.today()
        status = Text(i.status, style="bold red" if i.status == "failed" else "yellow")
        nxt = "" if i.status == "failed" else self._when(i.next_attempt_at, today)
        return (self._when(i.event_at, today), i.person.display_name, i.direction.upper(), status,
                str(i.attempts), nxt, i.summary or "")

    def _when(self, at: datetime, today) -> str:
        local = at.astimezone(self.admin.settings.tz)
        return f"{local:%H:%M}" if local.date() == today else f"{local:%d %b %H:%M}"

    @on(DataTable.RowHighlighted)
    def _show_detail(self) -> None:
        key = selected_key(self.query_one(DataTable))
        text = "Nothing waiting: every attendance mark has been delivered." if key is None else ""
        if key is not None:
            i = self.intents[key]
            text = f"{i.person.display_name}: {i.summary or 'not tried yet'}"
        self.query_one("#queue-detail", Static).update(text)

    def action_retry(self) -> None:
        key = selected_key(self.query_one(DataTable))
        if not self.admin.operator_only() or key is None:
            return
        name = self.intents[key].person.display_name
        self.admin.attempt(lambda: self.admin.actions.retry_intent(int(key)),
                           lambda _: f"{name}: queued again; the writer sends it within a minute")

    @on(DataTable.RowSelected)
    def action_open_person(self) -> None:
        from imlate_tui.ui.admin.person import PersonScreen

        if (key := selected_key(self.query_one(DataTable))) is not None:
            self.app.push_screen(PersonScreen(self.intents[key].person_id, self.MODE))
