"""Queries behind the attendance office's corrections: a voided scan, a reason given later, a track
entered at an earlier time, and sending the corrected event to iSAMS again through the outbox."""

from __future__ import annotations

from datetime import date, datetime

from imlate_tui.db.models import AttendanceIntent, AttendanceWrite, Person, Track
from imlate_tui.db.tracks import counted


def track_with_person(track_id: int) -> Track | None:
    return (Track.select(Track, Person).join(Person, on=(Track.person == Person.id))
            .where(Track.id == track_id).first())


def neighbours(person_id: int, day: date, at: datetime) -> tuple[Track | None, Track | None]:
    """The counted tracks of that day just before and just after `at`."""
    base = Track.select().where((Track.person == person_id) & (Track.local_date == day) & counted())
    before = base.where(Track.at <= at).order_by(Track.at.desc(), Track.id.desc()).first()
    after = base.where(Track.at > at).order_by(Track.at, Track.id).first()
    return before, after


def void(track_id: int, *, by: str, reason: str, now: datetime) -> None:
    Track.update(voided_at=now, voided_by=by, void_reason=reason).where(Track.id == track_id).execute()


def set_reason(track_id: int, reason: str | None) -> None:
    Track.update(reason=reason).where(Track.id == track_id).execute()


def intent_of(track_id: int) -> AttendanceIntent | None:
    return AttendanceIntent.get_or_none(AttendanceIntent.track == track_id)


def being_sent(intent: AttendanceIntent, now: datetime) -> bool:
    """A writer holds the intent right now (its claim has not run out)."""
    return intent.claimed_until is not None and intent.claimed_until > now


def queue_correction(intent: AttendanceIntent, kind: str, now: datetime) -> None:
    """Deliver this intent again, at once: "reason" decides again over ImLate's own mark, "void" takes
    ImLate's mark back. An intent never delivered keeps no correction mark for a new reason: its first
    delivery already uses it."""
    correction = kind if kind == "void" or intent.status != "pending" or intent.attempts else intent.correction
    (AttendanceIntent.update(status="pending", correction=correction, next_attempt_at=now, hold_until=None,
                             claimed_by=None, claimed_until=None, updated_at=now)
     .where(AttendanceIntent.id == intent.id).execute())


def own_writes(intent_id: int) -> list[AttendanceWrite]:
    """The latest register write ImLate delivered for this intent, one per register (sent or confirmed)."""
    latest: dict[int, AttendanceWrite] = {}
    for write in (AttendanceWrite.select()
                  .where((AttendanceWrite.intent == intent_id) & AttendanceWrite.outcome.in_(("sent", "confirmed")))
                  .order_by(AttendanceWrite.at, AttendanceWrite.id)):
        latest[write.period_id] = write
    return list(latest.values())
