"""The `auto-signout` job: whoever is still signed in at their kind's time is signed out, source `auto`.

`attendance.auto_signout` gives a school-local "HH:MM" per kind (student, staff, visitor; null: off).
Decisions:

- **Catching up.** The job runs every few minutes and once at start. Each run signs out everyone of a
  kind whose time has passed *today* and whose last track is a sign-in from *before* that time, so a
  run missed at 18:00 (machine off, scheduler busy) does the same work whenever it next runs that
  day. A new day starts with nobody signed in, so earlier days are not revisited.
- **The time recorded is the configured time** (18:00), not the moment the job ran: reports and the
  range report then say "auto 18:00" however late the run was, and the day's tracks stay in order
  (the person's last track is before it, by the rule above).
- **Someone who signs in after the time is left alone** (an evening event at 19:30 must stay on the fire
  list); they are not signed out automatically that day.
- **Never written to iSAMS.** The track is written directly, without the scan service's outbox
  listener, so no attendance intent exists for it: an automatic sign-out is not an early leave.
- Each person is signed out in their own short write transaction (re-checking their last track under
  the lock), so a kiosk scan never waits behind the whole batch.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any

from imlate_tui.config_basics import parse_hhmm
from imlate_tui.db import scan_path, tracks
from imlate_tui.db.connection import write_transaction
from imlate_tui.domain.lateness import local_instant
from imlate_tui.domain.scanning import Direction, Status, school_date
from imlate_tui.jobs.context import JobContext

if TYPE_CHECKING:
    from imlate_tui.config import Settings

SOURCE = "auto"
ACTOR = "auto-signout"
KINDS = ("student", "staff", "visitor")


def cutoffs(settings: Settings, now: datetime) -> dict[str, datetime]:
    """Each kind whose sign-out time has passed today, with that time as a UTC instant."""
    times = settings.attendance.auto_signout
    due = {}
    for kind in KINDS:
        hhmm = getattr(times, kind)
        if hhmm is None:
            continue
        at = local_instant(now, parse_hhmm(hhmm), settings.tz).astimezone(timezone.utc)
        if at <= now:
            due[kind] = at
    return due


def still_in_before(day: date, due: dict[str, datetime]) -> list[tuple[int, str, datetime]]:
    """(person id, kind, cutoff) of everyone signed in now whose sign-in is before their kind's time."""
    return [(r.person.id, r.person.kind, due[r.person.kind]) for r in tracks.roster(day, include_inactive=True)
            if r.status is Status.SIGNED_IN and r.person.kind in due and r.last_event_at is not None
            and r.last_event_at < due[r.person.kind]]


def sign_out_one(settings: Settings, person_id: int, cutoff: datetime, day: date) -> bool:
    with write_transaction():
        person = scan_path.lock_person(person_id)
        last = scan_path.last_track_on(person_id, day)
        if person is None or last is None or last.direction is not Direction.IN or last.at >= cutoff:
            return False   # they signed out (or in again after the time) since the list was read
        hhmm = cutoff.astimezone(settings.tz).strftime("%H:%M")
        scan_path.insert_track(person=person, at=cutoff, day=day, direction=Direction.OUT, source=SOURCE,
                               terminal=settings.kiosk.terminal_name, actor=ACTOR,
                               note=f"signed out automatically at {hhmm}", minutes_late=None)
    return True


def auto_signout(ctx: JobContext) -> dict[str, Any]:
    now = ctx.clock()
    day = school_date(now, ctx.settings.tz)
    due = cutoffs(ctx.settings, now)
    counts: dict[str, Any] = {kind: 0 for kind in due}
    if not due:
        return {"signed_out": 0, "due": "none yet"}
    people = still_in_before(day, due)
    for done, (person_id, kind, cutoff) in enumerate(people, 1):
        if ctx.dry_run or sign_out_one(ctx.settings, person_id, cutoff, day):
            counts[kind] += 1
        ctx.progress(done, len(people), "auto sign-out")
    return {"signed_out": sum(counts[k] for k in due), **counts}
