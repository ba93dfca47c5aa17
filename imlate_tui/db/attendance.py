"""The attendance outbox and the record of register writes."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from imlate_tui.db.connection import write_transaction
from imlate_tui.db.models import AttendanceIntent, AttendanceWrite, Person, Track


def add_intent(*, track: Track, person: Person, first_of_day: bool, hold_until: datetime | None,
               now: datetime) -> AttendanceIntent:
    return AttendanceIntent.create(
        track=track.id, person=person.id, direction=track.direction, event_at=track.at, local_date=track.local_date,
        minutes_late=track.minutes_late, first_of_day=first_of_day, hold_until=hold_until, next_attempt_at=now,
        created_at=now, updated_at=now)


def due(now: datetime, limit: int = 200) -> list[AttendanceIntent]:
    """Pending intents whose time has come, oldest event first (delivery keeps their order)."""
    return list(AttendanceIntent.select(AttendanceIntent, Track, Person)
                .join(Track, on=(AttendanceIntent.track == Track.id))
                .switch(AttendanceIntent).join(Person, on=(AttendanceIntent.person == Person.id))
                .where((AttendanceIntent.status == "pending") & (AttendanceIntent.next_attempt_at <= now))
                .order_by(AttendanceIntent.event_at, AttendanceIntent.id).limit(limit))


def claim(intent: AttendanceIntent, who: str, now: datetime, until: datetime) -> bool:
    """Take an intent for delivery; False when another writer holds an unexpired claim."""
    with write_transaction():
        taken = (AttendanceIntent.update(claimed_by=who, claimed_until=until)
                 .where((AttendanceIntent.id == intent.id) & (AttendanceIntent.status == "pending")
                        & (AttendanceIntent.claimed_until.is_null() | (AttendanceIntent.claimed_until < now)))
                 .execute())
    return taken == 1


def settle(intent: AttendanceIntent, *, status: str, summary: str, now: datetime,
           retry_at: datetime | None = None, minutes_late: int | None = None) -> None:
    """Record how an attempt ended and release the claim."""
    fields: dict[str, Any] = {"status": status, "summary": summary[:2000], "updated_at": now,
                              "claimed_by": None, "claimed_until": None,
                              "attempts": AttendanceIntent.attempts + 1}
    if retry_at is not None:
        fields["next_attempt_at"] = retry_at
    if minutes_late is not None:
        fields["minutes_late"] = minutes_late
    with write_transaction():
        AttendanceIntent.update(**fields).where(AttendanceIntent.id == intent.id).execute()
        if minutes_late is not None:   # filled in late (cold period cache at scan time)
            Track.update(minutes_late=minutes_late).where(
                (Track.id == intent.track_id) & Track.minutes_late.is_null()).execute()


def record_write(*, person_id: int, day: date, period_id: int | None, period_name: str, rule: str,
                 outcome: str, now: datetime, intent_id: int | None = None, job_run_id: int | None = None,
                 before: dict | None = None, body: dict | None = None, error: str | None = None) -> AttendanceWrite:
    with write_transaction():
        return AttendanceWrite.create(
            intent=intent_id, job_run=job_run_id, person=person_id, local_date=day, period_id=period_id,
            period_name=period_name, rule=rule, outcome=outcome, at=now, error=error,
            before=json.dumps(before, default=str, sort_keys=True) if before is not None else None,
            body=json.dumps(body, default=str, sort_keys=True) if body is not None else None)


def set_write_outcome(write: AttendanceWrite, outcome: str, now: datetime, error: str | None = None) -> None:
    with write_transaction():
        AttendanceWrite.update(outcome=outcome, error=error, at=now).where(AttendanceWrite.id == write.id).execute()


def unresolved_writes(intent_id: int) -> list[AttendanceWrite]:
    """Writes started but never recorded as finished (the process stopped between PUT and record)."""
    return list(AttendanceWrite.select().where((AttendanceWrite.intent == intent_id)
                                               & (AttendanceWrite.outcome == "sending")))


def requeue_since(day: date, now: datetime) -> int:
    """`jobs run writeback --since DATE`: deliver the intents of those days again."""
    with write_transaction():
        return (AttendanceIntent.update(status="pending", next_attempt_at=now, claimed_by=None,
                                        claimed_until=None, hold_until=None, updated_at=now)
                .where((AttendanceIntent.local_date >= day) & (AttendanceIntent.status != "pending")).execute())


def intents_of(person_id: int, day: date) -> list[AttendanceIntent]:
    return list(AttendanceIntent.select().where((AttendanceIntent.person == person_id)
                                                & (AttendanceIntent.local_date == day))
                .order_by(AttendanceIntent.event_at, AttendanceIntent.id))


def writes_of(person_id: int, day: date) -> list[AttendanceWrite]:
    return list(AttendanceWrite.select().where((AttendanceWrite.person == person_id)
                                               & (AttendanceWrite.local_date == day))
                .order_by(AttendanceWrite.at, AttendanceWrite.id))


def counts_by_status() -> dict[str, int]:
    from peewee import fn

    rows = AttendanceIntent.select(AttendanceIntent.status, fn.COUNT(AttendanceIntent.id).alias("n")) \
        .group_by(AttendanceIntent.status)
    return {row.status: row.n for row in rows}


def signed_in_on(day: date) -> set[int]:
    """Everyone with a sign-in that day, whatever became of its writeback."""
    return {t.person_id for t in Track.select(Track.person).where((Track.local_date == day) & (Track.direction == "in")
                                                                  & Track.voided_at.is_null())}
