"""Recording a scan or a manual sign-in/out: one transaction, one result for the screen.

The whole decision (who is it, what is their state today, is it a repeat) and the write happen in one
`BEGIN IMMEDIATE` transaction, so two terminals scanning the same card at once still alternate.
Nothing here talks to iSAMS: the scan is recorded and returned at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Callable

from imlate_tui.clock import Clock, utc_now
from imlate_tui.db import audit, card_book, scan_path
from imlate_tui.db.connection import write_transaction
from imlate_tui.db.models import Person, Track
from imlate_tui.domain.scanning import Direction, check_manual_move, decide_scan, normalise_code, school_date
from imlate_tui.errors import InvalidInput
from imlate_tui.services.scan_activity import ScanActivity

if TYPE_CHECKING:
    from imlate_tui.config import Settings


class Outcome(StrEnum):
    SIGNED_IN = "signed_in"
    SIGNED_OUT = "signed_out"
    ALREADY_SIGNED_IN = "already_signed_in"
    ALREADY_SIGNED_OUT = "already_signed_out"
    UNKNOWN_CARD = "unknown_card"
    INACTIVE_PERSON = "inactive_person"
    REVOKED_CARD = "revoked_card"


@dataclass(frozen=True)
class PersonView:
    id: int
    name: str
    school_id: str | None
    kind: str
    year_group: int | None
    form_group: str | None
    photo_path: str | None

    @classmethod
    def of(cls, p: Person) -> "PersonView":
        return cls(p.id, p.display_name, p.school_id, p.kind, p.year_group, p.form_group, p.photo_path)


@dataclass(frozen=True)
class ScanResult:
    result: Outcome
    at: datetime
    person: PersonView | None = None
    code: str | None = None
    minutes_late: int | None = None
    track_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        """The §12 `scan --json` object."""
        person = None
        if self.person:
            person = {"id": self.person.id, "name": self.person.name,
                      "school_id": self.person.school_id, "kind": self.person.kind}
        return {"result": self.result.value, "person": person, "minutes_late": self.minutes_late,
                "at": self.at.isoformat()}

    @property
    def message(self) -> str:
        name = self.person.name if self.person else ""
        late = f", {self.minutes_late} minute{'s' if self.minutes_late != 1 else ''} late" if self.minutes_late else ""
        return {
            Outcome.SIGNED_IN: f"{name}: signed in{late}",
            Outcome.SIGNED_OUT: f"{name}: signed out",
            Outcome.ALREADY_SIGNED_IN: f"{name}: already signed in",
            Outcome.ALREADY_SIGNED_OUT: f"{name}: already signed out",
            Outcome.UNKNOWN_CARD: f"card {self.code} not recognised — please see reception",
            Outcome.INACTIVE_PERSON: f"{name} is no longer active — please see reception",
            Outcome.REVOKED_CARD: "this card was reported lost — please see reception",
        }[self.result]


# Called inside the scan's transaction after the track is written (the attendance outbox hooks in here).
TrackListener = Callable[[Track, Person], None]
# Minutes late for a sign-in at an instant, or None when not known or not applicable. Runs inside the
# write transaction, so it must answer from cached data and never wait on the network.
Lateness = Callable[[Person, datetime], "int | None"]


class ScanService:
    def __init__(self, settings: Settings, clock: Clock = utc_now,
                 listeners: list[TrackListener] | None = None, lateness: Lateness | None = None) -> None:
        self.settings = settings
        self.clock = clock
        self.tz = settings.tz
        self.listeners = list(listeners or [])
        self.lateness = lateness
        self.after_commit: list[Callable[[ScanResult], None]] = []
        """Told about each recorded track once it is committed (the kiosk wakes its writer here)."""
        self.activity = ScanActivity()
        """The kiosk marks each scan from arrival to result on screen; its MIS writer keeps out of the way."""

    def scan(self, raw_code: str, *, source: str = "keyboard") -> ScanResult:
        """Record a card scan. Raises InvalidInput for garbage; an unknown card is a result."""
        scanner = self.settings.scanner
        code = normalise_code(raw_code, scanner.max_length)
        with write_transaction():
            person = scan_path.person_by_code(code, match_school_id=scanner.match_school_id)
            now = self.clock()   # read after the person is locked, so tracks are in commit order
            if person is None:
                return self._unknown(code, now)
            if not person.active:
                return ScanResult(Outcome.INACTIVE_PERSON, now, PersonView.of(person), code)
            day = school_date(now, self.tz)
            last = scan_path.last_track_on(person.id, day)
            decision = decide_scan(last, now, scanner.repeat_window_seconds)
            if decision.repeat:
                repeat = Outcome.ALREADY_SIGNED_IN if decision.direction is Direction.IN else Outcome.ALREADY_SIGNED_OUT
                return ScanResult(repeat, now, PersonView.of(person), code)
            track = self._record(person, now, decision.direction, source)
        return self._committed(self._result(track, person, code))

    def manual(self, person_id: int, direction: Direction, *, actor: str, note: str | None = None,
               client: str = "") -> ScanResult:
        """A sign-in/out entered by a person for someone else (lost card). Refuses impossible moves."""
        with write_transaction():
            person = scan_path.lock_person(person_id)
            now = self.clock()
            if person is None:
                raise InvalidInput(f"no person with id {person_id}")
            last = scan_path.last_track_on(person.id, school_date(now, self.tz))
            check_manual_move(last, direction, person.display_name)
            track = self._record(person, now, direction, "manual", actor=actor, note=note)
            audit.record(at=now, actor=actor, client=client, action=f"manual_sign_{direction.value}",
                         target=f"person:{person.id}", name=person.display_name, note=note or "")
        return self._committed(self._result(track, person, None))

    def record(self, person: Person, at: datetime, direction: Direction, source: str) -> Track:
        """Record a scan decided elsewhere (a kiosk's journal, forwarded later) as of the instant it was
        made, with its lateness and outbox; the caller holds the write transaction."""
        return self._record(person, at, direction, source)

    def record_manual(self, person: Person, at: datetime, direction: Direction, *, actor: str,
                      note: str | None) -> ScanResult:
        """A manual track at `at` (an earlier time today), inside the caller's write transaction; the
        caller has checked the move. Lateness and the outbox apply as for a scan at that time."""
        track = self._record(person, at, direction, "manual", actor=actor, note=note)
        return self._result(track, person, None)

    @staticmethod
    def _unknown(code: str, now: datetime) -> ScanResult:
        """A code not in `card`: a card reported lost (services/cards.py), or simply unknown.
        Only this branch reads `revoked_card`, so a known card's scan costs nothing more."""
        lost = card_book.revoked(code)
        if lost is not None:
            return ScanResult(Outcome.REVOKED_CARD, now, PersonView.of(lost.person), code)
        return ScanResult(Outcome.UNKNOWN_CARD, now, code=code)

    def _committed(self, result: ScanResult) -> ScanResult:
        for callback in self.after_commit:
            callback(result)
        return result

    def _record(self, person: Person, now: datetime, direction: Direction, source: str,
                actor: str | None = None, note: str | None = None) -> Track:
        late = None
        if direction is Direction.IN and person.kind == "student" and self.lateness is not None:
            late = self.lateness(person, now)
        track = scan_path.insert_track(person=person, at=now, day=school_date(now, self.tz), direction=direction,
                                       source=source, terminal=self.settings.kiosk.terminal_name,
                                       actor=actor, note=note, minutes_late=late)
        for listener in self.listeners:
            listener(track, person)
        return track

    @staticmethod
    def _result(track: Track, person: Person, code: str | None) -> ScanResult:
        outcome = Outcome.SIGNED_IN if track.direction == Direction.IN else Outcome.SIGNED_OUT
        return ScanResult(outcome, track.at, PersonView.of(person), code, track.minutes_late, track.id)


def scan_service_for(settings: Settings, clock: Clock = utc_now) -> ScanService:
    """The scan service as the kiosk and `imlate scan` use it: with lateness and the attendance outbox
    when the iSAMS integration is on."""
    from imlate_tui.services.visitor_tracks import VisitorTracks

    if not settings.erp.enabled:
        return ScanService(settings, clock, listeners=[VisitorTracks(settings)])
    from imlate_tui.services.attendance_outbox import ScanAttendance

    hooks = ScanAttendance(settings)
    return ScanService(settings, clock, listeners=[hooks.outbox, VisitorTracks(settings)], lateness=hooks.lateness)
