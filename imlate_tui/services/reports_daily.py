"""`imlate report daily`: one school day for the attendance officer, as text or CSV.

What is in it, and the decisions behind it:

- **Late arrivals** — every sign-in that carries minutes late (students, when the iSAMS integration
  knew the register), with the minutes and the reason chosen at the kiosk.
- **Early leavers** — every *student* sign-out before `attendance.school_day_ends` (the same rule the
  writer uses, `domain.attendance.is_early_leave`), with the reason and, when they came back, the time
  of the next sign-in. Staff and visitors leaving early are not attendance events and are left out.
- **Not signed** — active *students* with no sign-in that day (a sign-in whose writeback is still
  pending counts as signed). Staff and visitors are not listed: nobody expects every visitor, and the
  roster (`imlate roster --status none`) already lists staff who have not arrived.
- **Signed out automatically** — sign-outs the `auto-signout` job made (source `auto`, at the
  configured time): people who did not sign out themselves. They are never early leavers.
- **Writeback failures** — the day's attendance intents the writer gave up on (`failed`, with the
  error it recorded) and failed register writes of automatic absence marking; plus how many intents
  are still pending (being retried).

All dates and times are school-local (`timezone`); CSV times are ISO 8601 with their UTC offset.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from imlate_tui.db import reporting
from imlate_tui.db.models import Person, Track
from imlate_tui.domain.attendance import is_early_leave
from imlate_tui.services import csv_cells
from imlate_tui.services.registers import policy_of

if TYPE_CHECKING:
    from imlate_tui.config import Settings

CSV_COLUMNS = ["section", "date", "at", "school_id", "name", "kind", "year_group", "form_group",
               "minutes_late", "reason", "detail"]
"""`section` is late | early_leave | not_signed | writeback_failed | auto_signout; `detail` is the time an early leaver
came back (`back_at`) or a failure's error."""


@dataclass(frozen=True)
class LateArrival:
    person: Person
    at: datetime
    minutes_late: int
    reason: str | None


@dataclass(frozen=True)
class EarlyLeave:
    person: Person
    at: datetime
    reason: str | None
    back_at: datetime | None
    """The next sign-in that day, when the student came back."""


@dataclass(frozen=True)
class WritebackFailure:
    person: Person
    at: datetime
    """The scan the intent came from, or when absence marking tried to write."""
    what: str
    """"sign-in", "sign-out" or "absence mark AM"."""
    error: str


@dataclass(frozen=True)
class DailyReport:
    day: date
    tz: ZoneInfo
    late: list[LateArrival]
    early_leavers: list[EarlyLeave]
    not_signed: list[Person]
    failures: list[WritebackFailure]
    pending: int
    auto_signed_out: list[Track] = field(default_factory=list)
    """The day's sign-outs made by the auto-signout job (`.person` loaded)."""


def daily_report(settings: Settings, day: date) -> DailyReport:
    policy = policy_of(settings)
    day_tracks = reporting.tracks_on(day)
    late = [LateArrival(t.person, t.at, t.minutes_late, t.reason) for t in day_tracks
            if t.direction == "in" and t.minutes_late]
    early = []
    for i, t in enumerate(day_tracks):
        if t.direction == "out" and t.person.kind == "student" and t.source != "auto" and is_early_leave(t.at, policy):
            back = next((later.at for later in day_tracks[i + 1:]
                         if later.person_id == t.person_id and later.direction == "in"), None)
            early.append(EarlyLeave(t.person, t.at, t.reason, back))
    failures = [WritebackFailure(i.person, i.event_at, "sign-in" if i.direction == "in" else "sign-out",
                                 i.summary or "failed (no error recorded)")
                for i in reporting.failed_intents_on(day)]
    failures += [WritebackFailure(w.person, w.at, f"absence mark {w.period_name}".strip(),
                                  w.error or w.rule) for w in reporting.failed_job_writes_on(day)]
    failures.sort(key=lambda f: f.at)
    return DailyReport(day, settings.tz, late, early, reporting.students_not_signed_in(day), failures,
                       reporting.pending_intents_on(day),
                       [t for t in day_tracks if t.direction == "out" and t.source == "auto"])


def _who(p: Person) -> str:
    group = " ".join(x for x in (f"Y{p.year_group}" if p.year_group is not None else "", p.form_group or "") if x)
    return f"{p.display_name} ({group})" if group else p.display_name


def daily_text(report: DailyReport) -> str:
    tz = report.tz

    def hm(at: datetime) -> str:
        return at.astimezone(tz).strftime("%H:%M")

    out = [f"DAILY REPORT — {report.day:%A %d %B %Y} ({tz.key})"]

    def section(title: str, lines: list[str]) -> None:
        out.extend(["", f"{title} ({len(lines)})"])
        out.extend(lines or ["  none"])

    section("Late arrivals", [f"  {hm(x.at)}  {_who(x.person):<40} {x.minutes_late:>3} min late"
                              + (f"  {x.reason}" if x.reason else "") for x in report.late])
    section("Early leavers", [f"  {hm(x.at)}  {_who(x.person):<40}"
                              + (f"  {x.reason}" if x.reason else "  (no reason)")
                              + (f"  back at {hm(x.back_at)}" if x.back_at else "") for x in report.early_leavers])
    section("Not signed (students)", [f"  {_who(p)}" for p in report.not_signed])
    section("Writeback failures", [f"  {hm(x.at)}  {_who(x.person):<40} {x.what}: {x.error}"
                                   for x in report.failures])
    if report.pending:
        out.append(f"  ({report.pending} still pending: the writer keeps retrying them)")
    if report.auto_signed_out:   # only on days it happened, so other days read as before
        section("Signed out automatically", [f"  {hm(t.at)}  {_who(t.person):<40} {t.person.kind} (auto)"
                                             for t in report.auto_signed_out])
    return "\n".join(out)


def daily_csv(report: DailyReport) -> str:
    tz = report.tz
    buf = io.StringIO()
    writer = csv_cells.writer(buf)
    writer.writerow(CSV_COLUMNS)

    def row(section: str, p: Person, at: datetime | None, minutes: int | None = None,
            reason: str | None = None, detail: str = "") -> None:
        writer.writerow([section, report.day.isoformat(), at.astimezone(tz).isoformat() if at else "",
                         p.school_id or "", p.display_name, p.kind, "" if p.year_group is None else p.year_group,
                         p.form_group or "", "" if minutes is None else minutes, reason or "", detail])

    for x in report.late:
        row("late", x.person, x.at, x.minutes_late, x.reason)
    for x in report.early_leavers:
        row("early_leave", x.person, x.at, reason=x.reason,
            detail=f"back_at={x.back_at.astimezone(tz).isoformat()}" if x.back_at else "")
    for p in report.not_signed:
        row("not_signed", p, None)
    for x in report.failures:
        row("writeback_failed", x.person, x.at, detail=f"{x.what}: {x.error}")
    for t in report.auto_signed_out:
        row("auto_signout", t.person, t.at, detail="signed out automatically")
    return buf.getvalue()
