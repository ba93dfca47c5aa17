"""Helpers for the tests/test_admin_*.py modules (imported directly, like kiosk_helpers)."""

from __future__ import annotations

import time
from typing import Callable

from conftest import make_settings
from imlate_tui.db.models import AttendanceIntent, AuditEntry, Card, JobRun, Person, Track
from imlate_tui.ui.admin_app import AdminApp, make_admin_app

OPERATOR = "alice"
VIEWER = "bob"
CLIENT = "203.0.113.7"


def admin_settings(tmp_path, **overrides):
    overrides.setdefault("admin", {"operators": [OPERATOR]})
    return make_settings(tmp_path, **overrides)


def admin_app(settings, clock, user: str = OPERATOR, **kw) -> AdminApp:
    return make_admin_app(settings, clock=clock, user=user, client_address=CLIENT, **kw)


def names(table) -> list[str]:
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


def column(table, index: int) -> list[str]:
    return [str(table.get_row_at(i)[index]) for i in range(table.row_count)]


def text(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


def database_state() -> tuple:
    """Everything an admin could change, to compare before and after a refused attempt."""
    return (
        [(t.id, t.direction, t.note) for t in Track.select().order_by(Track.id)],
        [(c.code, c.person_id) for c in Card.select().order_by(Card.id)],
        [(p.id, p.active) for p in Person.select().order_by(Person.id)],
        [(i.id, i.status, i.next_attempt_at, i.attempts) for i in AttendanceIntent.select().order_by(AttendanceIntent.id)],
        JobRun.select().count(),
        AuditEntry.select().count(),
    )


async def wait_for(pilot, condition: Callable[[], bool], seconds: float, step: float = 0.05) -> float | None:
    """Let the app run until `condition()` holds; the seconds it took, or None when it never did."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if condition():
            return time.monotonic() - start
        await pilot.pause(step)
    return time.monotonic() - start if condition() else None


def record_notifications(app) -> list[tuple[str, str]]:
    """Every notification the app shows from now on, as (message, severity)."""
    said: list[tuple[str, str]] = []
    original = app.notify

    def notify(message, *, title="", severity="information", **kw):
        said.append((str(message), severity))
        return original(message, title=title, severity=severity, **kw)

    app.notify = notify
    return said
