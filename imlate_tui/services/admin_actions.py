"""What an admin may change over SSH (`imlate admin`), and the writeback queue the admin looks after.

Only OS users named in `admin.operators` may change anything; everyone else gets `PermissionDenied`
from here, whatever the screen offered them (the UI check is a courtesy, this one is the rule). A
refused attempt writes nothing (it goes to the log file). Every change is in the audit log with the
OS user and the SSH client address.
"""

from __future__ import annotations

import logging
import os
from functools import cached_property
from typing import TYPE_CHECKING, Callable, Mapping

from imlate_tui.clock import Clock, utc_now
from imlate_tui.db import audit
from imlate_tui.db.connection import database, write_transaction
from imlate_tui.db.models import AttendanceIntent, Person
from imlate_tui.domain.scanning import Direction
from imlate_tui.errors import ImlateError, InvalidInput
from imlate_tui.identity import real_user
from imlate_tui.jobs.context import JobContext, Progress
from imlate_tui.jobs.registry import JOBS
from imlate_tui.jobs.runner import JobResult, run_job
from imlate_tui.services.reception import Reception
from imlate_tui.services.scanning import PersonView, ScanResult, scan_service_for

if TYPE_CHECKING:
    from imlate_tui.config import Settings

log = logging.getLogger(__name__)

RETRYABLE = ("pending", "failed")


class PermissionDenied(ImlateError):
    """The OS user is not an operator: nothing was changed."""


def current_user() -> str:
    """The process's real user (never $LOGNAME: see `identity`)."""
    return real_user()


def ssh_client_address(environ: Mapping[str, str] = os.environ) -> str:
    """The SSH client's address (first field of SSH_CLIENT), or "local" outside an SSH session."""
    fields = environ.get("SSH_CLIENT", "").split()
    return fields[0] if fields else "local"


def _no_progress(done: int, total: int | None, what: str) -> None:
    return None


class AdminActions:
    def __init__(self, settings: Settings, *, user: str, client: str, clock: Clock = utc_now,
                 client_factory: Callable | None = None) -> None:
        self.settings = settings
        self.user = user
        self.client = client
        self.clock = clock
        self.client_factory = client_factory   # None: the configured MIS, budgeted by the job's purpose
        # With iSAMS on, a student's manual sign-in is written back like a scan (outbox + lateness).
        self.scans = scan_service_for(settings, clock)
        self.reception = Reception(settings, clock)

    @property
    def can_change(self) -> bool:
        return self.user in self.settings.admin.operators

    @property
    def read_only_message(self) -> str:
        return f"read-only: your user {self.user} is not in admin.operators"

    def _require_operator(self, what: str) -> None:
        if not self.can_change:
            log.warning("refused %s for %s from %s: not an operator", what, self.user, self.client)
            raise PermissionDenied(self.read_only_message)

    # -- people ---------------------------------------------------------------------------------

    def sign(self, person_id: int, direction: Direction, note: str | None = None) -> ScanResult:
        """Sign someone in or out by hand (lost card). Refuses a move their state does not allow."""
        self._require_operator(f"manual sign-{direction.value}")
        note = (note or "").strip() or None
        return self.scans.manual(person_id, direction, actor=self.user, note=note, client=self.client)

    def assign_card(self, person_id: int, code: str) -> PersonView:
        """Give a card to someone; refuses a card that belongs to someone else."""
        self._require_operator("card assignment")
        return self.reception.assign_card(person_id, code, actor=self.user, client=self.client)

    def set_active(self, person_id: int, active: bool) -> PersonView:
        """Activate or deactivate someone. An inactive person's scans are refused at the kiosk.
        Student sync decides for students iSAMS knows: it deactivates leavers again."""
        self._require_operator("activate" if active else "deactivate")
        with write_transaction():
            now = self.clock()
            person = Person.get_or_none(Person.id == person_id)
            if person is None:
                raise InvalidInput(f"no person with id {person_id}")
            if person.active != active:
                Person.update(active=active, updated_at=now).where(Person.id == person_id).execute()
                person.active = active
                audit.record(at=now, actor=self.user, client=self.client,
                             action="activate_person" if active else "deactivate_person",
                             target=f"person:{person.id}", name=person.display_name)
        return PersonView.of(person)

    def revoke_card(self, person_id: int, code: str, note: str = ""):
        """Take one of this person's cards out of use (lost); a replacement is `assign_card`."""
        from imlate_tui.services.cards import revoke_card

        self._require_operator("card revocation")
        return revoke_card(self.settings, code, now=self.clock(), actor=self.user, client=self.client,
                           note=note, person_id=person_id)

    # -- writeback and jobs ---------------------------------------------------------------------

    def retry_intent(self, intent_id: int) -> None:
        """Put a failed (or waiting) attendance write back in the queue, due now."""
        self._require_operator("writeback retry")
        with write_transaction():
            now = self.clock()
            intent = AttendanceIntent.get_or_none(AttendanceIntent.id == intent_id)
            if intent is None:
                raise InvalidInput(f"no attendance intent with id {intent_id}")
            if intent.status not in RETRYABLE:
                raise InvalidInput(f"that attendance mark is already {intent.status}; to send a day again "
                                   f"use `imlate jobs run writeback --since DATE`")
            (AttendanceIntent.update(status="pending", next_attempt_at=now, claimed_by=None, claimed_until=None,
                                     hold_until=None, updated_at=now)
             .where(AttendanceIntent.id == intent_id).execute())
            audit.record(at=now, actor=self.user, client=self.client, action="retry_writeback",
                         target=f"intent:{intent_id}", was=intent.status, person=intent.person_id)

    def run_job(self, name: str, progress: Progress = _no_progress, *, dry_run: bool = False,
                expected: int | None = None) -> JobResult:
        """Run a job now, recorded as a manual run. Blocks until it ends: call it from a worker thread.
        Absence marking writes marks ImLate cannot undo: it runs for real only with `expected`, the
        number of students its dry run listed and the operator confirmed."""
        self._require_operator(f"running {name}")
        if name not in JOBS:
            raise InvalidInput(f"no job called {name!r}; jobs: {', '.join(JOBS)}")
        if name == "absence-marking" and not dry_run and expected is None:
            raise InvalidInput("absence marking cannot be undone from ImLate: look at its dry run and confirm "
                               "the number of students first")
        # Its own connection on a worker thread, closed at the end (the runner does the same).
        with database.connection_context():
            with write_transaction():
                extra = {"dry_run": True} if dry_run else {}
                if expected is not None:
                    extra["confirmed_students"] = expected
                audit.record(at=self.clock(), actor=self.user, client=self.client, action="run_job",
                             target=f"job:{name}", **extra)
            ctx = JobContext(self.settings, clock=self.clock, progress=progress, client_factory=self.client_factory,
                             dry_run=dry_run)
            return run_job(name, ctx, trigger="manual")


    # -- corrections (the attendance office) --------------------------------------------------------

    @cached_property
    def corrections(self):
        from imlate_tui.services.corrections import Corrections

        return Corrections(self.settings, self.clock, self.scans)

    def correct_reason(self, track_id: int, reason: str, why: str):
        """Add or change a late / leaving reason after the fact (a parent phoned)."""
        self._require_operator("reason correction")
        return self.corrections.set_reason(track_id, reason, why, actor=self.user, client=self.client)

    def void_track(self, track_id: int, why: str):
        """Void a mistaken scan (kept, marked void); its iSAMS mark is taken back where the rules allow."""
        self._require_operator("voiding a scan")
        return self.corrections.void(track_id, why, actor=self.user, client=self.client)

    def sign_at(self, person_id: int, direction: Direction, when, why: str) -> ScanResult:
        """A manual sign-in or sign-out at an earlier time today."""
        self._require_operator(f"manual sign-{direction.value} at an earlier time")
        return self.corrections.sign_at(person_id, direction, when, why, actor=self.user, client=self.client)


def writeback_queue(limit: int = 500) -> list[AttendanceIntent]:
    """Attendance marks not delivered yet: failed first, then pending; newest event first. `.person` loaded."""
    return list(AttendanceIntent.select(AttendanceIntent, Person)
                .join(Person, on=(AttendanceIntent.person == Person.id))
                .where(AttendanceIntent.status.in_(RETRYABLE))
                .order_by(AttendanceIntent.status, AttendanceIntent.event_at.desc(), AttendanceIntent.id.desc())
                .limit(limit))
