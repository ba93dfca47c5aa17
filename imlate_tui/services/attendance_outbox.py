"""What a scan hands to the attendance writer: minutes late, and an intent stored with the track.

Both run inside the scan's write transaction and read only the local period cache — never iSAMS — so
they add no waiting to a scan. When the cache is cold the sign-in is recorded without minutes and the
writer fills them in once it has the register (spec §4).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from imlate_tui.config import Settings, parse_hhmm
from imlate_tui.db import attendance, tracks
from imlate_tui.db.models import Person, Track
from imlate_tui.domain.attendance import is_early_leave
from imlate_tui.domain.lateness import Day, local_instant, minutes_late, session_of
from imlate_tui.domain.scanning import school_date
from imlate_tui.services.registers import day_of, policy_of


def session_start(at: datetime, day: Day, settings: Settings) -> datetime:
    tz = settings.tz
    if session_of(at, day, parse_hhmm(settings.erp.pm_starts_at), tz) == "PM":
        return day.pm.start if day.pm is not None else local_instant(at, parse_hhmm(settings.erp.pm_starts_at), tz)
    return local_instant(at, parse_hhmm("00:00"), tz)


def student_minutes_late(person: Person, at: datetime, day: Day, settings: Settings) -> int | None:
    """Minutes late for a sign-in; None when on time, or when the student already signed in this
    session (coming back after leaving is not a late arrival)."""
    if tracks.signed_in_between(person.id, school_date(at, settings.tz), session_start(at, day, settings), at):
        return None
    return minutes_late(at, day, late_reference=settings.attendance.late_reference,
                        pm_starts_at=parse_hhmm(settings.erp.pm_starts_at), tz=settings.tz)


class Lateness:
    """The scan service's lateness seam, answered from the period cache."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def __call__(self, person: Person, now: datetime) -> int | None:
        day = day_of(person, school_date(now, self.settings.tz), self.settings)
        return None if day is None else student_minutes_late(person, now, day, self.settings)


class Outbox:
    """The scan service's track listener: one attendance intent per student sign-in or early sign-out."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.policy = policy_of(settings)

    def __call__(self, track: Track, person: Person) -> None:
        if person.kind != "student":
            return
        early = track.direction == "out" and is_early_leave(track.at, self.policy)
        if track.direction == "out" and not early:
            return
        start_of_day = local_instant(track.at, parse_hhmm("00:00"), self.settings.tz)
        first = track.direction == "in" and not tracks.signed_in_between(person.id, track.local_date,
                                                                         start_of_day, track.at)
        attendance.add_intent(track=track, person=person, first_of_day=first,
                              hold_until=self._hold(track, early), now=track.at)

    def _hold(self, track: Track, early: bool) -> datetime | None:
        """While the kiosk may still be asking for a reason, the writer waits for the answer."""
        reasons = self.settings.attendance.reasons
        if track.source not in ("scanner", "keyboard"):
            return None
        asks = (track.direction == "in" and track.minutes_late and reasons.prompt_on_late and reasons.late) or \
            (early and reasons.prompt_on_leaving and reasons.leaving)
        return track.at + timedelta(seconds=reasons.timeout_seconds + 5) if asks else None
