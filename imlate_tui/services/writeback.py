"""The attendance writer: delivers outbox intents to the MIS, in order, exactly once.

For each due intent, oldest event first: claim it (so two processes never deliver the same one), work
out the student's registers, read each one, let the domain decide, and write. Before a write a
`sending` row is committed; after it, the row becomes `sent`. If the process dies in between, the
next attempt reads the register again: when it already shows what was sent, the row becomes
`confirmed` and nothing is written twice.

When the MIS is unreachable the batch stops (later intents wait, so order is kept) and the intent is
retried with back-off (or after the MIS's Retry-After, or when the request budget has room again); a
rejection (HTTP 400) is permanent: the intent is `failed` with the MIS's message.

Exactly once across writers and time-outs (issue 13, items 5 and 6):
- Fencing: each claim carries a new token; an outcome is recorded only while the intent still carries
  it, and right before each write the claim is checked and extended over the write's longest time. A
  writer that stalled past its claim (a slow PUT, a long wait, clocks apart) never overwrites the outcome
  of the writer that took over, and never starts a write once it has lost the claim.
- A write another claim started and never accounted for (`sending`, or `sent` after its claim was lost)
  is checked against the register before anything is decided. While it is not shown, this writer waits
  one in-flight window, measured from when it first saw it by its own clock (so hosts' clocks apart do
  not matter), before deciding again: a stalled PUT still on its way is not doubled.
- A write whose answer never came (a time-out after sending) is never re-sent blindly: the register is
  read again; if it shows the mark the write is `confirmed`, else the intent waits and the next attempt
  reads again and decides afresh (an office change in between is then respected, not overwritten).

The writer keeps one MIS connection for its life (one connection pool, one token until it expires), so
a kiosk sign-in costs two requests: the register read and the write.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Callable

from imlate_tui.clock import Clock, utc_now
from imlate_tui.db import attendance
from imlate_tui.db.models import AttendanceIntent
from imlate_tui.domain.attendance import Decision, Event, decide, registers_needed
from imlate_tui.erp.mis import MarkRead, Mis, MisError, MisNotFound, MisOutcomeUnknown, MisRejected
from imlate_tui.services.attendance_outbox import student_minutes_late
from imlate_tui.services.registers import (applied, code_book, day_of, fit_to, mark_json, mark_to_write,
                                           policy_of, register_of)
from imlate_tui.services.writeback_corrections import already_shown, lift_own_marks, refresh, undo_void

if TYPE_CHECKING:
    from imlate_tui.config import Settings

log = logging.getLogger(__name__)
MAX_BACKOFF_SECONDS = 900
_process_lock = threading.Lock()   # one batch at a time in a process; claims keep processes apart
_batch_started: list[float] = []   # monotonic start of the batch holding _process_lock, if any


def call_bound(settings: Settings) -> float:
    """The longest one MIS call can take: every attempt to its deadline, every wait at its longest."""
    isams = settings.erp.isams
    retries = 4
    return (retries + 1) * isams.request_deadline_seconds + retries * max(isams.max_retry_after_seconds, 8.0)


CLAIM_SECONDS = 120


def claim_seconds(settings: Settings) -> float:
    """How long a claim lasts (it is extended before each write). A writer that dies is taken over after
    this; one that is merely slow is fenced out, and its write still on its way is waited for (see above)."""
    return float(CLAIM_SECONDS)


class Transient(Exception):
    """Try this intent (and everything after it) again later."""

    def __init__(self, text: str, retry_after: float | None = None) -> None:
        super().__init__(text)
        self.retry_after = retry_after


class ClaimLost(Exception):
    """Another writer took this intent over; this attempt stops without writing or recording."""


@dataclass
class BatchResult:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    waiting: int = 0
    fenced: int = 0
    queued: int = 0
    """Accepted into the MIS's queue (Wonde), to be followed until the MIS applies them."""
    error: str | None = None

    def as_counts(self) -> dict[str, Any]:
        counts = {"sent": self.sent, "skipped": self.skipped, "failed": self.failed, "waiting": self.waiting}
        if self.queued:
            counts["queued"] = self.queued
        if self.fenced:
            counts["taken_over"] = self.fenced
        return counts


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(MAX_BACKOFF_SECONDS, 30 * 2 ** max(0, attempts)))


def _transient(exc: MisError, mis: Mis) -> Transient:
    return Transient(f"{mis.name}: {exc}", getattr(exc, "retry_after", None))


class Writer:
    """Delivers due intents. `mis_factory()` is asked once, for the writer's life; `close()` closes it.

    `lock` keeps batches of one process apart (tests give a second writer its own, as another process
    would have). `after_put` is a seam for the crash test: it runs between a write and its record.
    """

    def __init__(self, settings: Settings, mis_factory: Callable[[], Mis], clock: Clock = utc_now,
                 after_put: Callable[[], None] | None = None, lock: threading.Lock | None = None,
                 owns_mis: bool = True) -> None:
        self.settings = settings
        self.mis_factory = mis_factory
        self.clock = clock
        self.policy = policy_of(settings)
        self.who = f"{socket.gethostname()}:{os.getpid()}"
        self.after_put = after_put
        self.before_each: Callable[[], None] | None = None
        """Called before each mark is delivered: the kiosk's writer waits there for a quiet moment."""
        self.lock = lock or _process_lock
        self.claim_seconds = claim_seconds(settings)
        self.in_flight_seconds = call_bound(settings)
        self.batch_seconds = self.claim_seconds
        self._mis: Mis | None = None
        self._owns_mis = owns_mis
        self._first_seen: dict[int, Any] = {}   # write id -> when this writer first saw it unresolved
        self._as_of: dict[int, Any] = {}        # register id -> when the MIS's copy of it was read (Wonde)
        self._reads: dict[int, MarkRead] = {}   # register id -> its row as last read

    def mis(self) -> Mis:
        if self._mis is None:
            self._mis = self.mis_factory()
        return self._mis

    def close(self) -> None:
        if self._mis is not None and self._owns_mis:
            self._mis.close()
        self._mis = None

    def deliver_due(self, limit: int = 200) -> BatchResult:
        result = BatchResult()
        if not self.lock.acquire(blocking=False):
            return result   # a batch is already running in this process
        if self.lock is _process_lock:
            _batch_started[:] = [time.monotonic()]
        try:
            self._batch(limit, result)
        finally:
            if self.lock is _process_lock:
                _batch_started.clear()
            self.lock.release()
        return result

    def _batch(self, limit: int, result: BatchResult) -> None:
        now = self.clock()
        if attendance.queued_writes(now, 1):
            follow_queued(self.mis(), self.clock, result)
        intents = attendance.due(now, limit)
        if not intents:
            return
        mis = self.mis()
        codes = code_book()
        started = time.monotonic()
        for intent in intents:
            if time.monotonic() - started > self.batch_seconds:
                break   # the rest waits for the next batch: a batch never holds the writer for ever
            if self.before_each is not None:
                self.before_each()
            now = self.clock()
            if intent.hold_until and intent.hold_until > now and not intent.track.reason:
                result.waiting += 1
                continue   # the kiosk is still asking for a reason
            token = attendance.claim(intent, self.who, now, now + timedelta(seconds=self.claim_seconds))
            if token is None:
                continue
            try:
                status, summary, minutes = self._deliver(intent, token, mis, codes)
            except ClaimLost as exc:
                result.fenced += 1
                log.warning("writeback of intent %s stopped: %s", intent.id, exc)
                continue
            except Transient as exc:
                wait = backoff(intent.attempts)
                if exc.retry_after is not None:
                    wait = max(timedelta(seconds=exc.retry_after), timedelta(seconds=1))
                retry = self.clock() + wait
                if not attendance.settle(intent, status="pending", summary=str(exc), now=self.clock(),
                                         token=token, retry_at=retry):
                    result.fenced += 1
                result.error = str(exc)
                log.warning("writeback paused: %s (retry at %s)", exc, retry.isoformat())
                return   # later intents wait, so they are delivered in order
            if attendance.settle(intent, status=status, summary=summary, now=self.clock(), token=token,
                                 minutes_late=minutes):
                setattr(result, status, getattr(result, status) + 1)
            else:
                result.fenced += 1
                log.warning("writeback of intent %s: another writer took it over; this outcome (%s) is not "
                            "recorded over theirs", intent.id, status)

    def _deliver(self, intent: AttendanceIntent, token: str, mis: Mis, codes) -> tuple[str, str, int | None]:
        person, now = intent.person, self.clock()
        refresh(intent)
        if intent.track.voided_at is not None:   # the office voided the scan: take ImLate's mark back
            return undo_void(self, intent, token, mis, codes)
        try:
            day = day_of(person, intent.local_date, self.settings, mis, now)
        except MisError as exc:
            raise _transient(exc, mis) from None
        if day is None:
            reason = "no divisions" if not person.divisions else f"{mis.name} gives only today's registration periods"
            return "failed", f"registers for {intent.local_date} are not known ({reason})", None
        minutes = intent.minutes_late
        filled = None
        if minutes is None and intent.direction == "in":
            minutes = filled = student_minutes_late(person, intent.event_at, day, self.settings)
        event = Event(intent.direction, intent.event_at, minutes, intent.track.reason, intent.first_of_day)
        registers, reads, missing = {}, {}, []
        try:
            for period in registers_needed(event, day, self.policy):
                try:
                    reads[period.id] = mis.read_mark(period.id, person.school_id)
                    registers[period.id] = register_of(reads[period.id], codes)
                    self._as_of[period.id] = reads[period.id].as_of
                    self._reads[period.id] = reads[period.id]
                except MisNotFound:
                    missing.append(period)
        except MisError as exc:
            raise _transient(exc, mis) from None
        done = self._resolve_unfinished(intent, token, reads)
        actual = registers
        if intent.correction == "reason":   # a reason given later: ImLate's own mark may be replaced
            registers = lift_own_marks(intent, registers, reads, codes)
        decisions, notes = decide(event, day, registers, self.policy, codes)
        rules, outcomes = list(notes), []
        for period in missing:
            self._record(intent, token, period.id, period.label,
                         f"student is not on this register in {mis.name} (404)", "skipped")
            outcomes.append("skipped")
        lessons = {p.id for p in day.lessons}
        for decision in decisions:
            if decision.period is not None and (decision.period.id in done or decision.period in missing):
                continue
            if registers is not actual:
                decision = already_shown(decision, actual)
            outcome, error, said = self._apply(intent, token, decision, actual, mis, codes,
                                               lesson=decision.period is not None and decision.period.id in lessons)
            rules.append(f"{decision.period.label if decision.period else '-'}: {decision.rule}"
                         + "".join(f" ({note})" for note in said) + (f" — failed: {error}" if error else ""))
            outcomes.append(outcome)
        status = ("failed" if "failed" in outcomes else "queued" if "queued" in outcomes
                  else "sent" if {"sent"} & set(outcomes) or done else "skipped")
        return status, "; ".join(rules) or "nothing to write", filled

    def _resolve_unfinished(self, intent: AttendanceIntent, token: str, reads: dict[int, MarkRead]) -> set[int]:
        """Writes no settled outcome accounts for: confirmed if the MIS shows them, waited on while another
        claim's write may still be on its way, otherwise decided again."""
        done = set()
        for write in attendance.unresolved_writes(intent.id):
            read = reads.get(write.period_id)
            shown = read is not None and applied(write.mark, read)
            if write.outcome == "sent":   # recorded by a writer that had lost its claim
                attendance.adopt_write(write, token)
                if shown:
                    done.add(write.period_id)
                continue
            if shown:
                attendance.set_write_outcome(write, "confirmed", self.clock())
                attendance.adopt_write(write, token)
                done.add(write.period_id)
                continue
            if write.claim_token is not None and write.claim_token != token:
                first = self._first_seen.setdefault(write.id, self.clock())
                if (self.clock() - first).total_seconds() < self.in_flight_seconds:
                    raise Transient(f"a write of {write.period_name or 'a register'} by another writer may still "
                                    "be on its way; waiting for it before deciding again",
                                    retry_after=min(60.0, self.in_flight_seconds))
            attendance.set_write_outcome(write, "failed", self.clock(), "not applied (stopped mid-write); decided again")
        return done

    def _apply(self, intent: AttendanceIntent, token: str, decision: Decision, registers: dict, mis: Mis,
               codes, *, lesson: bool) -> tuple[str, str | None, list[str]]:
        period = decision.period
        before = registers.get(period.id) if period is not None else None
        before_data = dict(before.__dict__) if before is not None else None
        as_of = self._as_of.get(period.id) if period is not None else None
        if before_data is not None and as_of is not None:
            before_data["read_as_of"] = as_of   # read from the MIS's copy (Wonde), as it was then
        if decision.mark is None:
            self._record(intent, token, period.id if period else None, period.label if period else "",
                         decision.rule, "skipped", before=before_data)
            return "skipped", None, []
        leaver_code = intent.direction == "out" and decision.mark.leaving_at is not None and not decision.mark.is_present
        mark, said = fit_to(mark_to_write(decision.mark, codes), mis.capabilities, mis.name, lesson=lesson,
                            leaver_code=leaver_code)
        read = self._reads.get(period.id)
        if mark is not None and said and read is not None and applied(mark_json(mark), read):
            mark = None   # what is left once cut down (an early leaver's time, say) is already there: nothing to send
        if mark is None:
            self._record(intent, token, period.id, period.label, f"{decision.rule}; {'; '.join(said)}", "skipped",
                         before=before_data)
            return "skipped", None, said
        try:
            body = mis.request_body(mark)
        except MisRejected as exc:
            self._record(intent, token, period.id, period.label, decision.rule, "failed", before=before_data,
                         error=str(exc))
            return "failed", str(exc), said
        until = self.clock() + timedelta(seconds=self.claim_seconds)
        if not attendance.still_claimed(intent.id, token, until):
            raise ClaimLost("another writer took the intent over before this write; nothing was sent")
        write = self._record(intent, token, period.id, period.label, decision.rule, "sending", before=before_data,
                             body=body, mark=mark_json(mark))
        try:
            receipt = mis.write_mark(period.id, intent.person.school_id, mark)
        except (MisRejected, MisNotFound) as exc:   # permanent: the same write cannot succeed
            attendance.set_write_outcome(write, "failed", self.clock(), str(exc))
            return "failed", str(exc), said
        except MisOutcomeUnknown as exc:
            if self._shown_after_all(mis, period.id, intent.person.school_id, write):
                return "sent", None, said
            raise _transient(exc, mis) from None   # the row stays `sending`: the next attempt reads and decides
        except MisError as exc:
            raise _transient(exc, mis) from None
        if self.after_put is not None:
            self.after_put()
        if receipt.state == "queued":
            now = self.clock()
            attendance.mark_write_queued(write, receipt.reference or "", now, now + FOLLOW_FIRST)
            return "queued", None, said
        attendance.set_write_outcome(write, "sent", self.clock())
        return "sent", None, said

    def _shown_after_all(self, mis: Mis, period_id: int, school_id: str, write) -> bool:
        """After a write whose answer never came: read the register; does it show the mark?"""
        try:
            read = mis.read_mark(period_id, school_id)
        except MisError:
            return False
        if applied(write.mark, read):
            attendance.set_write_outcome(write, "confirmed", self.clock())
            return True
        return False

    def _record(self, intent: AttendanceIntent, token: str, period_id: int | None, name: str, rule: str,
                outcome: str, before: dict | None = None, body: dict | None = None, mark: str | None = None,
                error: str | None = None):
        return attendance.record_write(person_id=intent.person_id, day=intent.local_date, period_id=period_id,
                                       period_name=name, rule=rule, outcome=outcome, now=self.clock(),
                                       intent_id=intent.id, before=before, body=body, mark=mark,
                                       claim_token=token, error=error)


FOLLOW_FIRST = timedelta(seconds=30)
FOLLOW_GIVE_UP = timedelta(hours=24)


def follow_queued(mis: Mis, clock: Clock, result: BatchResult, limit: int = 100) -> None:
    """Ask the MIS how queued writes ended (wonde-api.md §4.6): a write is `sent` only once the MIS says it
    applied it; `failed` with its reason; still queued after 24 hours is `failed (timeout)`. Checks back off
    with the write's age (30 s, then half its age, at most 15 minutes apart)."""
    for write in attendance.queued_writes(clock(), limit):
        try:
            state, detail = mis.writeback_outcome(write.reference or "")
        except MisError as exc:
            result.error = f"{mis.name}: {exc}"
            log.warning("following queued writes paused: %s", exc)
            return
        now = clock()
        age = now - write.at
        if state == "queued" and age >= FOLLOW_GIVE_UP:
            state, detail = "failed", f"{mis.name} had not applied it after 24 hours (timeout)"
        if state == "queued":
            attendance.recheck_write(write, now + min(max(age / 2, FOLLOW_FIRST), timedelta(minutes=15)))
            continue
        attendance.set_write_outcome(write, "sent" if state == "applied" else "failed", now,
                                     None if state == "applied" else f"{mis.name}: {detail}")
        if write.intent_id is not None:
            settled = attendance.settle_followed(write.intent_id, now)
            if settled is not None:
                setattr(result, settled, getattr(result, settled) + 1)

