"""The attendance writer: delivers outbox intents to iSAMS, in order, exactly once.

For each due intent, oldest event first: claim it (so two processes never deliver the same one), work
out the student's registers, read each one (GET), let the domain decide, and write (PUT). Before a PUT
a `sending` row is committed; after it, the row becomes `sent`. If the process dies in between, the
next attempt reads the register again: when it already shows what was sent, the row becomes
`confirmed` and nothing is written twice.

When iSAMS is unreachable the batch stops (later intents wait, so order is kept) and the intent is
retried with back-off; a 400 from iSAMS is permanent: the intent is `failed` with iSAMS's message.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Callable

from imlate_tui.clock import Clock, utc_now
from imlate_tui.config import Settings
from imlate_tui.db import attendance
from imlate_tui.db.models import AttendanceIntent
from imlate_tui.domain.attendance import Decision, Event, decide, registers_needed
from imlate_tui.erp.isams.errors import (IsamsAuthError, IsamsBadResponse, IsamsError, IsamsInvalidRequest,
                                         IsamsNotFound, IsamsPermissionError, IsamsUnavailable)
from imlate_tui.services.attendance_outbox import student_minutes_late
from imlate_tui.services.registers import applied, code_book, day_of, policy_of, register_of, update_of
from imlate_tui.services.writeback_corrections import already_shown, lift_own_marks, refresh, undo_void

log = logging.getLogger(__name__)
CLAIM_SECONDS = 120
MAX_BACKOFF_SECONDS = 900
_process_lock = threading.Lock()   # one batch at a time in a process; claims keep processes apart


class Transient(Exception):
    """Try this intent (and everything after it) again later."""


@dataclass
class BatchResult:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    waiting: int = 0
    error: str | None = None

    def as_counts(self) -> dict[str, Any]:
        return {"sent": self.sent, "skipped": self.skipped, "failed": self.failed, "waiting": self.waiting}


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(MAX_BACKOFF_SECONDS, 30 * 2 ** max(0, attempts)))


class Writer:
    """`client_factory()` gives a fresh iSAMS client for each batch; the writer closes it."""

    def __init__(self, settings: Settings, client_factory: Callable[[], Any], clock: Clock = utc_now,
                 after_put: Callable[[], None] | None = None) -> None:
        self.settings = settings
        self.client_factory = client_factory
        self.clock = clock
        self.policy = policy_of(settings)
        self.who = f"{socket.gethostname()}:{os.getpid()}"
        self.after_put = after_put   # a seam for the crash test: runs between a PUT and its record

    def deliver_due(self, limit: int = 200) -> BatchResult:
        result = BatchResult()
        if not _process_lock.acquire(blocking=False):
            return result   # a batch is already running in this process
        try:
            self._batch(limit, result)
        finally:
            _process_lock.release()
        return result

    def _batch(self, limit: int, result: BatchResult) -> None:
        now = self.clock()
        intents = attendance.due(now, limit)
        if not intents:
            return
        client = self.client_factory()
        try:
            codes = code_book()
            for intent in intents:
                now = self.clock()
                if intent.hold_until and intent.hold_until > now and not intent.track.reason:
                    result.waiting += 1
                    continue   # the kiosk is still asking for a reason
                if not attendance.claim(intent, self.who, now, now + timedelta(seconds=CLAIM_SECONDS)):
                    continue
                try:
                    status, summary, minutes = self._deliver(intent, client, codes)
                except Transient as exc:
                    retry = self.clock() + backoff(intent.attempts)
                    attendance.settle(intent, status="pending", summary=str(exc), now=self.clock(), retry_at=retry)
                    result.error = str(exc)
                    log.warning("writeback paused: %s (retry at %s)", exc, retry.isoformat())
                    return   # later intents wait, so they are delivered in order
                attendance.settle(intent, status=status, summary=summary, now=self.clock(), minutes_late=minutes)
                setattr(result, status, getattr(result, status) + 1)
        finally:
            client.close()

    def _deliver(self, intent: AttendanceIntent, client: Any, codes) -> tuple[str, str, int | None]:
        person, now = intent.person, self.clock()
        refresh(intent)
        if intent.track.voided_at is not None:   # the office voided the scan: take ImLate's mark back
            return undo_void(self, intent, client, codes)
        try:
            day = day_of(person, intent.local_date, self.settings, client, now)
        except (IsamsUnavailable, IsamsBadResponse, IsamsAuthError, IsamsPermissionError) as exc:
            raise Transient(f"iSAMS: {exc}") from None
        if day is None:
            reason = "no divisions" if not person.divisions else "iSAMS gives only today's registration periods"
            return "failed", f"registers for {intent.local_date} are not known ({reason})", None
        minutes = intent.minutes_late
        filled = None
        if minutes is None and intent.direction == "in":
            minutes = filled = student_minutes_late(person, intent.event_at, day, self.settings)
        event = Event(intent.direction, intent.event_at, minutes, intent.track.reason, intent.first_of_day)
        registers, missing = {}, []
        try:
            for period in registers_needed(event, day, self.policy):
                try:
                    registers[period.id] = register_of(client.get_registration_status(period.id, person.school_id))
                except IsamsNotFound:
                    missing.append(period)
        except (IsamsUnavailable, IsamsBadResponse, IsamsAuthError, IsamsPermissionError) as exc:
            raise Transient(f"iSAMS: {exc}") from None
        done = self._resolve_unfinished(intent, registers)
        actual = registers
        if intent.correction == "reason":   # a reason given later: ImLate's own mark may be replaced
            registers = lift_own_marks(intent, registers)
        decisions, notes = decide(event, day, registers, self.policy, codes)
        rules, outcomes = list(notes), []
        for period in missing:
            self._record(intent, period.id, period.label, "student is not on this register in iSAMS (404)", "skipped")
            outcomes.append("skipped")
        for decision in decisions:
            if decision.period is not None and (decision.period.id in done or decision.period in missing):
                continue
            if registers is not actual:
                decision = already_shown(decision, actual)
            outcome, error = self._apply(intent, decision, actual, client)
            rules.append(f"{decision.period.label if decision.period else '-'}: {decision.rule}"
                         + (f" — failed: {error}" if error else ""))
            outcomes.append(outcome)
        status = "failed" if "failed" in outcomes else "sent" if {"sent"} & set(outcomes) or done else "skipped"
        return status, "; ".join(rules) or "nothing to write", filled

    def _resolve_unfinished(self, intent: AttendanceIntent, registers: dict) -> set[int]:
        """Writes from an attempt that stopped between PUT and record: confirmed if iSAMS shows them."""
        done = set()
        for write in attendance.unresolved_writes(intent.id):
            register = registers.get(write.period_id)
            if register is not None and applied(json.loads(write.body or "{}"), register):
                attendance.set_write_outcome(write, "confirmed", self.clock())
                done.add(write.period_id)
            else:
                attendance.set_write_outcome(write, "failed", self.clock(), "not applied (stopped mid-write); decided again")
        return done

    def _apply(self, intent: AttendanceIntent, decision: Decision, registers: dict,
               client: Any) -> tuple[str, str | None]:
        period = decision.period
        before = registers.get(period.id) if period is not None else None
        before_data = before.__dict__ if before is not None else None
        if decision.mark is None:
            self._record(intent, period.id if period else None, period.label if period else "", decision.rule,
                         "skipped", before=before_data)
            return "skipped", None
        update = update_of(decision.mark)
        body = update.to_body(self.settings.erp_tz)
        write = self._record(intent, period.id, period.label, decision.rule, "sending", before=before_data, body=body)
        try:
            client.put_registration_status(period.id, intent.person.school_id, update)
        except (IsamsInvalidRequest, IsamsNotFound) as exc:   # permanent: the same PUT cannot succeed
            attendance.set_write_outcome(write, "failed", self.clock(), str(exc))
            return "failed", str(exc)
        except IsamsError as exc:
            # Unknown whether it was applied (a time-out): the row stays `sending`; the retry reads and decides.
            raise Transient(f"iSAMS: {exc}") from None
        if self.after_put is not None:
            self.after_put()
        attendance.set_write_outcome(write, "sent", self.clock())
        return "sent", None

    def _record(self, intent: AttendanceIntent, period_id: int | None, name: str, rule: str, outcome: str,
                before: dict | None = None, body: dict | None = None):
        return attendance.record_write(person_id=intent.person_id, day=intent.local_date, period_id=period_id,
                                       period_name=name, rule=rule, outcome=outcome, now=self.clock(),
                                       intent_id=intent.id, before=before, body=body)


def writeback_job(ctx) -> dict[str, Any]:
    """The `writeback` job: deliver what is due (and with --since, re-send a date range first)."""
    counts: dict[str, Any] = {}
    if ctx.since is not None:
        counts["requeued"] = attendance.requeue_since(ctx.since, ctx.clock())
    if ctx.dry_run:
        counts["due"] = len(attendance.due(ctx.clock()))
        return counts
    writer = Writer(ctx.settings, lambda: ctx.client_factory(ctx.settings), ctx.clock)
    result = writer.deliver_due()
    counts.update(result.as_counts())
    if result.error:
        counts["paused"] = result.error
    return counts


class WriterLoop:
    """Delivers the outbox in a background thread: at once when woken (after each scan), else every
    `interval` seconds. Keeps what the kiosk's status line needs: iSAMS reachable or not, and how many
    marks are waiting. Never touches the scan path: `wake()` only sets an event."""

    def __init__(self, settings: Settings, client_factory: Callable[[], Any], clock: Clock = utc_now,
                 interval: float = 60.0) -> None:
        self.writer = Writer(settings, client_factory, clock)
        self.client_factory = client_factory
        self.interval = interval
        self.isams = "unknown"
        self.pending: int | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self, *_: object) -> None:
        self._wake.set()

    def start(self) -> Callable[[], None]:
        self._thread = threading.Thread(target=self._run, name="imlate-writer", daemon=True)
        self._thread.start()
        return self.stop

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        from imlate_tui.db.connection import database

        while not self._stop.is_set():
            try:
                with database.connection_context():
                    self.cycle()
            except Exception:  # the loop must outlive any one bad cycle; the log has the trace
                log.exception("writer cycle failed")
            self._wake.wait(self.interval)
            self._wake.clear()

    def cycle(self) -> None:
        result = self.writer.deliver_due()
        if result.error:
            self.isams = "unreachable"
        elif result.sent or result.skipped or result.failed:
            self.isams = "reachable"
        elif self.isams != "reachable":
            self.isams = "reachable" if self._probe() else "unreachable"
        self.pending = attendance.counts_by_status().get("pending", 0)

    def _probe(self) -> bool:
        try:
            with self.client_factory() as client:
                client.list_year_groups()
            return True
        except IsamsError as exc:
            log.info("iSAMS not reachable: %s", exc)
            return False
