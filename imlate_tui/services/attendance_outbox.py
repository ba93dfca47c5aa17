"""What a scan hands to the attendance writer: minutes late, and an intent stored with the track.

Both run inside the scan's write transaction and read only the local period cache — never iSAMS — so
they add no waiting to a scan. When the cache is cold the sign-in is recorded without minutes and the
writer fills them in once it has the register (spec §4).

Lateness and the outbox both need the student's latest sign-in of the day before this one (is it the
first sign-in of the day, of the session?): `ScanAttendance` reads it once per scan and shares it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from imlate_tui.config_basics import parse_hhmm
from imlate_tui.db import scan_path
from imlate_tui.db.models import Person, Track
from imlate_tui.domain.attendance import is_early_leave
from imlate_tui.domain.lateness import Day, local_instant, minutes_late, session_of
from imlate_tui.domain.scanning import school_date
from imlate_tui.services.registers import policy_of
from imlate_tui.services.todays_periods import TodaysPeriods

if TYPE_CHECKING:
    from imlate_tui.config import Settings

MIDNIGHT = time(0, 0)


def session_start(at: datetime, day: Day, settings: Settings) -> datetime:
    tz = settings.tz
    if session_of(at, day, parse_hhmm(settings.erp.pm_starts_at), tz) == "PM":
        return day.pm.start if day.pm is not None else local_instant(at, parse_hhmm(settings.erp.pm_starts_at), tz)
    return local_instant(at, MIDNIGHT, tz)


def minutes_late_after(latest_sign_in: datetime | None, at: datetime, day: Day, settings: Settings) -> int | None:
    """Minutes late for a sign-in at `at`; None when on time, or when the student already signed in this
    session (`latest_sign_in`: their latest sign-in that day before `at`; coming back is not late)."""
    if latest_sign_in is not None and latest_sign_in >= session_start(at, day, settings):
        return None
    return minutes_late(at, day, late_reference=settings.attendance.late_reference,
                        pm_starts_at=parse_hhmm(settings.erp.pm_starts_at), tz=settings.tz)


def student_minutes_late(person: Person, at: datetime, day: Day, settings: Settings) -> int | None:
    """Minutes late for a sign-in, reading the student's earlier sign-ins (the writer fills them in)."""
    latest = scan_path.latest_sign_in(person.id, school_date(at, settings.tz), at)
    return minutes_late_after(latest, at, day, settings)


class ScanAttendance:
    """The scan service's two attendance hooks, answered from the period cache and one history read:
    `lateness(person, now)` before the track is written, `outbox(track, person)` after it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.tz = settings.tz
        self.policy = policy_of(settings)
        self.periods = TodaysPeriods(settings)
        self._latest: tuple[tuple[int, date, datetime], datetime | None] | None = None

    def lateness(self, person: Person, now: datetime) -> int | None:
        today = school_date(now, self.tz)
        day = self.periods.day_of(person, today)
        if day is None:
            return None
        return minutes_late_after(self._latest_sign_in(person.id, today, now), now, day, self.settings)

    def outbox(self, track: Track, person: Person) -> None:
        """One attendance intent per student sign-in or early sign-out."""
        if person.kind != "student":
            return
        early = track.direction == "out" and is_early_leave(track.at, self.policy)
        if track.direction == "out" and not early:
            return
        first = track.direction == "in" and self._latest_sign_in(person.id, track.local_date, track.at) is None
        self._latest = None   # used: the next scan reads afresh
        scan_path.insert_intent(track=track, person_id=person.id, first_of_day=first,
                                hold_until=self._hold(track, early), now=track.at)

    def _latest_sign_in(self, person_id: int, day: date, before: datetime) -> datetime | None:
        """Read once per scan: the lateness hook reads it, the outbox hook (same person, same instant,
        same transaction) reuses it. Sign-ins at `before` itself do not count, so the new track does not
        change the answer."""
        key = (person_id, day, before)
        if self._latest is None or self._latest[0] != key:
            self._latest = (key, scan_path.latest_sign_in(person_id, day, before))
        return self._latest[1]

    def _hold(self, track: Track, early: bool) -> datetime | None:
        """While the kiosk may still be asking for a reason, the writer waits for the answer."""
        reasons = self.settings.attendance.reasons
        if track.source not in ("scanner", "keyboard"):
            return None
        asks = (track.direction == "in" and track.minutes_late and reasons.prompt_on_late and reasons.late) or \
            (early and reasons.prompt_on_leaving and reasons.leaving)
        return track.at + timedelta(seconds=reasons.timeout_seconds + 5) if asks else None
