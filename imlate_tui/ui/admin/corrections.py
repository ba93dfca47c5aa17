"""Asking for a correction and making it: shared by the late list and a person's page.

Each asks "why" (it goes to the audit log with the user and the time) and then goes through
`AdminActions`, which refuses anyone not in `admin.operators` whatever the screen offered.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from imlate_tui.domain.scanning import Direction
from imlate_tui.errors import InvalidInput
from imlate_tui.ui.admin.correction_dialogs import FieldsDialog, reason_from

if TYPE_CHECKING:
    from imlate_tui.ui.admin_app import AdminApp

VOID_NOTE = ("The scan is kept, marked void: it no longer counts for in/out, rosters or reports. A mark ImLate "
             "wrote to iSAMS for it is taken back where iSAMS still shows it; the person's page says when not.")


def _what(direction: str, at: datetime, app: "AdminApp") -> str:
    return f"sign-{direction} at {at.astimezone(app.settings.tz):%H:%M}"


def ask_reason(app: "AdminApp", track_id: int, name: str, direction: str, at: datetime,
               current: str | None) -> None:
    if not app.operator_only():
        return
    reasons = app.settings.attendance.reasons
    offered = list(reasons.late if direction == "in" else reasons.leaving)
    listed = "  ".join(f"{n}: {r}" for n, r in enumerate(offered, 1))
    note = f"Now: {current or 'no reason'}.  {listed}"

    def done(texts: list[str] | None) -> None:
        if texts:
            reason = reason_from(texts[0], offered)
            app.attempt(lambda: app.actions.correct_reason(track_id, reason, texts[1]), lambda c: c.message)

    app.push_screen(FieldsDialog(f"Reason for {name}'s {_what(direction, at, app)}",
                                 [("Reason (a number above, or type one)", True),
                                  ("Why (who told you, e.g. mother phoned 09:10)", True)], note=note), done)


def ask_void(app: "AdminApp", track_id: int, name: str, direction: str, at: datetime) -> None:
    if not app.operator_only():
        return

    def done(texts: list[str] | None) -> None:
        if texts:
            app.attempt(lambda: app.actions.void_track(track_id, texts[0]), lambda c: c.message)

    app.push_screen(FieldsDialog(f"Void {name}'s {_what(direction, at, app)}?",
                                 [("Why (e.g. a friend scanned the card)", True)], note=VOID_NOTE), done)


def ask_sign_at(app: "AdminApp", person_id: int, name: str) -> None:
    """A sign-in or sign-out at an earlier time today (it really happened then), with why."""
    if not app.operator_only():
        return

    def done(texts: list[str] | None) -> None:
        if texts is None:
            return
        way, when, why = texts
        move = {"i": Direction.IN, "in": Direction.IN, "o": Direction.OUT, "out": Direction.OUT}.get(way.lower())
        if move is None:
            app.notify(f"{way!r}: type i (sign in) or o (sign out)", severity="error", timeout=8)
            return
        from imlate_tui.services.corrections import parse_time_today

        try:
            at = parse_time_today(when)
        except InvalidInput as exc:
            app.notify(str(exc)[:1].upper() + str(exc)[1:], severity="error", timeout=8)
            return
        app.attempt(lambda: app.actions.sign_at(person_id, move, at, why),
                    lambda r: f"{r.message} at {r.at.astimezone(app.settings.tz):%H:%M}")

    app.push_screen(FieldsDialog(f"Sign {name} in or out at an earlier time today",
                                 [("In or out? i / o", True), ("Time today, HH:MM", True),
                                  ("Why (e.g. lost card, arrived 08:35 with mother)", True)]), done)
