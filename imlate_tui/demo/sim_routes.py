"""The iSAMS REST surface of the simulator (isams-api.md §6.2, §6.3): request in, ``Reply`` out.

Pure functions of the ``SimState``; the HTTP server in ``isams_sim`` handles sockets and faults.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable
from urllib.parse import parse_qs, unquote

from .sim_data import DIVISIONS, division_for_year, division_json
from .sim_photos import render_photo
from .sim_server import Reply
from .sim_state import PutRejected, SimState

DENIED = "Authorization has been denied for this request."
NOT_AUTHORISED = "The user is not authorised for this request"


@dataclass
class Options:
    """Per-request effects of the faults that fired."""

    no_offset: bool = False
    effects: set[str] = field(default_factory=set)
    photo_type: str | None = None


def render(value: Any, state: SimState, no_offset: bool) -> Any:
    """Python values to iSAMS JSON: datetimes in the school zone (offset unless ``no_offset``)."""
    if isinstance(value, datetime):
        local = value.astimezone(state.timezone)
        return (local.replace(tzinfo=None) if no_offset else local).isoformat(timespec="seconds")
    if isinstance(value, date):
        return f"{value.isoformat()}T00:00:00"
    if isinstance(value, dict):
        return {k: render(v, state, no_offset) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [render(v, state, no_offset) for v in value]
    return value


def json_reply(status: int, data: Any, state: SimState | None = None, no_offset: bool = False,
               headers: dict[str, str] | None = None) -> Reply:
    payload = render(data, state, no_offset) if state is not None else data
    return Reply(status, json.dumps(payload).encode(), headers=headers or {})


def message(status: int, text: str, headers: dict[str, str] | None = None) -> Reply:
    return json_reply(status, {"message": text}, headers=headers)


# -- token endpoint ------------------------------------------------------------------------------

def token(state: SimState, headers: dict[str, str], body: bytes, rotated: bool) -> Reply:
    form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    with state.lock:
        state.token_requests += 1
    if form.get("grant_type") != "client_credentials":
        return json_reply(400, {"error": "unsupported_grant_type"})
    client_id, secret = form.get("client_id"), form.get("client_secret")
    basic = headers.get("authorization", "")
    state.last_token_auth = "basic" if basic.lower().startswith("basic ") else "form"
    if basic.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
        except ValueError:
            return json_reply(400, {"error": "invalid_client"})
    if rotated or client_id != state.config.client_id or secret != state.client_secret:
        return json_reply(state.config.invalid_client_status, {"error": "invalid_client"})
    scope = form.get("scope")
    if scope and not set(scope.split()) <= state.config.allowed_scopes:
        return json_reply(400, {"error": "invalid_scope"})
    return json_reply(200, state.issue_token(scope or " ".join(sorted(state.config.allowed_scopes))),
                      headers={"Cache-Control": "no-store"})


def revoke(state: SimState, body: bytes) -> Reply:
    form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    with state.lock:
        state.tokens.pop(form.get("token", ""), None)
    return Reply(200)


# -- /api ----------------------------------------------------------------------------------------

_MODULES = (("/api/students/", "/photos/", "photos"), ("/api/students", "", "students"),
            ("/api/school/", "", "school"), ("/api/registration/", "", "registration"),
            ("/api/humanresources/", "", "humanresources"))


def check_auth(state: SimState, path: str, headers: dict[str, str]) -> Reply | None:
    header = headers.get("authorization", "")
    if not header.startswith("Bearer "):
        return message(401, DENIED, {"WWW-Authenticate": "Bearer"})
    if not state.token_is_valid(header[7:].strip()):
        return message(401, DENIED, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
    for prefix, part, module in _MODULES:
        if path.startswith(prefix) and part in path:
            if module not in state.permissions:
                return message(403, NOT_AUTHORISED)
            break
    return None


def _int(query: dict[str, list[str]], name: str, default: int | None) -> int | None:
    raw = query.get(name, [None])[0]
    if raw is None:
        return default
    return int(raw)  # ValueError → 400 in api()


def api(state: SimState, method: str, path: str, query: dict[str, list[str]], body: bytes,
        options: Options) -> Reply:
    try:
        return _route(state, method, path, query, body, options)
    except ValueError:
        return json_reply(400, {"message": "The request is invalid."})


def _route(state: SimState, method: str, path: str, query: dict[str, list[str]], body: bytes,
           options: Options) -> Reply:
    parts = [unquote(p) for p in path.strip("/").split("/")]
    no_offset = options.no_offset
    if method == "GET" and parts == ["api", "students"]:
        return _students_page(state, query, options)
    if method == "GET" and len(parts) == 3 and parts[:2] == ["api", "students"]:
        student = state.student(parts[2])
        if student is None:
            return message(404, "The student was not found.")
        return json_reply(200, _expanded(student, query), state, no_offset)
    if method == "GET" and len(parts) == 5 and parts[:2] == ["api", "students"] and parts[3] == "photos":
        return _photo(state, parts[2], parts[4], options)
    if method == "GET" and parts == ["api", "humanresources", "employees"]:
        return _employees_page(state, query, options)
    if method == "GET" and len(parts) == 4 and parts[:3] == ["api", "humanresources", "employees"]:
        employee = state.employee(int(parts[3]))
        if employee is None:
            return message(404, "The employee was not found.")
        return json_reply(200, employee, state, no_offset)
    if method == "GET" and parts[:3] == ["api", "school", "yeargroups"]:
        return _year_groups(state, parts[3:], no_offset)
    if method == "GET" and parts == ["api", "school", "terms"]:
        return json_reply(200, {"terms": _terms(state)}, state, no_offset)
    if method == "GET" and parts == ["api", "registration", "periods"]:
        return _periods(state, query, options)
    if method == "GET" and parts == ["api", "registration", "absencecodes"]:
        return json_reply(200, {"absenceCodes": state.absence_codes})
    if method == "GET" and parts == ["api", "registration", "presentcodes"]:
        return json_reply(200, {"presentCodes": state.present_codes})
    if (len(parts) == 6 and parts[:3] == ["api", "registration", "register"] and parts[4] == "students"
            and method in ("GET", "PUT")):
        return _register(state, method, int(parts[3]), parts[5], body, no_offset)
    return message(404, f"No HTTP resource was found that matches the request URI '{path}'.")


def _students_page(state: SimState, query: dict[str, list[str]], options: Options) -> Reply:
    return _paged(state, query, options, "students", lambda: state.students,
                  lambda: state.add_student(at_front=True, yearGroup=7), lambda s: _expanded(s, query))


def _employees_page(state: SimState, query: dict[str, list[str]], options: Options) -> Reply:
    return _paged(state, query, options, "employees", lambda: state.employees,
                  lambda: state.add_employee(at_front=True), lambda e: e)


def _paged(state: SimState, query: dict[str, list[str]], options: Options, key: str,
           roll_of: Callable[[], list[dict[str, Any]]], drift: Callable[[], Any],
           shown: Callable[[dict[str, Any]], dict[str, Any]]) -> Reply:
    """One page of a paged list, with the paging faults (drift, duplicates, missing) applied."""
    page = max(_int(query, "page", 1) or 1, 1)
    size = min(max(_int(query, "pageSize", state.config.default_page_size) or 1, 1), state.config.max_page_size)
    with state.lock:
        if "paging-drift" in options.effects:
            drift()
        roll = list(roll_of())
    start = (page - 1) * size
    items = roll[start:start + size]
    if "duplicate-across-pages" in options.effects and start > 0:
        items = [roll[start - 1]] + items
    if "missing-across-pages" in options.effects and items:
        items = items[1:]
    total_pages = (len(roll) + size - 1) // size
    return json_reply(200, {"count": len(items), "page": page, "pageSize": size, "totalCount": len(roll),
                            "totalPages": total_pages, key: [shown(item) for item in items]},
                      state, options.no_offset)


def _expanded(student: dict[str, Any], query: dict[str, list[str]]) -> dict[str, Any]:
    """``expand=customFields`` adds an (empty) ``customFields`` list; other expansions are ignored."""
    if "customFields" in ",".join(query.get("expand", [])):
        return {**student, "customFields": []}
    return student


def _photo(state: SimState, school_id: str, which: str, options: Options) -> Reply:
    student = state.student(school_id)
    if student is None:
        return message(404, "The student was not found.")
    photo_id = student.get("latestPhotoId")
    if photo_id is None or "photo-missing" in options.effects or which not in ("current", str(photo_id)):
        return message(404, "No photo was found for this student.")
    content_type = options.photo_type or "image/jpeg"
    image_format = {"image/png": "PNG", "image/gif": "GIF"}.get(content_type, "JPEG")
    return Reply(200, render_photo(school_id, photo_id, student.get("initials") or "?", image_format),
                 content_type=content_type)


def _year_groups(state: SimState, rest: list[str], no_offset: bool) -> Reply:
    if not rest:
        return json_reply(200, {"yearGroups": state.year_groups}, state, no_offset)
    year = int(rest[0])
    found = next((y for y in state.year_groups if y["ncYear"] == year), None)
    if found is None:
        return message(404, "The year group was not found.")
    if rest[1:] == ["divisions"]:
        division = division_for_year(year)
        return json_reply(200, {"divisions": [division_json(division)] if division else []}, state, no_offset)
    if len(rest) == 1:
        return json_reply(200, found, state, no_offset)
    return message(404, "No HTTP resource was found that matches the request URI.")


def _terms(state: SimState) -> list[dict[str, Any]]:
    today = state.today()
    start = today.year if today.month >= 9 else today.year - 1
    spans = (("Michaelmas", date(start, 9, 3), date(start, 12, 17)),
             ("Lent", date(start + 1, 1, 6), date(start + 1, 3, 27)),
             ("Summer", date(start + 1, 4, 21), date(start + 1, 7, 16)))
    return [{"id": 300 + i, "name": f"{name} {start}-{start + 1}", "schoolYear": start + 1,
             "startDate": begin, "finishDate": end} for i, (name, begin, end) in enumerate(spans)]


def _periods(state: SimState, query: dict[str, list[str]], options: Options) -> Reply:
    division_id = _int(query, "divisionId", None)
    if "period-ids-roll" in options.effects:
        state.roll_period_ids()
    if "no-periods-today" in options.effects:
        return json_reply(200, {"registrationPeriods": []})
    wanted = [division_id] if division_id is not None else [d["id"] for d in DIVISIONS]
    periods = [p for d in wanted for p in state.today_periods(d)]
    return json_reply(200, {"registrationPeriods": periods}, state, options.no_offset)


def _register(state: SimState, method: str, period_id: int, school_id: str, body: bytes,
              no_offset: bool) -> Reply:
    if method == "GET":
        row = state.register_row(period_id, school_id)
        if row is None:
            return message(404, "No registration record was found for this student and period.")
        return json_reply(200, row, state, no_offset)
    try:
        parsed = json.loads(body) if body else None
    except ValueError:
        parsed = None
    try:
        row = state.apply_put(period_id, school_id, parsed)
    except PutRejected as rejected:
        return json_reply(rejected.status, rejected.payload)
    return json_reply(200, row, state, no_offset) if state.config.put_echo else Reply(200)
