"""Writeback validation as the Wonde simulator applies it (wonde-api.md §7.3).

The 422 body follows Laravel's default (``message`` and ``errors`` keyed ``attendance.{i}.{field}``):
the spec marks that shape as a guess, so clients must only rely on "422 means this request is refused".
The whole request is refused when any record is bad (rule 8's default, all-or-nothing).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .wonde_state import WondeState

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_COMMENT = 255


def _invalid(errors: dict[str, list[str]]) -> Exception:
    from .wonde_state import Rejected

    return Rejected(422, {"message": "The given data was invalid.", "errors": errors})


def validate_writeback(state: "WondeState", kind: str, body: Any) -> list[dict[str, Any]]:
    from .wonde_state import MIS_PROFILES, Rejected

    if not state.allows_writeback:
        raise Rejected(403, {"message": "This school does not allow writeback."})
    if not isinstance(body, dict) or not isinstance(body.get("attendance"), list) or not body["attendance"]:
        raise _invalid({"attendance": ["The attendance field is required and must be a list."]})
    profile = MIS_PROFILES.get(state.mis_name, MIS_PROFILES["SIMS"])
    if not profile[kind]:
        raise _invalid({"attendance": [f"{state.mis_name} does not accept {kind} attendance writeback."]})
    errors: dict[str, list[str]] = {}
    records = []
    lesson_ids = {lesson["id"] for lesson in state.lessons(state.clock.today())} if kind == "lesson" else set()
    for index, record in enumerate(body["attendance"]):
        def bad(name: str, text: str) -> None:
            errors.setdefault(f"attendance.{index}.{name}", []).append(text)

        if not isinstance(record, dict):
            bad("record", "Each attendance record must be an object.")
            continue
        if state.student(str(record.get("student_id"))) is None:
            bad("student_id", "The selected student id is invalid.")
        if state.code(str(record.get("attendance_code_id"))) is None:
            bad("attendance_code_id", "The selected attendance code id is invalid.")
        if kind == "session":
            if not isinstance(record.get("date"), str) or not _DATE.match(record["date"]):
                bad("date", "The date does not match the format Y-m-d.")
            if record.get("session") not in ("AM", "PM"):
                bad("session", "The selected session is invalid.")
        elif record.get("lesson_id") not in lesson_ids:
            bad("lesson_id", "The selected lesson id is invalid.")
        minutes = record.get("minutes_late")
        if minutes is not None and not (str(minutes).isdigit()):
            bad("minutes_late", "The minutes late must be a whole number of 0 or more.")
        comment = record.get("comment")
        if comment is not None and (not isinstance(comment, str) or len(comment) > MAX_COMMENT):
            bad("comment", f"The comment may not be greater than {MAX_COMMENT} characters.")
        records.append(dict(record))
    if errors:
        raise _invalid(errors)
    return records
