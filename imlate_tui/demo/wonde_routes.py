"""The Wonde API surface of the simulator (wonde-api.md §2–§4, §7.2): request in, ``Reply`` out.

Only what the spec documents is served; guessed shapes are marked where they are made.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import date, datetime, timezone
from typing import Any
from urllib.parse import urlencode

from .sim_photos import render_photo
from .sim_server import Reply, Request
from .wonde_data import local_stamp, stamp, student_classes
from .wonde_state import Rejected, WondeState


def render(value: Any) -> Any:
    """Python values to Wonde JSON: datetimes as PHP DateTime objects; ``_`` keys dropped."""
    if isinstance(value, datetime):
        return stamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: render(v) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [render(v) for v in value]
    return value


def json_reply(status: int, data: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, json.dumps(render(data)).encode(), headers=headers or {})


def message(status: int, text: str) -> Reply:
    return json_reply(status, {"message": text})


def check_auth(state: WondeState, request: Request) -> Reply | None:
    """Bearer, or Basic with the token as user name and no password (§1.2)."""
    header = request.headers.get("authorization", "")
    token = None
    if header.lower().startswith("bearer "):
        token = header[7:].strip()
    elif header.lower().startswith("basic "):
        try:
            token = base64.b64decode(header[6:]).decode().partition(":")[0]
        except ValueError:
            token = None
    if token != state.config.token or state.token_revoked:
        return message(401, "Unauthenticated.")
    return None


def _when(raw: str | None) -> datetime | None:
    """``updated_after`` values: ``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM:SS``, read as UTC (§2.3)."""
    if not raw:
        return None
    parsed = datetime.fromisoformat(raw.strip().replace("T", " "))
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed


def _in_window(item_time: datetime, request: Request) -> bool:
    after, before = _when(request.arg("updated_after")), _when(request.arg("updated_before"))
    return (after is None or item_time > after) and (before is None or item_time < before)


def paged(state: WondeState, request: Request, items: list[Any], effects: set[str]) -> Reply:
    """§2.2: 50 a page by default; no pagination block at 50 or fewer unless ``per_page`` was asked."""
    asked = request.arg("per_page")
    per_page = min(int(asked), state.config.max_per_page) if asked else state.config.default_per_page
    page = int(request.arg("page") or 1)
    start = (page - 1) * per_page
    chunk = items[start:start + per_page]
    if "duplicate-across-pages" in effects and page > 1 and start > 0:
        chunk = [items[start - 1]] + chunk
    more = start + per_page < len(items)
    meta: dict[str, Any] = {"includes": [i for i in (request.arg("include") or "").split(",") if i]}
    if (asked or len(items) > per_page) and "no-pagination-block" not in effects:
        def link(number: int) -> str:
            query = {k: v[0] for k, v in request.query.items()}
            query["page"] = str(number)
            return f"http://{request.host}{request.path}?{urlencode(query)}"

        meta["pagination"] = {"next": link(page + 1) if more else None,
                              "previous": link(page - 1) if page > 1 else None,
                              "more": more, "per_page": per_page, "current_page": page}
    return json_reply(200, {"data": chunk, "meta": meta})


def school(state: WondeState, request: Request) -> dict[str, Any]:
    domain = state.config.regional_domain or request.host
    return {"id": state.config.school_id, "name": state.config.school_name, "establishment_number": "10000",
            "urn": 10003, "phase_of_education": "SECONDARY", "la_code": "10000", "timezone": state.config.timezone,
            "mis": state.mis_name,
            "extended": {"allows_writeback": state.allows_writeback,
                         "has_timetables": True, "has_lesson_attendance": state.config.has_lesson_attendance},
            "region": {"code": "GBR", "domain": domain,
                       "school_url": f"http://{domain}/v1.0/schools/{state.config.school_id}"}}


def _student_json(state: WondeState, student: dict[str, Any], includes: set[str], effects: set[str]) -> dict:
    out = dict(student)
    if "year" in includes:
        out["year"] = {"data": {"id": f"Y{student['_year']}", "code": str(student["_year"]),
                                "name": f"Year {student['_year']}"}}
    if "registration" in includes:
        out["registration"] = {"data": {"id": f"R{student['_form']}", "name": student["_form"],
                                        "code": student["_form"]}}
    if "education_details" in includes:
        out["education_details"] = {"data": {"admission_number": student["mis_id"], "upn": student["_upn"],
                                             "current_nc_year": student["_year"],
                                             "leaving_date": student["_leaving_date"]}}
    if "classes" in includes:
        out["classes"] = {"data": student_classes(student)}
    if "photo" in includes:
        version = student["_photo"]
        if version is None or "photo-missing" in effects:
            out["photo"] = {"data": None}
        else:
            content = render_photo(student["id"], version, student["initials"])
            out["photo"] = {"data": {"id": f"P{student['id']}{version}",
                                     "content": base64.b64encode(content).decode(),
                                     "hash": hashlib.sha1(content).hexdigest()}}
    return out


def _employee_json(employee: dict[str, Any], includes: set[str]) -> dict:
    out = dict(employee)
    if "contact_details" in includes:
        out["contact_details"] = {"data": {"emails": {"email": employee["_email"], "primary": employee["_email"],
                                                      "work": employee["_email"], "home": None}}}
    if "employment_details" in includes:
        out["employment_details"] = {"data": {"current": employee["_current"], "staff_code": employee["_staff_code"],
                                              "teaching_staff": True, "role_text": "Teacher"}}
    return out


def _mark_json(state: WondeState, mark: dict[str, Any], includes: set[str]) -> dict:
    out = dict(mark)
    if "student" in includes:
        student = state.student(mark["student"])
        out["student"] = {"data": render(student) if student else None}
    if "attendance_code" in includes:
        out["attendance_code"] = {"data": state.code(mark["attendance_code"])}
    return out


def api(state: WondeState, request: Request, effects: set[str]) -> Reply:
    parts = request.path.strip("/").split("/")[1:]  # after "v1.0"
    includes = {i for i in (request.arg("include") or "").split(",") if i}
    with state.lock:
        if parts == ["attendance-codes"]:
            return paged(state, request, state.codes, effects)
        if parts[:1] == ["writebacks"] and len(parts) == 2 and request.method == "GET":
            writeback = state.writebacks.get(parts[1])
            if writeback is None or "writeback-404" in effects:
                return message(404, "Writeback not found.")
            return json_reply(200, {"data": writeback.to_json()})
        if parts[:2] == ["meta", "schools"] and len(parts) == 3 and parts[2] == state.config.school_id:
            return json_reply(200, {"data": {"online": True, "approved": True, "audited": True,
                                             "custom_attendance_codes": state.school_codes is not None}})
        if parts[:1] != ["schools"] or len(parts) < 2 or parts[1] != state.config.school_id:
            return message(404, "Not Found.")
        return _school_route(state, request, parts[2:], includes, effects)


def _school_route(state: WondeState, request: Request, rest: list[str], includes: set[str],
                  effects: set[str]) -> Reply:
    method = request.method
    if not rest:
        return json_reply(200, {"data": school(state, request), "meta": {"includes": []}})
    if rest == ["students"]:
        only = set((request.arg("only_mis_ids") or "").split(",")) - {""}
        items = [_student_json(state, s, includes, effects) for s in state.students
                 if _in_window(s["updated_at"], request) and (not only or s["mis_id"] in only)]
        return paged(state, request, items, effects)
    if rest[:1] == ["students"] and len(rest) == 2:
        student = state.student(rest[1])
        if student is None:
            return message(404, "Not Found.")
        return json_reply(200, {"data": _student_json(state, student, includes, effects)})
    if rest == ["deletions"]:
        kind = request.arg("type")
        items = [d for d in state.deletions if (kind is None or d["type"] == kind) and _in_window(d["_updated"], request)]
        return paged(state, request, items, effects)
    if rest == ["employees"]:
        items = [_employee_json(e, includes) for e in state.employees if _in_window(e["updated_at"], request)]
        return paged(state, request, items, effects)
    if rest == ["attendance-codes"]:
        return paged(state, request, state.code_list(), effects)
    if rest == ["lessons"]:
        return paged(state, request, _lessons(state, request), effects)
    if rest[:1] == ["attendance"] and len(rest) == 2 and rest[1] in ("session", "lesson"):
        if method == "POST":
            return _writeback(state, rest[1], request.body)
        if rest[1] == "lesson":
            items = [m for m in state.lesson_marks.values() if _in_window(m["updated_at"], request)]
            return paged(state, request, items, effects)
        marks = sorted(state.snapshot.values(), key=lambda m: m["updated_at"])
        items = [_mark_json(state, m, includes) for m in marks if _in_window(m["updated_at"], request)]
        return paged(state, request, items, effects)
    return message(404, "Not Found.")


def _lessons(state: WondeState, request: Request) -> list[dict[str, Any]]:
    after = request.arg("lessons_start_after")
    before = request.arg("lessons_start_before")
    first = date.fromisoformat(after) if after else state.clock.today()
    last = date.fromisoformat(before) if before else first
    lessons = []
    day = first
    while day <= last:
        for lesson in state.lessons(day):
            # Lesson times in the school's zone (shape UNVERIFIED; other timestamps are UTC).
            lessons.append({**lesson, "start_at": local_stamp(lesson["start_at"], state.zone),
                            "end_at": local_stamp(lesson["end_at"], state.zone)})
        day = date.fromordinal(day.toordinal() + 1)
    return lessons


def _writeback(state: WondeState, kind: str, body: bytes) -> Reply:
    try:
        data = json.loads(body) if body else None
    except ValueError:
        return message(400, "The body must be JSON.")
    try:
        writeback = state.accept(kind, data)
    except Rejected as exc:
        return json_reply(exc.status, exc.payload)
    return json_reply(200, {"writeback_id": writeback.id})
