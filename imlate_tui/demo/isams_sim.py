"""A faithful iSAMS REST simulator on the standard library's HTTP server.

Run it alone (simulator-only demo credentials: client id ``imlate-demo``, secret ``demo-secret``)::

    python -m imlate_tui.demo.isams_sim --port 8080 [--students 2000] [--seed 7] [--token-ttl 3600]

Use it from Python (tests, ``imlate demo``, benchmarks)::

    from imlate_tui.demo.isams_sim import SimConfig, SimState, SimulatorServer
    state = SimState(SimConfig(student_count=300, now=datetime(2025, 9, 8, 7, 0, tzinfo=UTC)))
    with SimulatorServer(state, host="127.0.0.1", port=0) as server:
        server.base_url                      # "http://127.0.0.1:<port>"
        ...                                  # point an IsamsClient at it

``SimState`` — the whole world; every method is thread-safe:

- Config (``SimConfig``): ``seed``, ``student_count`` (300), ``staff_count`` (40), ``client_id``/``client_secret``,
  ``allowed_scopes`` ({"restapi"}), ``permissions``
  ({"students","photos","school","registration","humanresources"}; a missing module answers 403),
  ``token_ttl`` (3600 s), ``invalid_client_status`` (400), ``default_page_size`` (100),
  ``max_page_size`` (1000), ``timezone`` ("Europe/London"), ``put_echo``, ``validation``
  (``{"shape","codes","flags","minutes"}`` → bool), ``register_closed_after_minutes``, ``office_lock``, ``now``.
- Clock: ``now()``, ``today()`` (school zone), ``set_now(dt | None)`` (None = real time), ``advance(seconds)``.
- Auth: ``token_requests`` (count), ``expire_tokens()``, ``rotate_secret(new)``, ``set_permissions({...})``.
- Students (camelCase dicts, in roll order): ``students``, ``student(school_id)``,
  ``add_student(at_front=False, **fields)``, ``update_student(school_id, **fields)``,
  ``remove_student(school_id)``, ``set_leaving_date(school_id, date | datetime | None)``,
  ``set_latest_photo(school_id, photo_id | None)``.
- Staff (camelCase dicts, in HR order; ``GET /api/humanresources/employees`` paged like students,
  items under ``employees``; ``GET /api/humanresources/employees/{id}``): ``employees``,
  ``employee(id)``, ``add_employee(at_front=False, **fields)``, ``update_employee(id, **fields)``,
  ``remove_employee(id)``. Seeded ids run from 5001 (the year groups' ``tutorId`` are among them);
  the 4th has left (``leavingDate`` 2025-07-18) and the 18th leaves on 2025-12-19. Fields beyond
  ``id``/``forename``/``surname`` are UNVERIFIED guesses (docs/isams.md, "Staff").
  The paging faults work here too with ``route="/api/humanresources/employees"``.
- School: ``year_groups``, ``absence_codes``, ``present_codes`` (ids from 101/201, not display order);
  divisions are fixed: Lower School (id 3, years 7–9), Upper School (4, years 10–11), Sixth Form (6, 12–13).
- Registration: ``periods_for(day, division_id)``, ``today_periods(division_id)`` (AM 08:25/08:30/09:00,
  P1–P4, PM 13:25/13:30/14:00, P5; none at weekends; fresh ids per day), ``roll_period_ids(day=None)``,
  ``register_row(period_id, school_id)``, ``set_register_row(period_id, school_id, **fields)``,
  ``writes`` (list of ``WriteRecord(at, period_id, school_id, body, before, after)``).
- Faults: ``state.faults.add(mode, route=None, method="*", count=None, probability=None,
  retry_after=None)``, ``state.faults.clear()``; modes are listed in ``sim_faults``.
- ``reset()``: back to the seeded school (faults cleared).

Over HTTP the same controls live under ``/__fake/`` (see ``sim_control``). The server is quiet: it
never writes to stderr and logs only method, path and status at DEBUG, never bodies or tokens.
"""

from __future__ import annotations

import argparse
import logging
import time

from .sim_control import control
from .sim_routes import Options, api, check_auth, message, revoke, token
from .sim_server import LOOPBACK, Reply, Request, SimServer
from .sim_state import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, SimConfig, SimState

__all__ = ["DEMO_CLIENT_ID", "DEMO_CLIENT_SECRET", "SimConfig", "SimState", "SimulatorServer", "main"]

log = logging.getLogger(__name__)

DEADLOCK = ("Transaction (Process ID 74) was deadlocked on lock resources with another process and has "
            "been chosen as the deadlock victim. Rerun the transaction.")
IIS_500 = (b"<!DOCTYPE html><html><head><title>500 - Internal server error.</title></head><body>"
           b"<h2>500 - Internal server error.</h2><h3>There is a problem with the resource you are looking "
           b"for, and it cannot be displayed.</h3></body></html>")
PAGED_PATHS = {"/api/students", "/api/humanresources/employees"}  # where the paging faults apply (page ≥ 2)


def handle(state: SimState, request: Request) -> Reply | None:
    """One request to the iSAMS simulator: faults first, then the route (None drops the connection)."""
    method, path, query, body = request.method, request.path, request.query, request.body
    if path.startswith("/__fake/"):
        if request.client_host not in LOOPBACK:
            return message(403, "Simulator controls are for loopback callers only.")
        return control(state, method, path, body)
    if path.startswith("/api/"):
        with state.lock:
            state.api_requests += 1  # every API request received, faulted or not
    page = None
    if path in PAGED_PATHS:
        raw = query.get("page", ["1"])[0]
        page = int(raw) if raw.isdigit() else None
    fired = state.faults.take(method, path, page)
    modes = {f.mode for f in fired}
    if "expire-token-now" in modes:
        state.expire_tokens()  # before any other fault answers, so the token is gone either way
    delay_ms = sum(int(f.mode[6:]) for f in fired if f.mode.startswith("delay:"))
    if delay_ms:
        time.sleep(delay_ms / 1000)
    if "hold" in modes:
        with state.lock:
            state.faults.holding += 1
        try:
            state.faults.released.wait(timeout=30)
            return _answer(state, request, modes)
        finally:
            with state.lock:
                state.faults.holding -= 1
    for fault in fired:
        if fault.mode == "reset":
            return None
        if fault.mode in ("lock-timeout", "deadlock"):
            return message(500, DEADLOCK)
        if fault.mode == "status:500-html":
            return Reply(500, IIS_500, content_type="text/html")
        if fault.mode.startswith("status:"):
            status = int(fault.mode[7:])
            headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
            return message(status, f"Simulated failure (HTTP {status}).", headers)
    return _answer(state, request, modes)


def _answer(state: SimState, request: Request, modes: set[str]) -> Reply:
    options = Options(no_offset="timestamps:no-offset" in modes, effects=modes,
                      photo_type=next((m.split(":", 1)[1] for m in modes
                                       if m.startswith("photo-content-type:")), None))
    reply = _route(state, request, options)
    if "truncated-json" in modes and reply.status == 200 and reply.body:
        reply.body = reply.body[: len(reply.body) // 2]
    after_ms = sum(int(m[12:]) for m in modes if m.startswith("delay-after:"))
    if after_ms:
        time.sleep(after_ms / 1000)   # the work is done (a PUT applied); the answer comes late
    return reply


def _route(state: SimState, request: Request, options: Options) -> Reply:
    method, path, headers, body = request.method, request.path, request.headers, request.body
    if path == "/auth/connect/token" and method == "POST":
        return token(state, headers, body, rotated="rotate-secret" in options.effects)
    if path == "/auth/connect/revocation" and method == "POST":
        return revoke(state, body)
    if path.startswith("/api/"):
        return check_auth(state, path, headers) or api(state, method, path, request.query, body, options)
    return message(404, "Not found.")


class SimulatorServer(SimServer):
    """The iSAMS simulator on a background thread: ``with SimulatorServer(state) as server: server.base_url``."""

    def __init__(self, state: SimState | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = state or SimState()
        super().__init__(lambda request: handle(self.state, request), "isams-simulator", host, port,
                         error_reply=message(500, "An error has occurred."))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m imlate_tui.demo.isams_sim",
                                     description="Run the iSAMS simulator (demo credentials only).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--token-ttl", type=int, default=3600)
    parser.add_argument("--client-id", default=DEMO_CLIENT_ID)
    parser.add_argument("--client-secret", default=DEMO_CLIENT_SECRET)
    args = parser.parse_args(argv)
    state = SimState(SimConfig(seed=args.seed, student_count=args.students, token_ttl=args.token_ttl,
                               client_id=args.client_id, client_secret=args.client_secret))
    return SimulatorServer(state, host=args.host, port=args.port).serve_until_interrupted(
        f"iSAMS simulator on {{base_url}} (client id {args.client_id!r})")

if __name__ == "__main__":
    raise SystemExit(main())
