"""The Wonde simulator's world (wonde-api.md §7.1): a school, its MIS, Wonde's copy of it, writebacks.

Two views of attendance, as in the real service: ``mis`` is what writebacks change; ``snapshot`` is what
reads serve, copied from ``mis`` on an extraction (``extract()``, or every ``extract_every_seconds`` of
simulator time; 0 = every read sees the MIS at once). A writeback is accepted into a queue (``pending``)
and applied ``writeback_delay_seconds`` later (simulator time), checked whenever a request arrives.
"""

from __future__ import annotations

import copy
import itertools
import random
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .sim_clock import SimClock
from .sim_faults import FaultBook
from .wonde_data import (attendance_codes, forms, lessons_for, make_employees, make_student, make_students,
                         wonde_id)

DEMO_WONDE_TOKEN = "demo-wonde-token"  # simulator-only; never valid against Wonde
DEMO_SCHOOL_ID = "A1930499544"  # Wonde's public test school id (§6)

# What each MIS takes through Wonde (§5.1, §5.2): session marks, comments, minutes late, lesson marks.
# Unsupported comments/minutes are dropped silently while the writeback still completes (§7.3 rule 5).
MIS_PROFILES: dict[str, dict[str, bool]] = {
    "SIMS": {"session": True, "comment": True, "minutes": True, "lesson": True},
    "Bromcom": {"session": True, "comment": True, "minutes": True, "lesson": True},
    "iSAMS": {"session": True, "comment": True, "minutes": True, "lesson": True},
    "Arbor": {"session": False, "comment": True, "minutes": False, "lesson": True},
    "Engage": {"session": True, "comment": True, "minutes": False, "lesson": False},
    "Facility": {"session": True, "comment": False, "minutes": False, "lesson": False},
}

WONDE_FAULT_MODES = frozenset({"reset", "truncated-json", "no-pagination-block", "duplicate-across-pages",
                               "writeback-stuck", "writeback-failed", "writeback-404", "token-revoked-now",
                               "photo-missing"})

# Where a fault applies when the test names no route (add method="POST" to spare the reads).
WONDE_FAULT_ROUTES = {"writeback-stuck": "/v1.0/schools/*/attendance/*",
                      "writeback-failed": "/v1.0/schools/*/attendance/*", "writeback-404": "/v1.0/writebacks/*"}


class Rejected(Exception):
    """A request Wonde refuses: the status and the JSON body."""

    def __init__(self, status: int, payload: dict[str, Any]) -> None:
        super().__init__(payload.get("message"))
        self.status, self.payload = status, payload


@dataclass
class WondeConfig:
    seed: int = 11
    student_count: int = 60
    staff_count: int = 12
    token: str = DEMO_WONDE_TOKEN
    school_id: str = DEMO_SCHOOL_ID
    school_name: str = "ImLate Demo School (Wonde)"
    mis: str = "SIMS"
    allows_writeback: bool = True
    has_lesson_attendance: bool = True
    custom_attendance_codes: bool = False
    timezone: str = "Europe/London"
    writeback_delay_seconds: float = 0.0
    extract_every_seconds: float | None = 0.0
    """0: reads see the MIS at once; N: Wonde re-extracts every N s of sim time; None: only on extract()."""
    locked_codes: frozenset[str] = frozenset()
    """Marks the MIS will not overwrite: a writeback over one fails asynchronously (§7.3 rule 7)."""
    regional_domain: str | None = None
    """``region.domain`` of the school; None = the host the request came to."""
    default_per_page: int = 50
    max_per_page: int = 200
    now: datetime | None = None


@dataclass
class Writeback:
    id: str
    kind: str  # "session" | "lesson"
    records: list[dict[str, Any]]
    created_at: datetime
    due: datetime
    status: str = "pending"
    errors: list[dict[str, Any]] = field(default_factory=list)
    stuck: bool = False
    fail: bool = False
    updated_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.kind, "status": self.status, "errors": self.errors,
                "created_at": self.created_at, "updated_at": self.updated_at or self.created_at}


class WondeState:
    def __init__(self, config: WondeConfig | None = None) -> None:
        self.config = config or WondeConfig()
        self.zone = ZoneInfo(self.config.timezone)
        self.lock = threading.RLock()
        self.clock = SimClock(self.zone, self.config.now)
        self.faults = FaultBook(seed=self.config.seed, simple_modes=WONDE_FAULT_MODES, default_route="/v1.0/*",
                                default_routes=WONDE_FAULT_ROUTES)
        self.reset()

    def reset(self) -> None:
        with self.lock:
            cfg = self.config
            self.mis_name = cfg.mis
            self.allows_writeback = cfg.allows_writeback
            self.token_revoked = False
            self.students = make_students(cfg.student_count, cfg.seed)
            self.employees = make_employees(cfg.staff_count, cfg.seed)
            self.codes = attendance_codes(cfg.seed)
            self.school_codes = attendance_codes(cfg.seed + 100) if cfg.custom_attendance_codes else None
            self.deletions: list[dict[str, Any]] = []
            self.mis: dict[tuple[str, str, str], dict[str, Any]] = {}
            self.lesson_marks: dict[tuple[str, str], dict[str, Any]] = {}
            self.snapshot: dict[tuple[str, str, str], dict[str, Any]] = {}
            self.extracted_at = self.clock.now()
            self.writebacks: dict[str, Writeback] = {}
            self.applied: list[dict[str, Any]] = []  # every record the MIS took, in order
            self.api_requests = 0
            self._rng = random.Random(cfg.seed + 7)
            self._ids = itertools.count(1)
            self.faults.clear()

    # -- people ----------------------------------------------------------------------------

    def student(self, student_id: str) -> dict[str, Any] | None:
        return next((s for s in self.students if s["id"] == student_id), None)

    def _require(self, student_id: str) -> dict[str, Any]:
        student = self.student(student_id)
        if student is None:
            raise KeyError(f"no student {student_id}")
        return student

    def add_student(self, **fields: Any) -> dict[str, Any]:
        with self.lock:
            year = int(fields.pop("_year", 7))
            student = make_student(self._rng, 9000 + len(self.students), year, {s["id"] for s in self.students},
                                   created_at=self.clock.now(), updated_at=self.clock.now(), **fields)
            self.students.append(student)
            return student

    def update_student(self, student_id: str, **changes: Any) -> dict[str, Any]:
        with self.lock:
            student = self._require(student_id)
            student.update(changes)
            student["updated_at"] = self.clock.now()
            return student

    def remove_student(self, student_id: str) -> None:
        """Off the roll: gone from /students, listed at /deletions (§2.3)."""
        with self.lock:
            student = self._require(student_id)
            self.students.remove(student)
            self.deletions.append({"type": "student", "id": student["id"], "mis_id": student["mis_id"],
                                   "deleted_at": self.clock.now(), "restored_at": None,
                                   "_updated": self.clock.now()})

    def new_photo(self, student_id: str) -> None:
        with self.lock:
            student = self._require(student_id)
            student["_photo"] = (student["_photo"] or 0) + 1
            student["updated_at"] = self.clock.now()

    def code(self, code_id: str) -> dict[str, Any] | None:
        return next((c for c in self.code_list() if c["id"] == code_id), None)

    def code_list(self) -> list[dict[str, Any]]:
        return self.school_codes if self.school_codes is not None else self.codes

    def code_id(self, code: str) -> str:
        return next(c["id"] for c in self.code_list() if c["code"] == code)

    def lessons(self, day: date) -> list[dict[str, Any]]:
        return lessons_for(day, forms(self.students), self.zone)

    # -- attendance ------------------------------------------------------------------------

    def tick(self) -> None:
        """Apply writebacks that are due and re-extract when it is time; called on every request."""
        with self.lock:
            now = self.clock.now()
            for writeback in self.writebacks.values():
                if writeback.status in ("pending", "processing") and now >= writeback.due:
                    if writeback.stuck:
                        writeback.status = "processing"
                    else:
                        self._apply(writeback, now)
            every = self.config.extract_every_seconds
            if every == 0 or (every is not None and now - self.extracted_at >= timedelta(seconds=every)):
                self.extract()

    def extract(self) -> None:
        """Wonde copies the MIS (its scheduled extraction)."""
        with self.lock:
            self.snapshot = copy.deepcopy(self.mis)
            self.extracted_at = self.clock.now()

    def set_mark(self, day: date, session: str, student_id: str, code: str, comment: str | None = None,
                 minutes_late: int | None = None) -> dict[str, Any]:
        """An office edit in the MIS itself (not through Wonde)."""
        with self.lock:
            self._require(student_id)
            return self._store(day.isoformat(), session, student_id, self.code_id(code), comment, minutes_late)

    def _store(self, day: str, session: str, student_id: str, code_id: str, comment: str | None,
               minutes_late: int | None) -> dict[str, Any]:
        key = (day, session, student_id)
        mark = {"id": self.mis.get(key, {}).get("id") or wonde_id(self._rng), "student": student_id,
                "attendance_code": code_id, "date": day, "session": session, "comment": comment,
                "minutes_late": minutes_late, "updated_at": self.clock.now()}
        self.mis[key] = mark
        return mark

    def accept(self, kind: str, body: Any) -> Writeback:
        """Validate a writeback POST (§7.3) and queue it; ``Rejected`` for 403/422."""
        from .wonde_validate import validate_writeback

        with self.lock:
            records = validate_writeback(self, kind, body)
            now = self.clock.now()
            writeback = Writeback(f"W{next(self._ids):08d}", kind, records, now,
                                  now + timedelta(seconds=self.config.writeback_delay_seconds))
            self.writebacks[writeback.id] = writeback
            return writeback

    def _apply(self, writeback: Writeback, now: datetime) -> None:
        profile = MIS_PROFILES.get(self.mis_name, MIS_PROFILES["SIMS"])
        if writeback.fail:
            writeback.status, writeback.updated_at = "failed", now
            writeback.errors = [{"index": i, "message": "The MIS rejected the mark."}
                                for i in range(len(writeback.records))]
            return
        for index, record in enumerate(writeback.records):
            comment = record.get("comment") if profile["comment"] else None
            minutes = record.get("minutes_late") if profile["minutes"] else None
            if writeback.kind == "lesson":
                self.lesson_marks[(record["lesson_id"], record["student_id"])] = {
                    **record, "comment": comment, "minutes_late": minutes, "updated_at": now}
                self.applied.append({"kind": "lesson", "at": now, **record})
                continue
            existing = self.mis.get((record["date"], record["session"], record["student_id"]))
            existing_code = self.code(existing["attendance_code"]) if existing else None
            if existing_code and existing_code["code"] in self.config.locked_codes:
                writeback.errors.append({"index": index, "message": f"The register holds a locked mark "
                                         f"({existing_code['code']}) and was not changed."})
                continue
            self._store(record["date"], record["session"], record["student_id"], record["attendance_code_id"],
                        comment, int(minutes) if minutes not in (None, "") else None)
            self.applied.append({"kind": "session", "at": now, **record})
        writeback.status = "failed" if writeback.errors else "completed"
        writeback.updated_at = now
