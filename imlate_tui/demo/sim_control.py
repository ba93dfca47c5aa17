"""The simulator's test-control routes under ``/__fake/`` (loopback only, no auth).

=======================================  ===========================================================
``GET|POST|DELETE /__fake/faults``       list, add (``{"mode", "route", "method", "count",
                                         "probability", "retryAfter"}``), clear fault rules
``GET /__fake/writes``                   every accepted PUT (time, period, schoolId, body, before, after)
``GET|POST /__fake/clock``               read, or set ``{"now": iso | null}`` / ``{"advanceSeconds": n}``
``GET /__fake/stats``                    ``tokenRequests``, ``apiRequests``
``POST /__fake/reset``                   back to the seeded school
``POST /__fake/tokens/expire``           every issued token expires now
``POST /__fake/secret``                  ``{"secret": "..."}``: rotate the client secret
``POST /__fake/students``                add a student (camelCase fields); 201 with the student
``PATCH|DELETE /__fake/students/{sid}``  change fields / remove a student
``POST /__fake/employees``               add an employee (camelCase fields); 201 with the employee
``PATCH|DELETE /__fake/employees/{id}``  change fields / remove an employee
``PUT /__fake/register/{pid}/students/{sid}``  set fields of a register row (an office edit)
=======================================  ===========================================================
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

from .sim_faults import FaultBook
from .sim_routes import Reply, json_reply, message
from .sim_state import SimState


def control(state: SimState, method: str, path: str, body: bytes) -> Reply:
    parts = path.strip("/").split("/")[1:]
    try:
        data: Any = json.loads(body) if body else {}
    except ValueError:
        return message(400, "The body must be JSON.")
    try:
        return _route(state, method, parts, data)
    except (KeyError, ValueError, TypeError) as exc:
        return message(400, str(exc))


def fault_rules(faults: FaultBook, method: str, data: Any) -> Reply:
    """`/__fake/faults`: list (GET), add (POST) or clear (DELETE) fault rules; shared by both simulators."""
    if method == "POST":
        fault = faults.add(data["mode"], route=data.get("route"), method=data.get("method", "*"),
                           count=data.get("count"), probability=data.get("probability"),
                           retry_after=data.get("retryAfter"))
        return json_reply(201, fault.to_json())
    if method == "DELETE":
        faults.clear()
        return Reply(200)
    return json_reply(200, {"faults": [f.to_json() for f in faults.active()]})


def _route(state: SimState, method: str, parts: list[str], data: Any) -> Reply:
    if parts == ["faults"]:
        return fault_rules(state.faults, method, data)
    if parts == ["writes"]:
        return json_reply(200, {"writes": [asdict(w) for w in state.writes]}, state)
    if parts == ["clock"]:
        if method == "POST":
            if "advanceSeconds" in data:
                state.advance(float(data["advanceSeconds"]))
            elif "now" in data:
                state.set_now(datetime.fromisoformat(data["now"]) if data["now"] else None)
        return json_reply(200, {"now": state.now(), "today": state.today().isoformat()}, state)
    if parts == ["stats"]:
        return json_reply(200, {"tokenRequests": state.token_requests, "apiRequests": state.api_requests})
    if method == "POST" and parts == ["reset"]:
        state.reset()
        return Reply(200)
    if method == "POST" and parts == ["tokens", "expire"]:
        state.expire_tokens()
        return Reply(200)
    if method == "POST" and parts == ["secret"]:
        state.rotate_secret(str(data["secret"]))
        return Reply(200)
    if parts[:1] == ["students"]:
        return _students(state, method, parts[1:], data)
    if parts[:1] == ["employees"]:
        return _employees(state, method, parts[1:], data)
    if method == "PUT" and len(parts) == 5 and parts[0] == "register" and parts[2] == "students":
        return json_reply(200, state.set_register_row(int(parts[1]), parts[3], **data), state)
    return message(404, "Unknown simulator control route.")


def _students(state: SimState, method: str, rest: list[str], data: Any) -> Reply:
    if method == "POST" and not rest:
        return json_reply(201, state.add_student(**data), state)
    if method == "PATCH" and len(rest) == 1:
        return json_reply(200, state.update_student(rest[0], **data), state)
    if method == "DELETE" and len(rest) == 1:
        state.remove_student(rest[0])
        return Reply(200)
    return message(404, "Unknown simulator control route.")


def _employees(state: SimState, method: str, rest: list[str], data: Any) -> Reply:
    if method == "POST" and not rest:
        return json_reply(201, state.add_employee(**data), state)
    if method == "PATCH" and len(rest) == 1:
        return json_reply(200, state.update_employee(int(rest[0]), **data), state)
    if method == "DELETE" and len(rest) == 1:
        state.remove_employee(int(rest[0]))
        return Reply(200)
    return message(404, "Unknown simulator control route.")
