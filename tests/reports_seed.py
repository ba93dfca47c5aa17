"""Seeding people, tracks, intents and register writes at school-local times (reports and retention tests)."""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from imlate_tui.db.models import AttendanceIntent, AttendanceWrite, Person, Track

LONDON = ZoneInfo("Europe/London")
CREATED = datetime(2025, 9, 1, tzinfo=timezone.utc)


def at(day: date, hhmm: str) -> datetime:
    """The UTC instant of a London wall-clock time (use only times that exist that day)."""
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=LONDON).astimezone(timezone.utc)


def person(forename: str, surname: str, kind: str = "student", year: int | None = None, form: str | None = None,
           active: bool = True) -> Person:
    return Person.create(kind=kind, forename=forename, surname=surname, school_id=f"{forename[0]}{surname}".upper(),
                         year_group=year, form_group=form, active=active, created_at=CREATED, updated_at=CREATED)


def track(who: Person, instant: datetime, direction: str, minutes_late: int | None = None,
          reason: str | None = None) -> Track:
    return Track.create(person=who, at=instant, local_date=instant.astimezone(LONDON).date(), direction=direction,
                        source="scanner", minutes_late=minutes_late, reason=reason)


def intent(t: Track, status: str = "sent", summary: str | None = None) -> AttendanceIntent:
    return AttendanceIntent.create(track=t, person=t.person_id, direction=t.direction, event_at=t.at,
                                   local_date=t.local_date, minutes_late=t.minutes_late, status=status,
                                   summary=summary, next_attempt_at=t.at, created_at=t.at, updated_at=t.at)


def write(who: Person, day: date, outcome: str = "sent", intent_id: int | None = None, error: str | None = None,
          period_name: str = "AM") -> AttendanceWrite:
    return AttendanceWrite.create(intent=intent_id, person=who, local_date=day, period_id=1, period_name=period_name,
                                  rule="test", outcome=outcome, error=error, at=at(day, "10:10"))
