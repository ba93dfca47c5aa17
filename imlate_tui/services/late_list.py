"""Today at a glance: the day's late arrivals and early leavers (students), with the minutes, the
reason, and what became of each one's writeback to iSAMS.

Voided scans are not late arrivals or early leavers: they come as kind "void", which the screen lists
only when asked (so the office sees what the writer could or could not take back in iSAMS). Two
queries, whatever the size of the school: the day's tracks with their people, and the day's intents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from imlate_tui.config_basics import parse_hhmm
from imlate_tui.db.models import AttendanceIntent, Person, Track
from imlate_tui.db.tracks import counted
from imlate_tui.domain.lateness import local_instant
from imlate_tui.domain import search

if TYPE_CHECKING:
    from imlate_tui.config import Settings

WRITEBACK_OFF = "not written back (iSAMS integration off)"


@dataclass(frozen=True)
class LateEntry:
    track_id: int
    person_id: int
    name: str
    school_id: str | None
    year_group: int | None
    form_group: str | None
    kind: str
    """"late" (a late sign-in), "left" (an early sign-out) or "void" (a voided scan of either)."""
    at: datetime
    minutes_late: int | None
    reason: str | None
    writeback: str
    """pending | sent | skipped | failed | none"""
    summary: str
    """The rule that decided, iSAMS's message, or why nothing is sent."""
    direction: str = "in"

    def matches(self, typed: str, year_group: int | None = None, form_group: str | None = None,
                kind: str | None = None) -> bool:
        if self.kind != kind and (kind is not None or self.kind == "void"):
            return False
        if year_group is not None and self.year_group != year_group:
            return False
        if form_group is not None and self.form_group != form_group:
            return False
        return search.matches(typed, name=self.name, school_id=self.school_id, form_group=self.form_group)

    @property
    def writeback_text(self) -> str:
        """"sent", "skipped: protected code M", "failed: iSAMS said …", "pending"."""
        if self.writeback in ("skipped", "failed") and self.summary:
            return f"{self.writeback}: {self.summary}"
        return self.writeback if self.writeback != "none" else "-"


def _state(intent: AttendanceIntent | None, erp_on: bool, now: datetime) -> tuple[str, str]:
    if intent is None:
        return "none", "" if erp_on else WRITEBACK_OFF
    if intent.status == "pending":
        if intent.hold_until and intent.hold_until > now:
            return "pending", "waiting for the kiosk's reason question"
        return "pending", intent.summary or ("not tried yet" if not intent.attempts else "")
    return intent.status, intent.summary or ""


def late_today(day: date, settings: Settings, now: datetime) -> list[LateEntry]:
    """Late sign-ins and early sign-outs of students that day, in the order they happened."""
    ends = local_instant(datetime.combine(day, parse_hhmm("12:00"), tzinfo=settings.tz),
                         parse_hhmm(settings.attendance.school_day_ends), settings.tz)
    rows = (Track.select(Track, Person).join(Person, on=(Track.person == Person.id))
            .where((Track.local_date == day) & (Person.kind == "student")
                   & (((Track.direction == "in") & (Track.minutes_late > 0))
                      | ((Track.direction == "out") & (Track.at < ends)) | ~counted()))
            .order_by(Track.at, Track.id))
    intents = {i.track_id: i for i in AttendanceIntent.select().where(AttendanceIntent.local_date == day)}
    out = []
    for t in rows:
        p = t.person
        state, summary = _state(intents.get(t.id), settings.erp.enabled, now)
        out.append(LateEntry(t.id, p.id, p.display_name, p.school_id, p.year_group, p.form_group,
                             "void" if t.voided_at else "late" if t.direction == "in" else "left", t.at,
                             t.minutes_late, t.reason, state, summary, t.direction))
    return out
