"""`imlate attendance show`: one student's day — tracks, intents, and every register decision with its rule."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import TYPE_CHECKING

from imlate_tui.db import attendance, tracks
from imlate_tui.db.models import Person
from imlate_tui.errors import InvalidInput

if TYPE_CHECKING:
    from imlate_tui.config import Settings


def _body_text(body: str | None) -> str:
    if not body:
        return ""
    data = json.loads(body)
    return " ".join(f"{k}={v}" for k, v in data.items())


def show_student(settings: Settings, school_id: str, day: date) -> str:
    person = Person.get_or_none(Person.school_id == school_id)
    if person is None:
        raise InvalidInput(f"no student with school id {school_id!r}")
    tz = settings.tz
    lines = [f"{person.display_name} ({school_id}), year {person.year_group or '-'} {person.form_group or ''} "
             f"— {day:%A %d %B %Y}"]
    day_tracks = tracks.tracks_of(person.id, day, include_void=True)
    lines.append("Scans:" if day_tracks else "Scans: none")
    for t in day_tracks:
        extra = f", {t.minutes_late} min late" if t.minutes_late else ""
        reason = f", reason: {t.reason}" if t.reason else ""
        void = f"  VOID (by {t.voided_by}: {t.void_reason})" if t.voided_at else ""
        lines.append(f"  {t.at.astimezone(tz):%H:%M:%S} {t.direction.upper():<3} ({t.source}){extra}{reason}{void}")
    intents = attendance.intents_of(person.id, day)
    lines.append("Writeback:" if intents else "Writeback: nothing queued")
    for i in intents:
        lines.append(f"  {i.event_at.astimezone(tz):%H:%M:%S} {i.direction.upper():<3} {i.status}"
                     f" (attempts {i.attempts}){': ' + i.summary if i.summary else ''}")
    writes = attendance.writes_of(person.id, day)
    lines.append("Registers:" if writes else "Registers: no decisions recorded")
    for w in writes:
        source = "absence marking" if w.job_run_id else "writer"
        error = f" — {w.error}" if w.error else ""
        lines.append(f"  {w.at.astimezone(tz):%H:%M:%S} {w.period_name or '-':<6} {w.outcome:<9} {w.rule}"
                     f"{error}  [{source}]")
        before = json.loads(w.before) if w.before else {}
        if before.get("read_as_of"):
            read = datetime.fromisoformat(before["read_as_of"]).astimezone(tz)
            lines.append(f"           register read from the MIS's copy at {read:%H:%M:%S} "
                         "(Wonde refreshes its copy a few times a day: later MIS changes were not seen)")
        if w.body:
            lines.append(f"           sent: {_body_text(w.body)}")
        if w.reference:
            state = {"queued": "waiting for the MIS to apply it", "sent": "applied by the MIS"}.get(w.outcome, w.outcome)
            lines.append(f"           writeback {w.reference}: {state}")
    if any(w.job_run_id and w.outcome == "sent" for w in writes):
        lines.append("Absence marks written by ImLate are not undone by ImLate: correct them in the MIS "
                     "(a late sign-in replaces the O mark).")
    return "\n".join(lines)
