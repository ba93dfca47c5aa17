"""What an operator may do about visitors in `imlate admin`: reprint a badge, retry a host email, keep the
watch list, pre-register a visitor. Operators only (`admin.operators`), each change in the audit log."""

from __future__ import annotations

from datetime import date

from imlate_tui.db import audit
from imlate_tui.db import visitors as q
from imlate_tui.db.connection import write_transaction
from imlate_tui.db.visitor_models import ExpectedVisit, HostNotification, Visit, WatchAlert, WatchEntry
from imlate_tui.errors import InvalidInput
from imlate_tui.services import host_email
from imlate_tui.services.admin_actions import AdminActions
from imlate_tui.services.visitor_badges import PrintOutcome, print_badge
from imlate_tui.services.visitors import Visitors


class VisitorAdmin:
    def __init__(self, actions: AdminActions) -> None:
        self.actions = actions
        self.settings = actions.settings
        self.clock = actions.clock

    def _audit(self, action: str, target: str, **details) -> None:
        audit.record(at=self.clock(), actor=self.actions.user, client=self.actions.client, action=action,
                     target=target, **details)

    def reprint(self, visit_id: int) -> PrintOutcome:
        """Draw and print a visit's badge again. Blocks on the printer: call it from a worker thread."""
        self.actions._require_operator("badge reprint")
        visit = Visit.get_or_none(Visit.id == visit_id)
        if visit is None:
            raise InvalidInput(f"no visit with id {visit_id}")
        outcome = print_badge(visit_id, self.settings)
        with write_transaction():
            self._audit("visitors.reprint", f"visit:{visit_id}", printed=outcome.printed, problem=outcome.problem)
        return outcome

    def retry_email(self, notification_id: int) -> None:
        self.actions._require_operator("host email retry")
        row = HostNotification.get_or_none(HostNotification.id == notification_id)
        if row is None:
            raise InvalidInput(f"no host email with id {notification_id}")
        if row.status not in ("pending", "failed"):
            raise InvalidInput(f"that host email is {row.status}; nothing to retry")
        host_email.retry_now(notification_id, self.clock())
        with write_transaction():
            self._audit("visitors.retry_email", f"notification:{notification_id}", was=row.status)

    def add_watch(self, name: str, organisation: str | None, reason: str) -> WatchEntry:
        self.actions._require_operator("watch-list change")
        name = q.clean(name)
        if not name:
            raise InvalidInput("the name is empty")
        with write_transaction():
            entry = WatchEntry.create(name=name, organisation=q.clean(organisation) or None, reason=reason.strip(),
                                      created_by=self.actions.user, created_at=self.clock())
            self._audit("watch_list.add", f"watch:{entry.id}", name=name, organisation=entry.organisation or "",
                        reason=entry.reason)
        return entry

    def remove_watch(self, entry_id: int) -> WatchEntry:
        self.actions._require_operator("watch-list change")
        with write_transaction():
            entry = WatchEntry.get_or_none((WatchEntry.id == entry_id) & (WatchEntry.active == True))  # noqa: E712
            if entry is None:
                raise InvalidInput("that watch-list entry is not active")
            WatchEntry.update(active=False).where(WatchEntry.id == entry_id).execute()
            self._audit("watch_list.remove", f"watch:{entry_id}", name=entry.name)
        return entry

    def expect(self, name: str, organisation: str, host: str | None, day: date) -> ExpectedVisit:
        self.actions._require_operator("pre-registering a visitor")
        return Visitors(self.settings, self.clock).expect(name, organisation, host, day, actor=self.actions.user)


def host_emails(limit: int = 200) -> list[HostNotification]:
    """Newest first: waiting and failed ones with the rest, so every outcome can be seen."""
    return list(HostNotification.select().order_by(HostNotification.created_at.desc(), HostNotification.id.desc())
                .limit(limit))


def watch_entries() -> list[WatchEntry]:
    return list(WatchEntry.select().where(WatchEntry.active == True).order_by(WatchEntry.name))  # noqa: E712


def recent_alerts(limit: int = 50) -> list[WatchAlert]:
    return list(WatchAlert.select().order_by(WatchAlert.at.desc()).limit(limit))
