"""Visitors in `imlate admin` (F12; the roster uses F7-F9 for its filters): who is on site, who is expected, the host emails and how each went,
the watch list. Keys switch the list: O on site, E expected, M host emails, W watch list.
Operators: P reprints the highlighted visitor's badge, A adds (expected visitor / watch-list name),
D removes a watch-list name, R retries a host email. Every change is audit-logged.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from imlate_tui.db import visitors as q
from imlate_tui.services.visitor_admin import VisitorAdmin, host_emails, recent_alerts, watch_entries
from imlate_tui.ui.admin.base import AdminScreen, refill, selected_key
from imlate_tui.ui.admin.dialogs import ConfirmDialog, NoteDialog

VIEWS = {
    "onsite": ("Visitors on site", [("Since", "at"), ("Name", "name"), ("Organisation", "org"), ("Type", "type"),
                                    ("Host", "host"), ("Badge", "badge"), ("Printed", "printed")]),
    "expected": ("Expected today", [("Name", "name"), ("Organisation", "org"), ("Host", "host"), ("Type", "type"),
                                    ("Arrived", "arrived")]),
    "emails": ("Host emails", [("Queued", "at"), ("To", "to"), ("Status", "status"), ("Tries", "tries"),
                               ("Visitor", "subject"), ("Last error", "error")]),
    "watch": ("Watch list", [("Name", "name"), ("Organisation", "org"), ("Reason", "reason"), ("Added by", "by")]),
}
STATUS_STYLE = {"sent": "green", "pending": "yellow", "failed": "bold red", "skipped": "dim"}


class VisitorsScreen(AdminScreen):
    MODE = "visitors"
    BINDINGS = [
        Binding("o", "view('onsite')", "On site"),
        Binding("e", "view('expected')", "Expected"),
        Binding("m", "view('emails')", "Host emails"),
        Binding("w", "view('watch')", "Watch list"),
        Binding("p", "reprint", "Reprint badge"),
        Binding("a", "add", "Add"),
        Binding("d", "remove", "Remove"),
        Binding("r", "retry", "Retry email"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view = "onsite"
        self.rows: dict[str, object] = {}

    @property
    def visitor_admin(self) -> VisitorAdmin:
        return VisitorAdmin(self.admin.actions)

    def body(self) -> ComposeResult:
        yield Static(id="visitors-head", classes="screen-head")
        yield DataTable(id="visitors-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="visitors-detail", classes="detail")

    def action_view(self, view: str) -> None:
        self.view = view
        self.reload()

    def reload(self) -> None:
        title, columns = VIEWS[self.view]
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns(*columns)
        rows = getattr(self, f"_rows_{self.view}")()
        self.rows = {key: item for key, item, _cells in rows}
        refill(table, ((key, cells) for key, _item, cells in rows))
        keys = "O on site  E expected  M host emails  W watch list"
        self.query_one("#visitors-head", Static).update(f"{title}: {len(rows)}    {keys}")
        table.focus()
        self._detail()

    def _local(self, at) -> str:
        return f"{at.astimezone(self.admin.settings.tz):%d %b %H:%M}" if at else ""

    def _rows_onsite(self):
        out = []
        for person, visit, at in q.visitors_on_site(self.admin.today()):
            cells = (f"{at.astimezone(self.admin.settings.tz):%H:%M}", person.display_name,
                     visit.organisation if visit else "", visit.visit_type if visit else "",
                     visit.host_name if visit else "", visit.badge_code if visit else (q.badge_of(person) or ""),
                     ("yes" if visit.badge_printed else Text("no", style="bold red")) if visit else "")
            out.append((str(visit.id if visit else f"p{person.id}"), visit, cells))
        return out

    def _rows_expected(self):
        return [(str(e.id), e, (e.name, e.organisation, e.host.display_name if e.host_id else "", e.visit_type,
                                "yes" if e.arrived_visit_id else "not yet"))
                for e in q.expected_on(self.admin.today(), waiting_only=False)]

    def _rows_emails(self):
        return [(str(n.id), n, (self._local(n.created_at), n.to_address or "-",
                                Text(n.status, style=STATUS_STYLE.get(n.status, "")), str(n.attempts),
                                n.subject.removeprefix("Your visitor has arrived: "), (n.last_error or "")[:40]))
                for n in host_emails()]

    def _rows_watch(self):
        return [(str(w.id), w, (w.name, w.organisation or "any", w.reason[:40], w.created_by))
                for w in watch_entries()]

    @on(DataTable.RowHighlighted)
    def _detail(self) -> None:
        item = self.rows.get(selected_key(self.query_one(DataTable)) or "")
        text = ""
        if self.view == "onsite" and item is not None:
            text = (f"Badge: {'printed' if item.badge_printed else 'NOT printed: ' + (item.print_error or 'not tried')}"
                    f"   Car: {item.car_registration or '-'}   P: reprint")
        elif self.view == "emails" and item is not None:
            text = f"{item.subject} -> {item.to_address or 'nobody'}: {item.status}. {item.last_error or ''}  R: retry"
        elif self.view == "watch":
            alerts = recent_alerts(3)
            text = "A: add a name   D: remove the highlighted one.  Recent alerts: " + (
                "; ".join(f"{a.name} {self._local(a.at)} {a.decision}" for a in alerts) or "none")
        elif self.view == "expected":
            text = "A: expect a visitor (name, organisation, host, date)"
        self.query_one("#visitors-detail", Static).update(text)

    def _selected(self):
        return self.rows.get(selected_key(self.query_one(DataTable)) or "")

    # -- changes ------------------------------------------------------------------------------------

    def action_reprint(self) -> None:
        visit = self._selected()
        if self.view != "onsite" or visit is None or not self.admin.operator_only():
            return
        self.notify("Reprinting the badge…")
        self._reprint(visit.id)

    @work(thread=True, group="reprint")
    def _reprint(self, visit_id: int) -> None:
        from imlate_tui.db.connection import database

        with database.connection_context():
            try:
                outcome = self.visitor_admin.reprint(visit_id)
            except Exception as exc:  # one sentence on screen, details in the log
                self.app.call_from_thread(self.notify, str(exc), severity="error")
                return
        self.app.call_from_thread(self.notify, "Badge printed" if outcome.printed else f"Not printed: {outcome.problem}",
                                  severity="information" if outcome.printed else "error")
        self.app.call_from_thread(self.admin.data_changed)

    def action_retry(self) -> None:
        note = self._selected()
        if self.view != "emails" or note is None or not self.admin.operator_only():
            return
        self.admin.attempt(lambda: self.visitor_admin.retry_email(note.id),
                           lambda _: "queued again; the notifications job sends it within a minute")

    def action_remove(self) -> None:
        entry = self._selected()
        if self.view != "watch" or entry is None or not self.admin.operator_only():
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.admin.attempt(lambda: self.visitor_admin.remove_watch(entry.id),
                                   lambda e: f"{e.name} removed from the watch list")

        self.app.push_screen(ConfirmDialog(f"Remove {entry.name} from the watch list?"), answered)

    def action_add(self) -> None:
        if self.view not in ("watch", "expected") or not self.admin.operator_only():
            return
        answers: list[str] = []
        if self.view == "watch":
            questions = [("Watch list: the person's full name", "name"),
                         ("Organisation (empty: any)", "organisation"), ("Reason (kept with the entry)", "reason")]

            def finish() -> None:
                self.admin.attempt(lambda: self.visitor_admin.add_watch(*answers),
                                   lambda e: f"{e.name} added to the watch list")
        else:
            questions = [("Expected visitor: full name", "name"), ("Organisation", "organisation"),
                         ("Host: staff name or email", "host"), ("Date YYYY-MM-DD (empty: today)", "date")]

            def finish() -> None:
                name, org, host, day = answers
                self.admin.attempt(lambda: self.visitor_admin.expect(name, org, host or None, _day(day, self.admin)),
                                   lambda e: f"{e.name} expected on {e.local_date:%d %b}")

        def ask(index: int) -> None:
            if index == len(questions):
                finish()
                return
            title, placeholder = questions[index]

            def answered(text: str | None) -> None:
                if text is not None:
                    answers.append(text)
                    ask(index + 1)

            self.app.push_screen(NoteDialog(title, placeholder), answered)

        ask(0)


def _day(text: str, admin) -> date:
    from imlate_tui.errors import InvalidInput

    if not text:
        return admin.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"expected a date as YYYY-MM-DD, got {text!r}") from None
