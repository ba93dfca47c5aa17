"""What the receptionist does at the kiosk beyond scanning: assign a card, record a reason, find someone.

Every write runs in `write_transaction()` and leaves an audit entry naming the acting terminal.
`reason_question` decides, from a just-recorded scan, whether the kiosk should ask for a reason (§5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from imlate_tui.clock import Clock, utc_now
from imlate_tui.config_basics import parse_hhmm
from imlate_tui.db import audit, people, scan_path
from imlate_tui.db.connection import write_transaction
from imlate_tui.db.models import Person, Track
from imlate_tui.domain.scanning import Status, normalise_code, school_date, status_of
from imlate_tui.errors import InvalidInput
from imlate_tui.services.scanning import Outcome, PersonView, ScanResult

if TYPE_CHECKING:
    from imlate_tui.config import Settings

REASON_MAX_LENGTH = 200  # Track.reason column size


@dataclass(frozen=True)
class PersonMatch:
    """A person found by name, with where they are today (so the receptionist picks the right move)."""

    person: PersonView
    status: Status


@dataclass(frozen=True)
class ReasonQuestion:
    """The kiosk should ask why: after a late sign-in or an early sign-out."""

    kind: Literal["late", "leaving"]
    track_id: int
    title: str
    reasons: list[str]


class Reception:
    def __init__(self, settings: Settings, clock: Clock = utc_now) -> None:
        self.settings = settings
        self.clock = clock

    def assign_card(self, person_id: int, raw_code: str, *, actor: str, client: str = "") -> PersonView:
        """Give a scanned card to a person. Refuses a card that belongs to someone else (InvalidInput)."""
        code = normalise_code(raw_code, self.settings.scanner.max_length)
        with write_transaction():
            now = self.clock()
            person = Person.get_or_none(Person.id == person_id)
            if person is None:
                raise InvalidInput(f"no person with id {person_id}")
            if people.assign_card(person, code, now):
                audit.record(at=now, actor=actor, client=client, action="assign_card",
                             target=f"person:{person.id}", card=code, name=person.display_name)
        return PersonView.of(person)

    def set_reason(self, track_id: int, reason: str, *, actor: str, client: str = "") -> None:
        """Store the reason chosen for a late sign-in or early sign-out on its track."""
        reason = reason.strip()
        if not reason:
            raise InvalidInput("the reason is empty")
        if len(reason) > REASON_MAX_LENGTH:
            raise InvalidInput(f"the reason is longer than {REASON_MAX_LENGTH} characters")
        with write_transaction():
            now = self.clock()
            changed = Track.update(reason=reason).where(Track.id == track_id).execute()
            if not changed:
                raise InvalidInput(f"no track with id {track_id}")
            audit.record(at=now, actor=actor, client=client, action="set_reason",
                         target=f"track:{track_id}", reason=reason)

    def search_people(self, text: str, limit: int = 20) -> list[PersonMatch]:
        """Active people whose name or school id contains every word of `text`, with today's status."""
        if not text.strip():
            return []
        today = school_date(self.clock(), self.settings.tz)
        return [PersonMatch(PersonView.of(p), status_of(scan_path.last_track_on(p.id, today)))
                for p in people.search(text, limit)]


def reason_question(result: ScanResult, settings: Settings) -> ReasonQuestion | None:
    """Ask after a student's late sign-in or early sign-out, when the school switched the prompt on."""
    reasons = settings.attendance.reasons
    person = result.person
    if person is None or person.kind != "student" or result.track_id is None:
        return None
    if result.result is Outcome.SIGNED_IN and result.minutes_late and reasons.prompt_on_late and reasons.late:
        late = result.minutes_late
        return ReasonQuestion("late", result.track_id,
                              f"You are {late} minute{'s' if late != 1 else ''} late. Why?", list(reasons.late))
    if result.result is Outcome.SIGNED_OUT and reasons.prompt_on_leaving and reasons.leaving:
        ends = parse_hhmm(settings.attendance.school_day_ends)
        if result.at.astimezone(settings.tz).time() < ends:
            return ReasonQuestion("leaving", result.track_id, "You are leaving early. Why?",
                                  list(reasons.leaving))
    return None
