"""The audit log, newest first: who changed what, from where."""

from __future__ import annotations

import json

from textual import on
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from imlate_tui.db import audit
from imlate_tui.db.audit_names import names_for
from imlate_tui.db.models import AuditEntry
from imlate_tui.ui.admin.base import AdminScreen, refill, selected_key

SHOWN = 300


def details_text(e: AuditEntry) -> str:
    """The JSON details as `key: value, …` for people."""
    if not e.details:
        return ""
    try:
        data = json.loads(e.details)
    except ValueError:
        return e.details
    return ", ".join(f"{k}: {v}" for k, v in data.items()) if isinstance(data, dict) else str(data)


class AuditScreen(AdminScreen):
    MODE = "audit"

    def body(self) -> ComposeResult:
        yield Static(f"Audit log (newest first, last {SHOWN}; append-only)", classes="screen-head")
        yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="audit-detail", classes="detail")

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(("When", "at"), ("User", "actor"), ("From", "client"),
                                              ("Action", "action"), ("Target", "target"), ("Details", "details"))
        super().on_mount()

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[str, AuditEntry] = {}
        self.names: dict[str, str] = {}

    def target(self, e: AuditEntry) -> str:
        """The person by name ("Jane Doe (7H)"); other targets ("job:writeback") as they are."""
        return self.names.get(e.target, e.target)

    def reload(self) -> None:
        tz = self.admin.settings.tz
        table = self.query_one(DataTable)
        self.entries = {str(e.id): e for e in audit.recent(SHOWN)}
        self.names = names_for(self.entries.values())
        refill(table, ((key, (f"{e.at.astimezone(tz):%d %b %H:%M:%S}", e.actor, e.client, e.action, self.target(e),
                               details_text(e))) for key, e in self.entries.items()))
        table.focus()
        self._show_detail()

    @on(DataTable.RowHighlighted)
    def _show_detail(self) -> None:
        table = self.query_one(DataTable)
        text = ""
        if (key := selected_key(table)) is not None:
            e = self.entries[key]
            text = (f"{e.action} {self.target(e)} by {e.actor} from {e.client or '-'}: "
                    f"{details_text(e) or 'no details'}")
        self.query_one("#audit-detail", Static).update(text)
