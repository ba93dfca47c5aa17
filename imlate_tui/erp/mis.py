"""The seam between ImLate and "the MIS": what the services need from a school's management system.

iSAMS (``erp.isams``) is one implementation (``imlate_tui.erp.isams.mis.IsamsMis``); Wonde, which
reaches SIMS, Arbor, Bromcom and others, is to be the second (``erp.provider: wonde``). The services
(student, staff, photo and codes sync, the writer, absence marking, lateness) speak only to ``Mis``
and to the plain data classes below, never to a provider's client or models.

What crosses the seam is in the school's words, not a provider's:

- the roll: ``RollStudent`` / ``RollEmployee`` in a ``Roll`` (complete, or a delta with removals);
- ``AttendanceCode``: a code (``/``, ``L``, ``M``, ``O`` …) with its kind and the MIS's own id;
- ``RegisterPeriod``: one register (a session or a lesson) on one day, with start / time / finish;
- ``MarkRead``: one student's row in one register as the MIS reports it (codes as letters);
- ``MarkToWrite``: the mark ImLate wants there (present, late, minutes, code, comment, leaving time);
- ``WriteReceipt``: ``applied`` (the MIS took it) or ``queued`` (an aggregator accepted it for later);
- ``MisCapabilities``: what this MIS can take (session marks, comments, minutes late, early-leaver codes,
  leaving times, lesson writeback), so the writer never sends what the MIS cannot take and says so.

Ids: a register id is an ``int`` valid for that day (iSAMS period ids; a provider without per-day
registers gives its own stable numbers). A student is addressed in registers by ``school_id`` (the key
ImLate stores as ``Person.school_id``) and on the roll by ``mis_id`` (``Person.isams_id``, an int).

Errors are the ``Mis*`` classes here; a provider's own errors subclass them, so a service catches
``MisUnavailable`` and never a provider's name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol, runtime_checkable

# -- errors ---------------------------------------------------------------------------------------


class MisError(Exception):
    """Anything that went wrong talking to the MIS; the message is written for a person."""


class MisAuthError(MisError):
    """The MIS refused our credentials or token (fix the configured secret)."""


class MisPermissionError(MisError):
    """The MIS client lacks a permission (the school must grant it)."""


class MisNotFound(MisError):
    """The thing asked for does not exist (a student not on that register, a period of another day)."""


class MisRejected(MisError):
    """The MIS refused what we sent; sending the same again cannot help (HTTP 400/422 and the like)."""


class MisUnavailable(MisError):
    """Unreachable, overloaded or failing: try again later. ``retry_after`` (seconds) when the MIS said."""

    retry_after: float | None = None


class MisBadResponse(MisError):
    """The MIS answered with something we cannot read."""


class MisOutcomeUnknown(MisUnavailable):
    """A write was sent but no answer came (a time-out after sending): it may or may not have been applied.

    Never resend blindly: read the register again first (the writer does).
    """


class MisThrottled(MisUnavailable):
    """The MIS asked us to wait longer than ``erp.isams.max_retry_after_seconds``: the run ends here and
    the work is rescheduled after ``retry_after`` seconds."""

    def __init__(self, text: str, retry_after: float) -> None:
        super().__init__(text)
        self.retry_after = retry_after


class MisBudgetExhausted(MisUnavailable):
    """ImLate's own request budget (``erp.isams.max_requests_per_hour``) has no room for this kind of work
    now; ``retry_after`` says when there will be."""

    def __init__(self, text: str, retry_after: float) -> None:
        super().__init__(text)
        self.retry_after = retry_after


# -- what crosses the seam -------------------------------------------------------------------------

CodeKind = Literal["present", "absence"]


@dataclass(frozen=True)
class RollStudent:
    """One student on the MIS roll."""

    mis_id: int
    school_id: str
    forename: str | None = None
    surname: str | None = None
    preferred_name: str | None = None
    full_name: str | None = None
    year_group: int | None = None
    form_group: str | None = None
    leaving_date: datetime | None = None
    photo_version: int | None = None
    """Changes when the student's photo changes (iSAMS ``latestPhotoId``); None: no photo."""


@dataclass(frozen=True)
class RollEmployee:
    """One member of staff in the MIS."""

    mis_id: int
    forename: str | None = None
    surname: str | None = None
    preferred_name: str | None = None
    leaving_date: datetime | None = None
    email: str | None = None
    """Where a visitor's host is told of their arrival."""


@dataclass(frozen=True)
class Roll:
    """Students (or staff) as read from the MIS.

    ``complete``: every current person is listed, so someone missing has left. A delta read
    (``changed_since``) is not complete: only ``removed`` (the MIS's deletions) have left.
    ``consistent`` is False when the list changed under us while it was read: nobody is then
    deactivated for being missing. ``skipped_records`` were unreadable and are not in ``people``.
    """

    people: tuple[RollStudent, ...] | tuple[RollEmployee, ...]
    total_count: int
    duplicates: int = 0
    skipped_records: int = 0
    consistent: bool = True
    complete: bool = True
    removed: tuple[int, ...] = ()


@dataclass(frozen=True)
class Photo:
    content: bytes
    content_type: str


@dataclass(frozen=True)
class AttendanceCode:
    kind: CodeKind
    code: str
    mis_id: int
    """The MIS's id of the code (what it stores on a register row)."""
    name: str = ""
    government_code: str | None = None


@dataclass(frozen=True)
class RegisterPeriod:
    """One register on one day: a session (AM/PM) or a lesson. ``start``/``time``/``finish`` are aware."""

    id: int
    name: str | None
    register_type: str | None
    start: datetime
    time: datetime
    finish: datetime


@dataclass(frozen=True)
class MarkRead:
    """One student's row in one register, as the MIS reports it.

    ``present_code``/``absence_code`` are code letters; a code the MIS sent that is not in the stored
    dictionary is ``"#<id>"``. ``read_at`` and ``as_of`` say what was known when (a cached MIS copy is
    older than the read).
    """

    period_id: int
    taken: bool = False
    present: bool = False
    late: bool = False
    minutes_late: int | None = None
    present_code: str | None = None
    absence_code: str | None = None
    comment: str | None = None
    leaving_at: datetime | None = None
    out_of_school: bool = False
    future_absence: bool = False
    as_of: datetime | None = None
    """When the MIS's copy was taken, when it is a copy (None: read live)."""


@dataclass(frozen=True)
class MarkToWrite:
    """The mark ImLate wants in one register. Codes are letters, looked up by the provider."""

    present: bool
    late: bool
    minutes_late: int | None = None
    present_code: str | None = None
    absence_code: str | None = None
    comment: str | None = None
    leaving_at: datetime | None = None


@dataclass(frozen=True)
class WriteReceipt:
    """``applied``: the MIS holds the mark now. ``queued``: accepted for later (``reference`` to follow)."""

    state: Literal["applied", "queued"] = "applied"
    reference: str | None = None


@dataclass(frozen=True)
class MisCapabilities:
    """What a MIS can take (wonde-api.md §5). The writer drops what is not supported and says so per mark."""

    session_marks: bool = True
    comments: bool = True
    minutes_late: bool = True
    early_leaver_codes: bool = True
    leaving_time: bool = True
    lesson_writeback: bool = True
    live_reads: bool = True
    """Reads show the register as it is now (False: a cached copy, see ``MarkRead.as_of``)."""


CodeDictionary = Callable[[], list[AttendanceCode]]
"""The stored copy of the MIS's code dictionary (codes-sync keeps it in the database)."""


@runtime_checkable
class Mis(Protocol):
    """One school's MIS, as the services use it. Use as a context manager or call ``close()``.

    One object may serve many calls for the life of a process (the writer keeps one); it is not
    shared between threads.
    """

    name: str
    """For messages: "iSAMS", "Wonde (Arbor)" …"""
    capabilities: MisCapabilities

    def __enter__(self) -> Mis: ...

    def __exit__(self, *exc_info: object) -> None: ...

    def close(self) -> None: ...

    # the roll
    def students(self, changed_since: datetime | None = None) -> Roll:
        """Students on the roll; with ``changed_since`` a provider may answer with a delta (``complete=False``)."""
        ...

    def staff(self) -> Roll: ...

    def photo(self, school_id: str) -> Photo | None:
        """The student's current photo, or None when the MIS has none."""
        ...

    # school structure and codes
    def year_groups(self) -> list[int]:
        """The NC years the school has."""
        ...

    def divisions(self, nc_year: int) -> list[int]:
        """The register groups (iSAMS divisions) of a year group; registers are listed per division."""
        ...

    def attendance_codes(self) -> list[AttendanceCode]: ...

    # registers
    def registers_today(self, division_id: int) -> list[RegisterPeriod]:
        """Today's registers (sessions and lessons) of a division. A period the MIS sent that cannot be
        read is left out with a logged reason; the rest are returned."""
        ...

    def read_mark(self, period_id: int, school_id: str) -> MarkRead:
        """One student's row in one register (``MisNotFound`` when not on it)."""
        ...

    def write_mark(self, period_id: int, school_id: str, mark: MarkToWrite) -> WriteReceipt:
        """Write one student's mark in one register. A time-out after sending raises ``MisOutcomeUnknown``."""
        ...

    def writeback_outcome(self, reference: str) -> tuple[Literal["applied", "queued", "failed"], str | None]:
        """How a write the MIS queued (``WriteReceipt("queued", reference)``) ended: ``applied``, still
        ``queued``, or ``failed`` with the MIS's reason. Only asked of providers that queue writes."""
        ...

    def request_body(self, mark: MarkToWrite) -> dict:
        """What ``write_mark`` sends for this mark, in the MIS's own terms (kept in the write record)."""
        ...


def mis_label(provider: str) -> str:
    """What screens call the school's MIS road: the marks go to iSAMS, or to Wonde (which passes them on)."""
    return {"isams": "iSAMS", "wonde": "Wonde"}.get(provider, "MIS")
