"""``WondeMis``: Wonde behind the ``Mis`` seam, for schools on SIMS, Arbor, Bromcom and others.

How Wonde's shapes become ImLate's (decisions, wonde-api.md §0, §2.6, §4):

- People: a student's ``school_id`` is the MIS's own id (Wonde ``mis_id``: what the school's staff know and
  print on cards), and the roll key ``mis_id`` is that id as a number: it survives a student being
  re-enrolled (the Wonde ``id`` does not) and is on the deletions feed (``upi`` is not). Wonde ids are
  looked up from the roll when needed.
- Registers: Wonde has no registration periods. A session register is the day and ``AM``/``PM``, with the
  times from ``attendance.sessions.<AM|PM>.starts_at`` / ``closes_at``; ``divisions(year)`` is the year itself.
  Register ids are numbers made from the day (``yyyymmdd00 + 1`` AM, ``+ 2`` PM, ``+ 10 + n`` the n-th lesson
  slot), valid for that day only. A lesson slot stands for each student's own lesson at that time.
- Reads are Wonde's copy of the MIS, refreshed a few times a day: marks are read by delta
  (``updated_after``, with an overlap) and kept for the process; each ``MarkRead`` says when it was read
  (``as_of``). A mark written a minute ago is not in that copy.
- Writes are queued: ``write_mark`` answers ``WriteReceipt("queued", writeback_id)`` and
  ``writeback_outcome`` follows it to its end. Wonde has no leaving-time field (``leaving_time`` is off).
- Photos: inline in the student record (``include=photo``), fetched one student at a time. The roll
  carries no photo version, so the record's ``updated_at`` stands in: a photo is fetched again only when
  the student's record changed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from imlate_tui.erp.mis import (AttendanceCode, MarkRead, MarkToWrite, MisCapabilities, MisNotFound, MisRejected,
                                Photo, RegisterPeriod, Roll, RollEmployee, RollStudent, WriteReceipt)

from .capabilities import capabilities_for
from .transport import WondeApi

log = logging.getLogger(__name__)

PRESENT_LETTERS = {"/", "\\", "L"}
_WONDE_ID = re.compile(r"^A\d{1,17}$")
OVERLAP = timedelta(minutes=10)
ROLL_INCLUDES = "year,registration,education_details"


@dataclass(frozen=True)
class SessionTimes:
    am_start: time
    am_close: time
    pm_start: time
    pm_close: time


def number_of(wonde_id: str) -> int:
    """A Wonde id as a number: ``A`` + digits keep their digits; anything else a stable 60-bit hash."""
    if _WONDE_ID.match(wonde_id):
        return int(wonde_id[1:])
    return int(hashlib.sha1(wonde_id.encode()).hexdigest()[:15], 16)


def roll_key(person: dict[str, Any]) -> int:
    """The number ImLate keys a person on: the MIS's own id (``mis_id``), which survives re-enrolment in
    Wonde (the Wonde ``id`` does not) and, unlike ``upi``, is also on the deletions feed. Digits are kept;
    any other id becomes a stable 60-bit hash."""
    mis_id = str(person.get("mis_id") or person["id"])
    return int(mis_id) if mis_id.isdigit() and len(mis_id) <= 18 else number_of(mis_id)


def parse_when(value: Any) -> datetime | None:
    """Wonde dates: a PHP DateTime object (wall time in its ``timezone``) or a plain string, read as UTC
    (§2.5); None when absent or unreadable."""
    zone: Any = timezone.utc
    if isinstance(value, dict):
        try:
            zone = ZoneInfo(str(value.get("timezone") or "UTC"))
        except (ValueError, KeyError):
            return None
        value = value.get("date")
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace(" ", "T"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=zone) if parsed.tzinfo is None else parsed


def _included(record: dict[str, Any], name: str) -> Any:
    value = record.get(name)
    return value.get("data") if isinstance(value, dict) else None


class WondeMis:
    """One school through Wonde, as a ``Mis``. Owns its ``WondeApi`` (one connection pool)."""

    def __init__(self, api: WondeApi, *, zone: ZoneInfo, sessions: SessionTimes, mis: str | None = None,
                 capability_overrides: dict[str, bool] | None = None, mark_lookback_days: int = 7,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.api = api
        self.zone, self.sessions, self._clock = zone, sessions, clock
        self._mis_override, self._overrides = mis, capability_overrides
        self._lookback = timedelta(days=mark_lookback_days)
        self._wonde_ids: dict[str, str] = {}  # school_id → Wonde student id
        self._codes: dict[str, dict[str, Any]] = {}  # letter → Wonde code record
        self._marks: dict[tuple[str, str, str], dict[str, Any]] = {}  # (date, session, student) → mark
        self._lesson_marks: dict[tuple[str, str], dict[str, Any]] = {}
        self._marks_read_at: datetime | None = None
        self._lessons: dict[date, list[dict[str, Any]]] = {}
        self._classes: dict[str, set[str]] = {}

    # -- identity ------------------------------------------------------------------------------------

    @property
    def mis_name(self) -> str:
        return self._mis_override or str(self.api.school().get("mis") or "unknown MIS")

    @property
    def name(self) -> str:
        return f"Wonde ({self.mis_name})"

    @property
    def capabilities(self) -> MisCapabilities:
        return capabilities_for(self.mis_name, self.api.school(), self._overrides)

    def __enter__(self) -> WondeMis:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.api.close()

    # -- the roll --------------------------------------------------------------------------------------

    def students(self, changed_since: datetime | None = None) -> Roll:
        """The whole roll, or with ``changed_since`` the changes and the deletions feed (a delta)."""
        params: dict[str, Any] = {"include": ROLL_INCLUDES, "per_page": 200}
        if changed_since is not None:
            params["updated_after"] = _wonde_time(changed_since - OVERLAP)
        people, skipped = [], 0
        for record in self.api.pages(self.api.school_url("/students"), params):
            try:
                people.append(self._roll_student(record))
            except (KeyError, TypeError, ValueError) as exc:
                skipped += 1
                log.warning("Wonde student %s skipped: %s", record.get("id") if isinstance(record, dict) else "?", exc)
        removed: tuple[int, ...] = ()
        if changed_since is not None:
            gone = self.api.pages(self.api.school_url("/deletions"),
                                  {"type": "student", "updated_after": _wonde_time(changed_since - OVERLAP)})
            removed = tuple(roll_key(d) for d in gone if not d.get("restored_at"))
        return Roll(people=tuple(people), total_count=len(people) + skipped, skipped_records=skipped,
                    complete=changed_since is None, removed=removed)

    def _roll_student(self, record: dict[str, Any]) -> RollStudent:
        year = _included(record, "year") or {}
        form = _included(record, "registration") or {}
        details = _included(record, "education_details") or {}
        school_id = str(record["mis_id"])
        self._wonde_ids[school_id] = record["id"]
        nc_year = details.get("current_nc_year") or year.get("code")
        updated = parse_when(record.get("updated_at"))
        return RollStudent(
            mis_id=roll_key(record), school_id=school_id, forename=record.get("forename"),
            surname=record.get("surname"), preferred_name=record.get("forename"),
            full_name=" ".join(p for p in (record.get("forename"), record.get("surname")) if p) or None,
            year_group=int(nc_year) if str(nc_year or "").isdigit() else None,
            form_group=form.get("name") or form.get("code"), leaving_date=parse_when(details.get("leaving_date")),
            photo_version=int(updated.timestamp()) if updated else None)

    def staff(self) -> Roll:
        people = []
        for record in self.api.pages(self.api.school_url("/employees"),
                                     {"include": "employment_details,contact_details", "per_page": 200}):
            employment = _included(record, "employment_details") or {}
            emails = (_included(record, "contact_details") or {}).get("emails") or {}
            ended = parse_when(employment.get("employment_end_date"))
            if employment.get("current") is False and ended is None:
                ended = self._clock()
            people.append(RollEmployee(mis_id=roll_key(record), forename=record.get("forename"),
                                       surname=record.get("surname"), preferred_name=record.get("forename"),
                                       leaving_date=ended, email=emails.get("work") or emails.get("email")))
        return Roll(people=tuple(people), total_count=len(people))

    def wonde_student_id(self, school_id: str) -> str:
        if school_id not in self._wonde_ids:
            for record in self.api.pages(self.api.school_url("/students"), {"only_mis_ids": school_id}):
                self._wonde_ids[str(record["mis_id"])] = record["id"]
        if school_id not in self._wonde_ids:
            raise MisNotFound(f"Wonde has no student with MIS id {school_id}")
        return self._wonde_ids[school_id]

    def photo(self, school_id: str) -> Photo | None:
        record = self.api.get(self.api.school_url(f"/students/{self.wonde_student_id(school_id)}"),
                              {"include": "photo"}).get("data") or {}
        found = _included(record, "photo")
        if not found or not found.get("content"):
            return None
        try:
            content = base64.b64decode(found["content"], validate=True)
        except (binascii.Error, ValueError):
            raise MisRejected(f"Wonde sent a photo for {school_id} that is not base64") from None
        kind = "image/png" if content.startswith(b"\x89PNG") else "image/jpeg" if content.startswith(b"\xff\xd8") else ""
        return Photo(content, kind or "application/octet-stream")

    # -- structure and codes -------------------------------------------------------------------------

    def year_groups(self) -> list[int]:
        return sorted({s.year_group for s in self.students().people if s.year_group is not None})

    def divisions(self, nc_year: int) -> list[int]:
        return [nc_year]  # Wonde has no divisions: registers are the same for the whole school

    def attendance_codes(self) -> list[AttendanceCode]:
        meta = self.api.get(self.api.root_url(f"/meta/schools/{self.api.school_id}")).get("data") or {}
        url = (self.api.school_url("/attendance-codes") if meta.get("custom_attendance_codes")
               else self.api.root_url("/attendance-codes"))
        codes = []
        for record in self.api.pages(url, {"per_page": 200}):
            letter = str(record.get("code") or "")
            if not letter:
                continue
            self._codes[letter] = record
            hint = str(record.get("type") or "").lower()
            kind = "present" if letter in PRESENT_LETTERS or hint in ("present", "late") else "absence"
            codes.append(AttendanceCode(kind, letter, number_of(str(record["id"])), str(record.get("description") or "")))
        return codes

    def code_id(self, letter: str) -> str:
        if letter not in self._codes:
            self.attendance_codes()
        if letter not in self._codes:
            raise MisRejected(f"{letter} is not one of the school's attendance codes in Wonde (run codes-sync)")
        return str(self._codes[letter]["id"])

    def letter_of(self, code_id: str) -> str:
        if not any(str(c["id"]) == code_id for c in self._codes.values()):
            self.attendance_codes()
        return next((letter for letter, c in self._codes.items() if str(c["id"]) == code_id), f"#{code_id}")

    # -- registers -----------------------------------------------------------------------------------

    def registers_today(self, division_id: int) -> list[RegisterPeriod]:
        from .registers import lesson_slots, session_periods

        day = self._clock().astimezone(self.zone).date()
        periods = session_periods(day, self.sessions, self.zone)
        if self.capabilities.lesson_writeback:
            periods += lesson_slots(day, self.lessons(day))
        return periods

    def lessons(self, day: date) -> list[dict[str, Any]]:
        if day not in self._lessons:
            self._lessons = {day: list(self.api.pages(self.api.school_url("/lessons"), {
                "lessons_start_after": day.isoformat(), "lessons_start_before": day.isoformat(), "per_page": 200}))}
        return self._lessons[day]

    def read_mark(self, period_id: int, school_id: str) -> MarkRead:
        from .registers import read_mark

        return read_mark(self, period_id, school_id)

    def write_mark(self, period_id: int, school_id: str, mark: MarkToWrite) -> WriteReceipt:
        from .registers import write_mark

        return write_mark(self, period_id, school_id, mark)

    def request_body(self, mark: MarkToWrite) -> dict:
        from .registers import record_fields

        return record_fields(self, mark)

    def writeback_outcome(self, reference: str) -> tuple[str, str | None]:
        """``("applied" | "queued" | "failed", detail)`` for a writeback Wonde accepted earlier."""
        try:
            data = self.api.get(self.api.root_url(f"/writebacks/{reference}")).get("data") or {}
        except MisNotFound:
            return "queued", "Wonde does not list this writeback yet"
        status = str(data.get("status") or "").lower()
        if status in ("completed", "complete", "success", "successful", "done"):
            return "applied", None
        if status in ("failed", "failure", "error"):
            errors = data.get("errors") or []
            texts = [str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors]
            return "failed", "; ".join(texts) or "Wonde reports the writeback failed"
        return "queued", status or None

    # -- the mark cache -------------------------------------------------------------------------------

    def refresh_marks(self) -> datetime:
        """Read marks changed since the last read (overlapping), or over the look-back on the first read."""
        now = self._clock()
        since = (self._marks_read_at - OVERLAP) if self._marks_read_at else now - self._lookback
        for mark in self.api.pages(self.api.school_url("/attendance/session"),
                                   {"updated_after": _wonde_time(since), "per_page": 200}):
            student = mark.get("student")
            student_id = student.get("data", {}).get("id") if isinstance(student, dict) else student
            if mark.get("date") and mark.get("session") and student_id:
                self._marks[(str(mark["date"])[:10], str(mark["session"]).upper(), str(student_id))] = mark
        if self.capabilities.lesson_writeback:
            for mark in self.api.pages(self.api.school_url("/attendance/lesson"),
                                       {"updated_after": _wonde_time(since), "per_page": 200}):
                if mark.get("lesson_id") and mark.get("student_id"):
                    self._lesson_marks[(str(mark["lesson_id"]), str(mark["student_id"]))] = mark
        self._marks_read_at = now
        return now

    def cached_mark(self, key: tuple[str, str, str]) -> dict[str, Any] | None:
        return self._marks.get(key)

    def cached_lesson_mark(self, key: tuple[str, str]) -> dict[str, Any] | None:
        return self._lesson_marks.get(key)

    def student_classes(self, student_id: str) -> set[str]:
        if student_id not in self._classes:
            record = self.api.get(self.api.school_url(f"/students/{student_id}"), {"include": "classes"}).get("data") or {}
            self._classes[student_id] = {str(c["id"]) for c in (_included(record, "classes") or [])}
        return self._classes[student_id]


def _wonde_time(when: datetime) -> str:
    """``updated_after`` values: ``YYYY-MM-DD HH:MM:SS`` in UTC (§2.3)."""
    return when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
