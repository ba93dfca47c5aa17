"""The iSAMS simulator's whole world: configuration, clock, tokens, students, staff, registers, faults.

All mutation goes through ``SimState`` methods, which hold one lock, so a test thread and the
server's request threads can use it at once. See ``isams_sim`` for the full Python API.
"""

from __future__ import annotations

import random
import secrets
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from .sim_data import (DIVISIONS, absence_codes, division_for_year, make_employee, make_employees,
                       make_student, make_students, present_codes, year_groups)
from .sim_faults import FaultBook
from .sim_register import ROW_FIELDS, RegisterBook, WriteRecord, register_closed, validate_update

# Simulator-only credentials, for `imlate demo` and the tests; never valid against a real iSAMS.
DEMO_CLIENT_ID = "imlate-demo"
DEMO_CLIENT_SECRET = "demo-secret"


@dataclass
class SimConfig:
    seed: int = 7
    student_count: int = 300
    staff_count: int = 40
    client_id: str = DEMO_CLIENT_ID
    client_secret: str = DEMO_CLIENT_SECRET
    allowed_scopes: frozenset[str] = frozenset({"restapi"})
    permissions: frozenset[str] = frozenset({"students", "photos", "school", "registration", "humanresources"})
    token_ttl: int = 3600
    invalid_client_status: int = 400  # IdentityServer's usual answer; some mocks use 401
    default_page_size: int = 100
    max_page_size: int = 1000
    timezone: str = "Europe/London"
    put_echo: bool = False  # 200 with the row instead of an empty body
    # PUT validation rules (isams-api.md §6.2), each switchable to model a permissive server.
    validation: dict[str, bool] = field(default_factory=lambda: {"shape": True, "codes": True,
                                                                 "flags": True, "minutes": True})
    register_closed_after_minutes: int | None = None
    office_lock: bool = False
    now: datetime | None = None  # a fixed start instant; None = follow the real clock


class PutRejected(Exception):
    def __init__(self, status: int, payload: dict[str, Any]) -> None:
        super().__init__(payload.get("message"))
        self.status = status
        self.payload = payload


class SimState:
    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        self.timezone = ZoneInfo(self.config.timezone)
        self.lock = threading.RLock()
        self.faults = FaultBook(seed=self.config.seed)
        self.reset()

    def reset(self) -> None:
        """Back to the seeded school: students, registers, tokens, writes, clock; faults cleared."""
        with self.lock:
            self.client_secret = self.config.client_secret
            self.permissions = set(self.config.permissions)
            self.students: list[dict[str, Any]] = make_students(self.config.student_count, self.config.seed)
            self._rng = random.Random(self.config.seed + 1)
            self.employees: list[dict[str, Any]] = make_employees(self.config.staff_count, self.config.seed)
            self.year_groups = year_groups()
            self.absence_codes = absence_codes()
            self.present_codes = present_codes()
            self.registers = RegisterBook(self.timezone)
            self.tokens: dict[str, dict[str, Any]] = {}
            self.token_requests = 0
            self.issued_tokens: list[str] = []  # for tests that check tokens never reach a log
            self.last_token_auth: str | None = None  # "form" or "basic": how the client sent its secret
            self.api_requests = 0
            self._fixed_now = self.config.now
            self._real_offset = timedelta(0)
            self.faults.clear()

    # -- clock -----------------------------------------------------------------------------

    def now(self) -> datetime:
        """The simulator's instant (aware, UTC)."""
        if self._fixed_now is not None:
            return self._fixed_now.astimezone(timezone.utc)
        return datetime.now(timezone.utc) + self._real_offset

    def today(self) -> date:
        return self.now().astimezone(self.timezone).date()

    def set_now(self, when: datetime | None) -> None:
        """Freeze the clock at ``when`` (aware; naive = school time), or None to follow real time."""
        with self.lock:
            if when is not None and when.tzinfo is None:
                when = when.replace(tzinfo=self.timezone)
            self._fixed_now = when
            self._real_offset = timedelta(0)

    def advance(self, seconds: float) -> None:
        with self.lock:
            if self._fixed_now is not None:
                self._fixed_now = self._fixed_now + timedelta(seconds=seconds)
            else:
                self._real_offset += timedelta(seconds=seconds)

    # -- auth ------------------------------------------------------------------------------

    def issue_token(self, scope: str) -> dict[str, Any]:
        with self.lock:
            token = secrets.token_urlsafe(24)
            self.issued_tokens.append(token)
            self.tokens[token] = {"scope": scope, "expires_at": self.now() + timedelta(seconds=self.config.token_ttl)}
            return {"access_token": token, "expires_in": self.config.token_ttl, "token_type": "Bearer",
                    "scope": scope}

    def token_is_valid(self, token: str) -> bool:
        with self.lock:
            entry = self.tokens.get(token)
            return entry is not None and entry["expires_at"] > self.now()

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    def rotate_secret(self, new_secret: str) -> None:
        """The school regenerated the secret: old one stops working for new tokens."""
        with self.lock:
            self.client_secret = new_secret

    def set_permissions(self, permissions: set[str]) -> None:
        with self.lock:
            self.permissions = set(permissions)

    # -- students --------------------------------------------------------------------------

    def student(self, school_id: str) -> dict[str, Any] | None:
        with self.lock:
            return next((s for s in self.students if s["schoolId"] == school_id), None)

    def _require(self, school_id: str) -> dict[str, Any]:
        found = self.student(school_id)
        if found is None:
            raise KeyError(f"no simulated student with schoolId {school_id}")
        return found

    def add_student(self, *, at_front: bool = False, **fields: Any) -> dict[str, Any]:
        """A new pupil (camelCase ``fields`` override the generated ones, e.g. ``yearGroup=9``)."""
        with self.lock:
            student_id = fields.pop("id", max((s["id"] for s in self.students), default=700) + 1)
            used = {s["schoolId"] for s in self.students}
            fields["lastUpdated"] = self.now()
            student = make_student(self._rng, student_id, fields.pop("yearGroup", 7), used, **fields)
            if at_front:
                self.students.insert(0, student)
            else:
                self.students.append(student)
            return student

    def update_student(self, school_id: str, **changes: Any) -> dict[str, Any]:
        """Change camelCase fields (``formGroup="9L"``); ``lastUpdated`` moves to now."""
        with self.lock:
            student = self._require(school_id)
            student.update(changes)
            student["lastUpdated"] = self.now()
            return student

    def remove_student(self, school_id: str) -> None:
        with self.lock:
            self.students.remove(self._require(school_id))

    def set_leaving_date(self, school_id: str, when: datetime | date | None) -> None:
        if isinstance(when, date) and not isinstance(when, datetime):
            when = datetime(when.year, when.month, when.day, tzinfo=self.timezone)
        self.update_student(school_id, leavingDate=when)

    def set_latest_photo(self, school_id: str, photo_id: int | None) -> None:
        self.update_student(school_id, latestPhotoId=photo_id)

    def students_in_division(self, division_id: int) -> list[dict[str, Any]]:
        with self.lock:
            return [s for s in self.students if (division_for_year(s.get("yearGroup")) or {}).get("id") == division_id]

    # -- staff -----------------------------------------------------------------------------

    def employee(self, employee_id: int) -> dict[str, Any] | None:
        with self.lock:
            return next((e for e in self.employees if e["id"] == employee_id), None)

    def _require_employee(self, employee_id: int) -> dict[str, Any]:
        found = self.employee(employee_id)
        if found is None:
            raise KeyError(f"no simulated employee with id {employee_id}")
        return found

    def add_employee(self, *, at_front: bool = False, **fields: Any) -> dict[str, Any]:
        """A new member of staff (camelCase ``fields`` override the generated ones, e.g. ``id=710``)."""
        with self.lock:
            employee_id = fields.pop("id", max((e["id"] for e in self.employees), default=5000) + 1)
            employee = make_employee(self._rng, employee_id, **fields)
            self.employees.insert(0 if at_front else len(self.employees), employee)
            return employee

    def update_employee(self, employee_id: int, **changes: Any) -> dict[str, Any]:
        """Change camelCase fields (``surname="Lee"``, ``leavingDate=datetime(...)``)."""
        with self.lock:
            employee = self._require_employee(employee_id)
            employee.update(changes)
            return employee

    def remove_employee(self, employee_id: int) -> None:
        with self.lock:
            self.employees.remove(self._require_employee(employee_id))

    # -- registration ----------------------------------------------------------------------

    def periods_for(self, day: date, division_id: int) -> list[dict[str, Any]]:
        with self.lock:
            if not any(d["id"] == division_id for d in DIVISIONS):
                return []
            return self.registers.periods_for(day, division_id, len(self.students_in_division(division_id)))

    def today_periods(self, division_id: int) -> list[dict[str, Any]]:
        return self.periods_for(self.today(), division_id)

    def roll_period_ids(self, day: date | None = None) -> None:
        with self.lock:
            self.registers.roll(day or self.today())

    def _code_ids(self) -> dict[str, int]:
        return {c["code"]: c["id"] for c in self.absence_codes}

    def register_row(self, period_id: int, school_id: str) -> dict[str, Any] | None:
        """The live row, or None if the period is unknown or the student is not on that register."""
        with self.lock:
            period = self.registers.periods.get(period_id)
            student = self.student(school_id)
            if period is None or student is None:
                return None
            division = division_for_year(student.get("yearGroup"))
            if division is None or division["id"] != period["_divisionId"]:
                return None
            return self.registers.row(period_id, school_id, self._code_ids())

    def set_register_row(self, period_id: int, school_id: str, **fields: Any) -> dict[str, Any]:
        """Overwrite camelCase fields of a row directly (office edits); not logged as a write."""
        with self.lock:
            row = self.register_row(period_id, school_id)
            if row is None:
                raise KeyError(f"student {school_id} is not on register {period_id}")
            row.update(fields)
            return row

    def apply_put(self, period_id: int, school_id: str, body: Any) -> dict[str, Any]:
        """Validate and apply one PUT; raises ``PutRejected`` (400/404) like iSAMS would (UNVERIFIED)."""
        with self.lock:
            row = self.register_row(period_id, school_id)
            if row is None:
                raise PutRejected(404, {"message": "No registration record was found for this student and period."})
            problem = validate_update(body, self.config.validation, {c["id"] for c in self.absence_codes},
                                      {c["id"] for c in self.present_codes})
            if problem:
                raise PutRejected(400, problem)
            period = self.registers.periods[period_id]
            if register_closed(period, self.now(), self.config.register_closed_after_minutes):
                raise PutRejected(400, {"message": "The register for this period is closed."})
            if self.config.office_lock and (row["isOutOfSchool"] or row["isFutureAbsence"]):
                raise PutRejected(400, {"message": "This student is out of school; the register is locked."})
            leaving = self._parse_local(body.get("leavingOrLeftDateTime"))
            before = dict(row)
            for name in ROW_FIELDS:
                row[name] = body.get(name)
            if not row["isLate"] or row["numberOfMinutesLate"] is None:
                row["numberOfMinutesLate"] = 0
            row["leavingOrLeftDateTime"] = leaving
            row["isRegistered"] = 1
            self.registers.writes.append(WriteRecord(self.now(), period_id, school_id, dict(body), before, dict(row)))
            return row

    def _parse_local(self, value: Any) -> datetime | None:
        if not isinstance(value, str) or not value:
            return None
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise PutRejected(400, {"message": "The request is invalid.", "modelState": {
                "request.leavingOrLeftDateTime": ["The value is not a valid date and time."]}}) from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=self.timezone)

    @property
    def writes(self) -> list[WriteRecord]:
        with self.lock:
            return list(self.registers.writes)
