"""Registration periods, register rows and PUT validation for the iSAMS simulator.

Periods are generated per date per division on first use, with fresh ids each day (iSAMS
generates registers every morning, isams-api.md §2.5); weekends have none. Rows start
untaken (``isRegistered=0``); a few students each day are pre-filled as a future absence (code
M) or out of school (code V), with the flags set but ``isRegistered`` still 0 (UNVERIFIED).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .sim_data import DIVISIONS

FIRST_PERIOD_ID = 22900
# (friendlyName, registrationType, ruleId, start, time, finish); registrationType of the
# statutory registers equals their friendlyName, lessons are "Lesson" (UNVERIFIED values).
TIMETABLE = (
    ("AM", "AM", 1, time(8, 25), time(8, 30), time(9, 0)),
    ("P1", "Lesson", 3, time(9, 5), time(9, 5), time(10, 0)),
    ("P2", "Lesson", 3, time(10, 0), time(10, 0), time(10, 55)),
    ("P3", "Lesson", 3, time(11, 15), time(11, 15), time(12, 10)),
    ("P4", "Lesson", 3, time(12, 10), time(12, 10), time(13, 5)),
    ("PM", "PM", 2, time(13, 25), time(13, 30), time(14, 0)),
    ("P5", "Lesson", 3, time(14, 0), time(14, 0), time(14, 55)),
)
BOOL_FIELDS = ("isPresent", "isLate")
ROW_FIELDS = ("isPresent", "isLate", "numberOfMinutesLate", "presentCodeId", "absenceCodeId",
              "registrationComment", "leavingOrLeftDateTime")


@dataclass(frozen=True)
class WriteRecord:
    """One accepted PUT: what was asked, what the row was, what it became."""

    at: datetime
    period_id: int
    school_id: str
    body: dict[str, Any]
    before: dict[str, Any]
    after: dict[str, Any]


@dataclass
class RegisterBook:
    timezone: ZoneInfo
    next_id: int = FIRST_PERIOD_ID
    periods: dict[int, dict[str, Any]] = field(default_factory=dict)
    _by_day: dict[tuple[date, int], list[int]] = field(default_factory=dict)
    rows: dict[tuple[int, str], dict[str, Any]] = field(default_factory=dict)
    writes: list[WriteRecord] = field(default_factory=list)

    def periods_for(self, day: date, division_id: int, students_in_division: int) -> list[dict[str, Any]]:
        key = (day, division_id)
        if key not in self._by_day:
            self._by_day[key] = self._generate(day, division_id)
        found = [self.periods[pid] for pid in self._by_day[key]]
        for period in found:
            period["numberOfStudents"] = students_in_division
        return found

    def roll(self, day: date) -> None:
        """New ids for that day's periods (as after a regeneration); the old ids stop existing."""
        for key in [k for k in self._by_day if k[0] == day]:
            for pid in self._by_day.pop(key):
                self.periods.pop(pid, None)
                for row_key in [rk for rk in self.rows if rk[0] == pid]:
                    del self.rows[row_key]

    def _generate(self, day: date, division_id: int) -> list[int]:
        if day.weekday() >= 5:
            return []
        division = next(d for d in DIVISIONS if d["id"] == division_id)
        ids = []
        for name, kind, rule, start, at, finish in TIMETABLE:
            pid = self.next_id
            self.next_id += 1
            self.periods[pid] = {
                "id": pid, "friendlyName": name, "registrationType": kind, "registrationRuleId": rule,
                "start": self._at(day, start), "time": self._at(day, at), "finish": self._at(day, finish),
                "numberOfStudents": 0,
                "divisions": [{"id": division["id"], "code": division["code"], "name": division["name"]}],
                "_date": day, "_divisionId": division_id,
            }
            ids.append(pid)
        return ids

    def _at(self, day: date, clock_time: time) -> datetime:
        return datetime.combine(day, clock_time, tzinfo=self.timezone)

    def row(self, period_id: int, school_id: str, code_ids: dict[str, int]) -> dict[str, Any]:
        key = (period_id, school_id)
        if key not in self.rows:
            self.rows[key] = self._fresh_row(period_id, school_id, code_ids)
        return self.rows[key]

    def _fresh_row(self, period_id: int, school_id: str, code_ids: dict[str, int]) -> dict[str, Any]:
        row = {"schoolId": school_id, "registrationPeriodId": period_id, "isRegistered": 0,
               "isPresent": False, "isLate": False, "numberOfMinutesLate": 0, "presentCodeId": None,
               "absenceCodeId": None, "registrationComment": None, "leavingOrLeftDateTime": None,
               "isOutOfSchool": False, "isFutureAbsence": False, "alertSent": False,
               "parentNotificationSent": False}
        # Same students all day long, different ones each day: about 1 in 30 has leave booked.
        day = self.periods[period_id]["_date"]
        luck = zlib.crc32(f"{school_id}:{day.isoformat()}".encode()) % 60
        if luck == 0:
            row.update(isFutureAbsence=True, absenceCodeId=code_ids["M"])
        elif luck == 1:
            row.update(isOutOfSchool=True, absenceCodeId=code_ids["V"])
        return row


def validate_update(body: Any, rules: dict[str, bool], absence_ids: set[int],
                    present_ids: set[int]) -> dict[str, Any] | None:
    """ASP.NET-style 400 payload for a bad PUT body, or None when it is acceptable (all UNVERIFIED)."""
    if not isinstance(body, dict):
        return {"message": "The request is invalid.", "modelState": {"request": ["A JSON object is required."]}}
    problems: dict[str, list[str]] = {}
    if rules.get("shape", True):
        for name in BOOL_FIELDS:
            if not isinstance(body.get(name), bool):
                problems[f"request.{name}"] = [f"The {name} field is required and must be true or false."]
        for name in ("numberOfMinutesLate", "presentCodeId", "absenceCodeId"):
            value = body.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                problems[f"request.{name}"] = [f"The {name} field must be a whole number."]
    if problems:
        return {"message": "The request is invalid.", "modelState": problems}
    present_id, absence_id = body.get("presentCodeId"), body.get("absenceCodeId")
    if rules.get("codes", True):
        if present_id is not None and present_id not in present_ids:
            return {"message": f"The present code {present_id} does not exist."}
        if absence_id is not None and absence_id not in absence_ids:
            return {"message": f"The absence code {absence_id} does not exist."}
    if rules.get("flags", True):
        if body.get("isPresent") and absence_id is not None:
            return {"message": "A present mark cannot have an absence code."}
        if body.get("isPresent") is False and present_id is not None:
            return {"message": "An absent mark cannot have a present code."}
    if rules.get("minutes", True) and (body.get("numberOfMinutesLate") or 0) < 0:
        return {"message": "The number of minutes late cannot be negative."}
    return None


def register_closed(period: dict[str, Any], now: datetime, after_minutes: int | None) -> bool:
    return after_minutes is not None and now > period["finish"] + timedelta(minutes=after_minutes)
