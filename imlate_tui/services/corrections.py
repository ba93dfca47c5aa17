"""The attendance office's corrections: a reason given after the fact, a mistaken scan voided, a
sign-in or sign-out entered at the time it really happened (earlier today).

Each one is a single write transaction: the change, an audit entry (who, when, why, what it was
before) and, for students with the iSAMS integration on, the writeback it implies, queued in the
outbox. The writer then applies the §5 rules; it may replace a mark only ImLate wrote and that iSAMS
still shows, never a mark someone else made or protected (`services/writeback_corrections.py`).

Callers check who may do this (`AdminActions`); these functions trust their `actor`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from typing import TYPE_CHECKING

from imlate_tui.db import audit, corrections, scan_path
from imlate_tui.db.connection import write_transaction
from imlate_tui.db.models import Track
from imlate_tui.domain.lateness import local_instant
from imlate_tui.domain.scanning import Direction, school_date
from imlate_tui.errors import InvalidInput
from imlate_tui.services.scanning import ScanResult, ScanService, scan_service_for

if TYPE_CHECKING:
    from imlate_tui.config import Settings

TEXT_MAX = 200   # Track.reason / void_reason column size
_HHMM = re.compile(r"^\s*(\d{1,2})[:.]?(\d{2})\s*$")


@dataclass(frozen=True)
class Correction:
    """What a correction did, in one sentence, and whether iSAMS will be written to."""

    message: str
    writeback: bool


def _text(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"say why ({what} is empty)")
    if len(value) > TEXT_MAX:
        raise InvalidInput(f"{what} is longer than {TEXT_MAX} characters")
    return value


def parse_time_today(text: str) -> time:
    """"08:40", "8.40" or "0840" → 08:40; anything else is refused with one clear line."""
    match = _HHMM.match(text or "")
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise InvalidInput(f"{text.strip() or 'nothing'!s} is not a time of day; type it as HH:MM, e.g. 08:40")
    return time(int(match.group(1)), int(match.group(2)))


def _requeue(track: Track, kind: str, now: datetime) -> bool:
    intent = corrections.intent_of(track.id)
    if intent is None:
        return False
    if corrections.being_sent(intent, now):
        raise InvalidInput("this mark is being sent to iSAMS right now; try again in a minute")
    corrections.queue_correction(intent, kind, now)
    return True


class Corrections:
    def __init__(self, settings: Settings, clock, scans: ScanService | None = None) -> None:
        self.settings = settings
        self.clock = clock
        self.scans = scans or scan_service_for(settings, clock)

    def _track(self, track_id: int) -> Track:
        track = corrections.track_with_person(track_id)
        if track is None:
            raise InvalidInput(f"no scan with id {track_id}")
        if track.voided_at is not None:
            raise InvalidInput(f"that scan was voided by {track.voided_by}; it cannot be changed")
        return track

    def set_reason(self, track_id: int, reason: str, why: str, *, actor: str, client: str = "") -> Correction:
        """Add or change the late / leaving reason of a scan; a student's mark is decided again."""
        reason, why = _text(reason, "the reason"), _text(why, "why")
        with write_transaction():
            now = self.clock()
            track = self._track(track_id)
            if track.reason == reason:
                raise InvalidInput(f"the reason is already {reason!r}")
            corrections.set_reason(track.id, reason)
            queued = _requeue(track, "reason", now)
            audit.record(at=now, actor=actor, client=client, action="correct_reason", target=f"person:{track.person_id}",
                         track=track.id, was=track.reason or "", reason=reason, why=why)
        name = track.person.display_name
        return Correction(f"{name}: reason now {reason!r}" + ("; iSAMS is updated by the writer" if queued else ""),
                          queued)

    def void(self, track_id: int, why: str, *, actor: str, client: str = "") -> Correction:
        """Void a mistaken scan: kept, marked void, left out of alternation, rosters and reports. A mark
        ImLate wrote for it is taken back where iSAMS still shows it (the writer says when it cannot)."""
        why = _text(why, "why")
        with write_transaction():
            now = self.clock()
            track = self._track(track_id)
            queued = _requeue(track, "void", now)
            corrections.void(track.id, by=actor, reason=why, now=now)
            audit.record(at=now, actor=actor, client=client, action="void_track", target=f"person:{track.person_id}",
                         track=track.id, direction=track.direction, at_time=track.at.isoformat(), why=why)
        local = track.at.astimezone(self.settings.tz)
        what = f"{track.person.display_name}: the sign-{track.direction} at {local:%H:%M} is void"
        return Correction(what + ("; the writer corrects iSAMS where it may" if queued else ""), queued)

    def sign_at(self, person_id: int, direction: Direction, when: time, why: str, *, actor: str,
                client: str = "") -> ScanResult:
        """A manual sign-in or sign-out at an earlier time today, where it fits the day's in/out order."""
        why = _text(why, "why")
        with write_transaction():
            now = self.clock()
            person = scan_path.lock_person(person_id)
            if person is None:
                raise InvalidInput(f"no person with id {person_id}")
            at = local_instant(now, when, self.settings.tz)
            if at > now:
                raise InvalidInput(f"{when:%H:%M} is later than now; sign {direction.value} without a time instead")
            self._check_fits(person.display_name, person.id, school_date(now, self.settings.tz), at, direction)
            result = self.scans.record_manual(person, at, direction, actor=actor, note=why)
            audit.record(at=now, actor=actor, client=client, action=f"manual_sign_{direction.value}_at",
                         target=f"person:{person.id}", track=result.track_id, at_time=f"{when:%H:%M}", why=why)
        return result

    def _check_fits(self, name: str, person_id: int, day, at: datetime, direction: Direction) -> None:
        tz = self.settings.tz
        before, after = corrections.neighbours(person_id, day, at)
        hhmm = f"{at.astimezone(tz):%H:%M}"
        verb = f"sign {direction.value}"
        if before is not None and before.direction == direction.value:
            raise InvalidInput(f"{name} was already signed {direction.value} at {hhmm} "
                               f"(since {before.at.astimezone(tz):%H:%M})")
        if before is None and direction is Direction.OUT:
            raise InvalidInput(f"cannot sign out {name} at {hhmm}: they had not signed in by then")
        if after is not None and after.direction == direction.value:
            raise InvalidInput(f"{name} signed {direction.value} again at {after.at.astimezone(tz):%H:%M}: a {verb} "
                               f"at {hhmm} would break the day's in/out order (void that one first, or pick "
                               f"another time)")
