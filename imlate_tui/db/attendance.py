"""The attendance outbox and the record of register writes."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any

from imlate_tui.db.connection import write_transaction
from imlate_tui.db.models import AttendanceIntent, AttendanceWrite, Person, Track
from imlate_tui.db.scan_path import insert_intent


def add_intent(*, track: Track, person: Person, first_of_day: bool, hold_until: datetime | None,
               now: datetime) -> AttendanceIntent:
    """Store the intent for a track (the scan path's fixed insert: one way to write an intent)."""
    intent_id = insert_intent(track=track, person_id=person.id, first_of_day=first_of_day, hold_until=hold_until,
                              now=now)
    return AttendanceIntent(id=intent_id, track=track.id, person=person.id, direction=track.direction,
                            event_at=track.at, local_date=track.local_date, minutes_late=track.minutes_late,
                            first_of_day=first_of_day, hold_until=hold_until, status="pending", attempts=0,
                            next_attempt_at=now, created_at=now, updated_at=now)


def due(now: datetime, limit: int = 200) -> list[AttendanceIntent]:
    """Pending intents whose time has come, oldest event first (delivery keeps their order)."""
    return list(AttendanceIntent.select(AttendanceIntent, Track, Person)
                .join(Track, on=(AttendanceIntent.track == Track.id))
                .switch(AttendanceIntent).join(Person, on=(AttendanceIntent.person == Person.id))
                .where((AttendanceIntent.status == "pending") & (AttendanceIntent.next_attempt_at <= now))
                .order_by(AttendanceIntent.event_at, AttendanceIntent.id).limit(limit))


def claim(intent: AttendanceIntent, who: str, now: datetime, until: datetime) -> str | None:
    """Take an intent for delivery: its fencing token, or None when another writer holds an unexpired claim.

    The token is new for every claim; the outcome of this attempt is recorded only while the intent
    still carries it (``settle``), so a writer that stalled past its claim never overwrites the outcome
    of the writer that took over.
    """
    token = uuid.uuid4().hex
    with write_transaction():
        taken = (AttendanceIntent.update(claimed_by=who, claimed_until=until, claim_token=token)
                 .where((AttendanceIntent.id == intent.id) & (AttendanceIntent.status == "pending")
                        & (AttendanceIntent.claimed_until.is_null() | (AttendanceIntent.claimed_until < now)))
                 .execute())
    return token if taken == 1 else None


def still_claimed(intent_id: int, token: str, until: datetime) -> bool:
    """Right before a write: is the claim still ours? If so, hold it until ``until`` (the write's longest)."""
    with write_transaction():
        return (AttendanceIntent.update(claimed_until=until)
                .where((AttendanceIntent.id == intent_id) & (AttendanceIntent.claim_token == token)
                       & (AttendanceIntent.status == "pending")).execute()) == 1


def settle(intent: AttendanceIntent, *, status: str, summary: str, now: datetime, token: str | None = None,
           retry_at: datetime | None = None, minutes_late: int | None = None) -> bool:
    """Record how an attempt ended and release the claim. With ``token``, only if the claim is still
    this one (False: another writer took the intent over; nothing is changed)."""
    fields: dict[str, Any] = {"status": status, "summary": summary[:2000], "updated_at": now,
                              "claimed_by": None, "claimed_until": None, "claim_token": None,
                              "attempts": AttendanceIntent.attempts + 1}
    if retry_at is not None:
        fields["next_attempt_at"] = retry_at
    if minutes_late is not None:
        fields["minutes_late"] = minutes_late
    where = AttendanceIntent.id == intent.id
    if token is not None:
        where &= AttendanceIntent.claim_token == token
    with write_transaction():
        if AttendanceIntent.update(**fields).where(where).execute() != 1:
            return False
        if token is not None:   # this claim's writes are accounted for by this outcome
            AttendanceWrite.update(claim_token=None).where(
                (AttendanceWrite.intent == intent.id) & (AttendanceWrite.claim_token == token)).execute()
        if minutes_late is not None:   # filled in late (cold period cache at scan time)
            Track.update(minutes_late=minutes_late).where(
                (Track.id == intent.track_id) & Track.minutes_late.is_null()).execute()
    return True


def record_write(*, person_id: int, day: date, period_id: int | None, period_name: str, rule: str,
                 outcome: str, now: datetime, intent_id: int | None = None, job_run_id: int | None = None,
                 before: dict | None = None, body: dict | None = None, error: str | None = None,
                 mark: str | None = None, claim_token: str | None = None) -> AttendanceWrite:
    with write_transaction():
        return AttendanceWrite.create(
            intent=intent_id, job_run=job_run_id, person=person_id, local_date=day, period_id=period_id,
            period_name=period_name, rule=rule, outcome=outcome, at=now, error=error, mark=mark,
            claim_token=claim_token,
            before=json.dumps(before, default=str, sort_keys=True) if before is not None else None,
            body=json.dumps(body, default=str, sort_keys=True) if body is not None else None)


def set_write_outcome(write: AttendanceWrite, outcome: str, now: datetime, error: str | None = None) -> None:
    with write_transaction():
        AttendanceWrite.update(outcome=outcome, error=error, at=now).where(AttendanceWrite.id == write.id).execute()


def unresolved_writes(intent_id: int) -> list[AttendanceWrite]:
    """Writes whose end no settled outcome accounts for: started but never recorded as finished (the
    process stopped between PUT and record, or the PUT's answer never came), and writes a writer
    recorded after it had lost its claim (its outcome was fenced out)."""
    return list(AttendanceWrite.select().where(
        (AttendanceWrite.intent == intent_id)
        & ((AttendanceWrite.outcome == "sending")
           | ((AttendanceWrite.outcome == "sent") & AttendanceWrite.claim_token.is_null(False))))
        .order_by(AttendanceWrite.id))


def adopt_write(write: AttendanceWrite, token: str) -> None:
    """Make an earlier claim's write part of this claim, so this claim's outcome accounts for it."""
    with write_transaction():
        AttendanceWrite.update(claim_token=token).where(AttendanceWrite.id == write.id).execute()


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



def mark_write_queued(write: AttendanceWrite, reference: str, now: datetime, check_at: datetime) -> None:
    """The MIS accepted the write into its queue (Wonde): follow ``reference`` from ``check_at`` on."""
    with write_transaction():
        AttendanceWrite.update(outcome="queued", reference=reference, check_at=check_at, at=now) \
            .where(AttendanceWrite.id == write.id).execute()


def queued_writes(now: datetime, limit: int = 100) -> list[AttendanceWrite]:
    """Queued writes whose next check is due, oldest first."""
    return list(AttendanceWrite.select().where((AttendanceWrite.outcome == "queued")
                                               & (AttendanceWrite.check_at <= now))
                .order_by(AttendanceWrite.check_at, AttendanceWrite.id).limit(limit))


def recheck_write(write: AttendanceWrite, check_at: datetime) -> None:
    with write_transaction():
        AttendanceWrite.update(check_at=check_at).where(AttendanceWrite.id == write.id).execute()


def settle_followed(intent_id: int, now: datetime) -> str | None:
    """Once none of an intent's writes is queued any more, its status follows them: ``failed`` if one
    failed, else ``sent``. Returns the new status, or None while something is still queued."""
    latest: dict[int | None, AttendanceWrite] = {}
    for write in AttendanceWrite.select().where(AttendanceWrite.intent == intent_id).order_by(AttendanceWrite.id):
        latest[write.period_id] = write   # a write decided again supersedes the register's earlier ones
    writes = list(latest.values())
    if any(w.outcome == "queued" for w in writes):
        return None
    failed = [w for w in writes if w.outcome == "failed"]
    status = "failed" if failed else "sent"
    with write_transaction():
        fields: dict[str, Any] = {"status": status, "updated_at": now}
        if failed:
            fields["summary"] = "; ".join(f"{w.period_name or '-'}: {w.error}" for w in failed)[:2000]
        AttendanceIntent.update(**fields).where((AttendanceIntent.id == intent_id)
                                                & (AttendanceIntent.status == "queued")).execute()
    return status
