"""A Wonde API simulator built from wonde-api.md (not from our client), for tests and `imlate demo --mis wonde`.

    from imlate_tui.demo.wonde_sim import WondeConfig, WondeState, WondeSimulator
    state = WondeState(WondeConfig(mis="Arbor", writeback_delay_seconds=120))
    with WondeSimulator(state) as sim:
        sim.base_url                  # "http://127.0.0.1:<port>": the API is under /v1.0/

What it models (each guess is a switch in ``WondeConfig``): one token (Bearer or Basic), the school record with
its ``region.domain``, paging by ``meta.pagination`` (absolute ``next`` URLs), ``updated_after`` deltas and the
deletions feed, photos inline with a ``hash``, one list of attendance codes, session and lesson writebacks that
are queued (``writeback_id``) and applied later, their status at ``/v1.0/writebacks/{id}``, 422 validation with
Laravel-style errors, per-MIS profiles (Arbor takes lesson marks only; some MIS drop comments or minutes), and
reads served from Wonde's copy of the MIS, refreshed by extraction.

Test controls under ``/__fake/`` (loopback only):

=======================================  =================================================================
``GET|POST|DELETE /__fake/faults``       list, add (``{"mode", "route", "method", "count", "probability",
                                         "retryAfter"}``), clear; modes: ``status:<code>``, ``delay:<ms>``, and
                                         ``WONDE_FAULT_MODES`` (``writeback-stuck``/``-failed``/``-404`` apply to
                                         writebacks accepted while the rule is active, or to the status route)
``GET /__fake/writes``                   every record the MIS applied, in order
``GET /__fake/writebacks``               every writeback with its status
``POST /__fake/writebacks/{id}/complete|fail``  finish a stuck writeback by hand
``GET|POST /__fake/clock``               read, or ``{"now": iso | null}`` / ``{"advanceSeconds": n}``
``POST /__fake/extract``                 Wonde copies the MIS now
``POST /__fake/reset``                   back to the seeded school
``GET /__fake/stats``                    ``apiRequests``
``POST /__fake/students``, ``PATCH|DELETE /__fake/students/{id}``, ``POST /__fake/students/{id}/photo``
``PUT /__fake/marks/{date}/{AM|PM}/{student_id}``  an office edit in the MIS: ``{"code", "comment", "minutes_late"}``
``POST /__fake/school``                  ``{"mis": "Arbor", "allows_writeback": false}``
=======================================  =================================================================
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date, datetime
from typing import Any

from .sim_control import fault_rules
from .sim_server import LOOPBACK, Reply, Request, SimServer
from .wonde_routes import api, check_auth, json_reply, message
from .wonde_state import DEMO_SCHOOL_ID, DEMO_WONDE_TOKEN, WondeConfig, WondeState

__all__ = ["DEMO_SCHOOL_ID", "DEMO_WONDE_TOKEN", "WondeConfig", "WondeSimulator", "WondeState", "main"]


def handle(state: WondeState, request: Request) -> Reply | None:
    if request.path.startswith("/__fake/"):
        if request.client_host not in LOOPBACK:
            return message(403, "Simulator controls are for loopback callers only.")
        return _control(state, request)
    if not request.path.startswith("/v1.0/"):
        return message(404, "Not Found.")
    with state.lock:
        state.api_requests += 1
    state.tick()
    fired = state.faults.take(request.method, request.path)
    modes = {f.mode for f in fired}
    if "token-revoked-now" in modes:
        state.token_revoked = True
    delay_ms = sum(int(f.mode[6:]) for f in fired if f.mode.startswith("delay:"))
    if delay_ms:
        time.sleep(delay_ms / 1000)
    for fault in fired:
        if fault.mode == "reset":
            return None
        if fault.mode.startswith("status:"):
            status = int(fault.mode[7:])
            headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
            return json_reply(status, {"message": f"Simulated failure (HTTP {status})."}, headers)
    denied = check_auth(state, request)
    if denied is not None:
        return denied
    if request.method == "POST" and ("writeback-stuck" in modes or "writeback-failed" in modes):
        reply = api(state, request, modes)
        _mark_new_writeback(state, reply, stuck="writeback-stuck" in modes, fail="writeback-failed" in modes)
        return reply
    reply = api(state, request, modes)
    if "truncated-json" in modes and reply.status == 200 and reply.body:
        reply.body = reply.body[: len(reply.body) // 2]
    return reply


def _mark_new_writeback(state: WondeState, reply: Reply, *, stuck: bool, fail: bool) -> None:
    if reply.status != 200:
        return
    writeback = state.writebacks.get(json.loads(reply.body)["writeback_id"])
    if writeback is not None and writeback.status == "pending":
        writeback.stuck, writeback.fail = stuck, fail


def _control(state: WondeState, request: Request) -> Reply:
    parts = request.path.strip("/").split("/")[1:]
    try:
        data: Any = json.loads(request.body) if request.body else {}
        return _control_route(state, request.method, parts, data)
    except (KeyError, ValueError, TypeError, StopIteration) as exc:
        return message(400, str(exc) or type(exc).__name__)


def _control_route(state: WondeState, method: str, parts: list[str], data: Any) -> Reply:
    if parts == ["faults"]:
        return fault_rules(state.faults, method, data)
    if parts == ["writes"]:
        state.tick()
        return json_reply(200, {"writes": state.applied})
    if parts == ["writebacks"]:
        state.tick()
        return json_reply(200, {"writebacks": [w.to_json() for w in state.writebacks.values()]})
    if method == "POST" and len(parts) == 3 and parts[0] == "writebacks":
        return _finish_writeback(state, parts[1], parts[2])
    if parts == ["clock"]:
        if method == "POST":
            if "advanceSeconds" in data:
                state.clock.advance(float(data["advanceSeconds"]))
            elif "now" in data:
                state.clock.set_now(datetime.fromisoformat(data["now"]) if data["now"] else None)
        return json_reply(200, {"now": state.clock.now(), "today": state.clock.today().isoformat()})
    if method == "POST" and parts == ["extract"]:
        state.extract()
        return Reply(200)
    if method == "POST" and parts == ["reset"]:
        state.reset()
        return Reply(200)
    if parts == ["stats"]:
        return json_reply(200, {"apiRequests": state.api_requests})
    if method == "POST" and parts == ["school"]:
        with state.lock:
            state.mis_name = data.get("mis", state.mis_name)
            state.allows_writeback = data.get("allows_writeback", state.allows_writeback)
        return Reply(200)
    if parts[:1] == ["students"]:
        return _students(state, method, parts[1:], data)
    if method == "PUT" and len(parts) == 4 and parts[0] == "marks":
        mark = state.set_mark(date.fromisoformat(parts[1]), parts[2], parts[3], data["code"],
                              data.get("comment"), data.get("minutes_late"))
        return json_reply(200, mark)
    return message(404, "Unknown simulator control route.")


def _finish_writeback(state: WondeState, writeback_id: str, how: str) -> Reply:
    with state.lock:
        writeback = state.writebacks[writeback_id]
        writeback.stuck = False
        writeback.fail = how == "fail"
        writeback.due = state.clock.now()
    state.tick()
    return json_reply(200, writeback.to_json())


def _students(state: WondeState, method: str, rest: list[str], data: Any) -> Reply:
    if method == "POST" and not rest:
        return json_reply(201, state.add_student(**data))
    if method == "PATCH" and len(rest) == 1:
        return json_reply(200, state.update_student(rest[0], **data))
    if method == "DELETE" and len(rest) == 1:
        state.remove_student(rest[0])
        return Reply(200)
    if method == "POST" and len(rest) == 2 and rest[1] == "photo":
        state.new_photo(rest[0])
        return Reply(200)
    return message(404, "Unknown simulator control route.")


class WondeSimulator(SimServer):
    """The Wonde simulator on a background thread: ``with WondeSimulator(state) as sim: sim.base_url``."""

    def __init__(self, state: WondeState | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = state or WondeState()
        super().__init__(lambda request: handle(self.state, request), "wonde-simulator", host, port)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m imlate_tui.demo.wonde_sim",
                                     description="Run the Wonde simulator (demo token only).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--mis", default="SIMS")
    parser.add_argument("--writeback-delay", type=float, default=2.0)
    args = parser.parse_args(argv)
    state = WondeState(WondeConfig(student_count=args.students, mis=args.mis,
                                   writeback_delay_seconds=args.writeback_delay))
    return WondeSimulator(state, host=args.host, port=args.port).serve_until_interrupted(
        f"Wonde simulator on {{base_url}}/v1.0 (school {state.config.school_id}, token {state.config.token!r})")

if __name__ == "__main__":
    raise SystemExit(main())
