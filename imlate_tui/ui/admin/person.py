"""One person's day: tracks with minutes late and reasons, attendance intents, register decisions.

The same queries as `imlate attendance show`, drawn for the screen. The operator's keys (sign in/out
with a note, assign a card, activate) live here; everyone else is told they are read-only.
"""

from __future__ import annotations

import json

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from imlate_tui.db import attendance, people, tracks
from imlate_tui.db.models import Person
from imlate_tui.domain.scanning import Direction, LastTrack, MoveRefused, check_manual_move, status_of
from imlate_tui.services.roster import STATUS_LABELS
from imlate_tui.ui.admin.base import AdminScreen
from imlate_tui.ui.admin.correction_dialogs import TrackPicker
from imlate_tui.ui.admin.corrections import ask_reason, ask_sign_at, ask_void
from imlate_tui.ui.admin.dialogs import CardDialog, ConfirmDialog, NoteDialog

ABSENCE_NOTE = ("Absence marks written by ImLate's absence-marking job are not undone here: correct them in "
                "{mis} (a late sign-in replaces the O mark).")


def sent_fields(body: str | None) -> str:
    if not body:
        return ""
    return " ".join(f"{k}={v}" for k, v in json.loads(body).items())


class PersonScreen(AdminScreen):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("i", "sign('in')", "In"),
        Binding("o", "sign('out')", "Out"),
        Binding("c", "assign_card", "Card"),
        Binding("a", "toggle_active", "Active"),
        Binding("k", "cards", "Cards (lost)"),
        Binding("t", "sign_at", "Earlier"),
        Binding("r", "reason", "Reason"),
        Binding("v", "void", "Void"),
    ]

    def __init__(self, person_id: int, mode: str) -> None:
        super().__init__()
        self.person_id = person_id
        self.MODE = mode
        self.person: Person | None = None
        self.day_tracks: list = []
        self.last: LastTrack | None = None

    def body(self) -> ComposeResult:
        yield Static(id="person-head", classes="screen-head")
        with VerticalScroll(id="person-body"):
            yield Static(id="person-day")

    def reload(self) -> None:
        tz = self.admin.settings.tz
        day = self.admin.today()
        self.person = p = Person.get_or_none(Person.id == self.person_id)
        head = self.query_one("#person-head", Static)
        if p is None:
            head.update("This person no longer exists")
            return
        self.day_tracks = tracks.tracks_of(p.id, day, include_void=True)
        day_tracks = [t for t in self.day_tracks if t.voided_at is None]
        self.last = LastTrack(Direction(day_tracks[-1].direction), day_tracks[-1].at) if day_tracks else None
        status = status_of(self.last)
        group = " ".join(x for x in (f"year {p.year_group}" if p.year_group is not None else "", p.form_group or "") if x)
        head.update(f"{p.display_name} · {p.kind}{' · ' + group if group else ''}"
                    f"{' · ' + p.school_id if p.school_id else ''} · {STATUS_LABELS[status]}"
                    f"{'' if p.active else ' · INACTIVE'}")
        out = Text()
        cards = people.cards_of(p)
        out.append(f"Cards: {', '.join(cards) if cards else 'none'}\n")
        out.append(f"{day:%A %d %B %Y}\n\n", style="bold")
        out.append("Tracks\n" if self.day_tracks else "Tracks: none today\n", style="bold")
        for t in self.day_tracks:
            out.append(f"  {t.at.astimezone(tz):%H:%M:%S} {t.direction.upper():<3} {t.source:<8}",
                       style="strike dim" if t.voided_at else "")
            if t.minutes_late:
                out.append(f" {t.minutes_late} min late", style="yellow")
            if t.reason:
                out.append(f"  reason: {t.reason}")
            if t.actor:
                out.append(f"  by {t.actor}")
            if t.note:
                out.append(f"  note: {t.note}")
            if t.voided_at:
                out.append(f"  VOID by {t.voided_by} at {t.voided_at.astimezone(tz):%H:%M}: {t.void_reason}",
                           style="bold")
            out.append("\n")
        intents = attendance.intents_of(p.id, day)
        out.append(f"\nWriteback to {self.admin.mis}\n" if intents else "\nWriteback: nothing queued\n", style="bold")
        for i in intents:
            style = {"failed": "bold red", "pending": "yellow", "sent": "green"}.get(i.status, "")
            out.append(f"  {i.event_at.astimezone(tz):%H:%M:%S} {i.direction.upper():<3} ")
            out.append(f"{i.status:<8}", style=style)
            out.append(f" attempts {i.attempts}{': ' + i.summary if i.summary else ''}\n")
        writes = attendance.writes_of(p.id, day)
        out.append("\nRegister decisions\n" if writes else "\nRegister decisions: none recorded\n", style="bold")
        for w in writes:
            source = "absence marking" if w.job_run_id else "writer"
            out.append(f"  {w.at.astimezone(tz):%H:%M:%S} {w.period_name or '-':<6} ")
            out.append(f"{w.outcome:<9}", style="bold red" if w.outcome == "failed" else "")
            out.append(f" {w.rule}  [{source}]\n")
            if w.error:
                out.append(f"      error: {w.error}\n", style="red")
            if w.body:
                label = "sent" if w.outcome in ("sent", "confirmed") else "body"
                out.append(f"      {label}: {sent_fields(w.body)}\n", style="dim")
        if any(w.job_run_id and w.outcome == "sent" for w in writes):
            out.append(f"\n{ABSENCE_NOTE.format(mis=self.admin.mis)}\n", style="italic")
        self.query_one("#person-day", Static).update(out)

    def _pick_track(self, title: str, then) -> None:
        """Choose one of today's (not voided) scans, then act on it."""
        if self.person is None or not self.admin.operator_only():
            return
        tz = self.admin.settings.tz
        live = [t for t in self.day_tracks if t.voided_at is None]
        if not live:
            self.notify(f"{self.person.display_name} has no scans today", severity="warning")
            return
        choices = [(t.id, f"{t.at.astimezone(tz):%H:%M} {t.direction.upper():<3} {t.source}"
                          + (f", {t.minutes_late} min late" if t.minutes_late else "")
                          + (f", reason: {t.reason}" if t.reason else "")) for t in live]
        by_id = {t.id: t for t in live}

        def chosen(track_id: int | None) -> None:
            if track_id is not None:
                then(by_id[track_id])

        self.app.push_screen(TrackPicker(title, choices), chosen)

    def action_reason(self) -> None:
        name = self.person.display_name if self.person else ""
        self._pick_track("Which scan gets a reason?", lambda t: ask_reason(
            self.admin, t.id, name, t.direction, t.at, t.reason))

    def action_void(self) -> None:
        name = self.person.display_name if self.person else ""
        self._pick_track("Which scan was a mistake?", lambda t: ask_void(self.admin, t.id, name, t.direction, t.at))

    def action_sign_at(self) -> None:
        if self.person is not None:
            ask_sign_at(self.admin, self.person_id, self.person.display_name)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_sign(self, direction: str) -> None:
        if self.person is None or not self.admin.operator_only():
            return
        move = Direction(direction)
        name = self.person.display_name
        try:  # say so now rather than after the note is typed (the service checks again)
            check_manual_move(self.last, move, name)
        except MoveRefused as exc:
            self.notify(str(exc)[:1].upper() + str(exc)[1:], severity="warning")
            return
        verb = "Sign in" if move is Direction.IN else "Sign out"

        def done(note: str | None) -> None:
            if note is not None:
                self.admin.attempt(lambda: self.admin.actions.sign(self.person_id, move, note),
                                   lambda result: result.message)

        self.app.push_screen(NoteDialog(f"{verb} {name} by hand", "Note (e.g. lost card), then Enter"), done)

    def action_assign_card(self) -> None:
        if self.person is None or not self.admin.operator_only():
            return
        name = self.person.display_name

        def done(code: str | None) -> None:
            if code:
                self.admin.attempt(lambda: self.admin.actions.assign_card(self.person_id, code),
                                   lambda _: f"Card {code.strip().upper()} now belongs to {name}")

        self.app.push_screen(CardDialog(f"Give a card to {name}"), done)

    def action_toggle_active(self) -> None:
        if self.person is None or not self.admin.operator_only():
            return
        active = not self.person.active
        name = self.person.display_name
        question = (f"Activate {name}? Their scans are accepted again." if active else
                    f"Deactivate {name}? The kiosk refuses their scans until activated again.")

        def done(ok: bool | None) -> None:
            if ok:
                self.admin.attempt(lambda: self.admin.actions.set_active(self.person_id, active),
                                   lambda _: f"{name} is now {'active' if active else 'inactive'}")

        self.app.push_screen(ConfirmDialog(question), done)

    def action_cards(self) -> None:
        """Revoke a lost card or give a replacement (ui/admin/cards.py)."""
        from imlate_tui.ui.admin.cards import open_cards

        open_cards(self.admin, self.person_id)
