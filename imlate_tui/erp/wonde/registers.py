"""Registers through Wonde: sessions and lesson slots as numbered periods, reading and writing one mark.

A register id is ``yyyymmdd * 100 + n``: ``n`` 1 is AM, 2 is PM, ``10 + i`` the i-th lesson slot of the day
(one slot per distinct lesson start time; for a student it means their own lesson then).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from imlate_tui.erp.mis import MarkRead, MarkToWrite, MisNotFound, MisRejected, RegisterPeriod, WriteReceipt

if TYPE_CHECKING:
    from .mis import SessionTimes, WondeMis

AM, PM, FIRST_SLOT = 1, 2, 10


def period_id(day: date, n: int) -> int:
    return int(day.strftime("%Y%m%d")) * 100 + n


def decode(period: int) -> tuple[date, int]:
    day, n = divmod(int(period), 100)
    try:
        return datetime.strptime(str(day), "%Y%m%d").date(), n
    except ValueError:
        raise MisNotFound(f"register {period} is not a Wonde register of this program") from None


def session_periods(day: date, times: "SessionTimes", zone: ZoneInfo) -> list[RegisterPeriod]:
    if day.weekday() >= 5:
        return []  # no registers at weekends, as with iSAMS

    def at(t) -> datetime:
        return datetime.combine(day, t, zone)

    return [RegisterPeriod(period_id(day, AM), "AM", "AM", at(times.am_start), at(times.am_start), at(times.am_close)),
            RegisterPeriod(period_id(day, PM), "PM", "PM", at(times.pm_start), at(times.pm_start), at(times.pm_close))]


def _slots(lessons: list[dict[str, Any]]) -> list[tuple[datetime, datetime, str]]:
    from .mis import parse_when

    found = {}
    for lesson in lessons:
        start, end = parse_when(lesson.get("start_at")), parse_when(lesson.get("end_at"))
        if start and end and end > start:
            found.setdefault(start, (start, end, str(lesson.get("period") or start.strftime("%H:%M"))))
    return [found[k] for k in sorted(found)]


def lesson_slots(day: date, lessons: list[dict[str, Any]]) -> list[RegisterPeriod]:
    return [RegisterPeriod(period_id(day, FIRST_SLOT + i), name, None, start, start, end)
            for i, (start, end, name) in enumerate(_slots(lessons))]


def _lesson_for(mis: "WondeMis", day: date, n: int, student_id: str) -> str:
    slots = _slots(mis.lessons(day))
    if not 0 <= n - FIRST_SLOT < len(slots):
        raise MisNotFound(f"no lesson slot {n - FIRST_SLOT + 1} on {day}")
    start = slots[n - FIRST_SLOT][0]
    from .mis import parse_when

    classes = mis.student_classes(student_id)
    for lesson in mis.lessons(day):
        if parse_when(lesson.get("start_at")) == start and str(lesson.get("class")) in classes:
            return str(lesson["id"])
    raise MisNotFound(f"the student has no lesson at {start:%H:%M} on {day}")


def read_mark(mis: "WondeMis", period: int, school_id: str) -> MarkRead:
    day, n = decode(period)
    student_id = mis.wonde_student_id(school_id)
    read_at = mis.refresh_marks()
    if n in (AM, PM):
        found = mis.cached_mark((day.isoformat(), "AM" if n == AM else "PM", student_id))
    else:
        found = mis.cached_lesson_mark((_lesson_for(mis, day, n, student_id), student_id))
    if found is None:
        return MarkRead(period_id=period, as_of=read_at)
    code = found.get("attendance_code")
    code_id = code.get("data", {}).get("id") if isinstance(code, dict) else code
    letter = mis.letter_of(str(code_id)) if code_id else None
    present = letter in ("/", "\\", "L")
    minutes = found.get("minutes_late")
    return MarkRead(period_id=period, taken=letter is not None, present=present, late=letter in ("L", "U"),
                    minutes_late=int(minutes) if str(minutes or "").isdigit() else None,
                    present_code=letter if present else None, absence_code=None if present else letter,
                    comment=found.get("comment"), as_of=read_at)


def _letter(mark: MarkToWrite) -> str:
    return mark.absence_code or mark.present_code or ("L" if mark.late else "/")


def record_fields(mis: "WondeMis", mark: MarkToWrite) -> dict[str, Any]:
    """The part of a Wonde attendance record that comes from the mark, trimmed to what the MIS takes."""
    capabilities = mis.capabilities
    fields: dict[str, Any] = {"attendance_code_id": mis.code_id(_letter(mark))}
    if capabilities.minutes_late and mark.minutes_late and mark.minutes_late > 0:
        fields["minutes_late"] = int(mark.minutes_late)
    if capabilities.comments and mark.comment:
        fields["comment"] = mark.comment[:255]
    return fields


def write_mark(mis: "WondeMis", period: int, school_id: str, mark: MarkToWrite) -> WriteReceipt:
    day, n = decode(period)
    student_id = mis.wonde_student_id(school_id)
    fields = record_fields(mis, mark)
    if n in (AM, PM):
        if not mis.capabilities.session_marks:
            raise MisRejected(f"{mis.mis_name} does not take session marks through Wonde")
        record = {"date": day.isoformat(), "session": "AM" if n == AM else "PM", "student_id": student_id, **fields}
        kind = "session"
    else:
        if not mis.capabilities.lesson_writeback:
            raise MisRejected(f"{mis.mis_name} does not take lesson marks through Wonde")
        record = {"lesson_id": _lesson_for(mis, day, n, student_id), "student_id": student_id, **fields}
        kind = "lesson"
    answer = mis.api.post(mis.api.school_url(f"/attendance/{kind}"), {"attendance": [record]})
    reference = answer.get("writeback_id")
    if not reference:
        raise MisRejected("Wonde accepted the writeback but gave no writeback id")
    return WriteReceipt("queued", str(reference))
