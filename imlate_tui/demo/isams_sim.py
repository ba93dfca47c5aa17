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
import socket
import socketserver
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .sim_control import control
from .sim_routes import Options, Reply, api, check_auth, message, revoke, token
from .sim_state import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, SimConfig, SimState

__all__ = ["DEMO_CLIENT_ID", "DEMO_CLIENT_SECRET", "SimConfig", "SimState", "SimulatorServer", "main"]

log = logging.getLogger(__name__)

DEADLOCK = ("Transaction (Process ID 74) was deadlocked on lock resources with another process and has "
            "been chosen as the deadlock victim. Rerun the transaction.")
IIS_500 = (b"<!DOCTYPE html><html><head><title>500 - Internal server error.</title></head><body>"
           b"<h2>500 - Internal server error.</h2><h3>There is a problem with the resource you are looking "
           b"for, and it cannot be displayed.</h3></body></html>")
LOOPBACK = {"127.0.0.1", "::1"}
PAGED_PATHS = {"/api/students", "/api/humanresources/employees"}  # where the paging faults apply (page ≥ 2)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "isams-sim"
    timeout = 30  # an idle keep-alive connection must not hold a thread for ever
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this, Nagle + delayed ACK add 40 ms to each.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # stderr belongs to the TUI

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _handle(self) -> None:
        state = self.server.state
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            reply = self._reply(state, self.command, split.path, parse_qs(split.query), body)
        except Exception:
            log.exception("iSAMS simulator failed on %s %s", self.command, split.path)
            reply = message(500, "An error has occurred.")
        if reply is None:
            return  # connection dropped on purpose
        log.debug("iSAMS simulator %s %s -> %d", self.command, split.path, reply.status)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def _reply(self, state: SimState, method: str, path: str, query: dict[str, list[str]],
               body: bytes) -> Reply | None:
        if path.startswith("/__fake/"):
            if self.client_address[0] not in LOOPBACK:
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
                return self._answer(state, method, path, query, body, modes)
            finally:
                with state.lock:
                    state.faults.holding -= 1
        for fault in fired:
            if fault.mode == "reset":
                self._drop_connection()
                return None
            if fault.mode in ("lock-timeout", "deadlock"):
                return message(500, DEADLOCK)
            if fault.mode == "status:500-html":
                return Reply(500, IIS_500, content_type="text/html")
            if fault.mode.startswith("status:"):
                status = int(fault.mode[7:])
                headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
                return message(status, f"Simulated failure (HTTP {status}).", headers)
        return self._answer(state, method, path, query, body, modes)

    def _answer(self, state: SimState, method: str, path: str, query: dict[str, list[str]], body: bytes,
                modes: set[str]) -> Reply:
        options = Options(no_offset="timestamps:no-offset" in modes, effects=modes,
                          photo_type=next((m.split(":", 1)[1] for m in modes
                                           if m.startswith("photo-content-type:")), None))
        reply = self._route(state, method, path, query, body, options)
        if "truncated-json" in modes and reply.status == 200 and reply.body:
            reply.body = reply.body[: len(reply.body) // 2]
        after_ms = sum(int(m[12:]) for m in modes if m.startswith("delay-after:"))
        if after_ms:
            time.sleep(after_ms / 1000)   # the work is done (a PUT applied); the answer comes late
        return reply

    def _route(self, state: SimState, method: str, path: str, query: dict[str, list[str]], body: bytes,
               options: Options) -> Reply:
        headers = {k.lower(): v for k, v in self.headers.items()}
        if path == "/auth/connect/token" and method == "POST":
            return token(state, headers, body, rotated="rotate-secret" in options.effects)
        if path == "/auth/connect/revocation" and method == "POST":
            return revoke(state, body)
        if path.startswith("/api/"):
            return check_auth(state, path, headers) or api(state, method, path, query, body, options)
        return message(404, "Not found.")

    def _drop_connection(self) -> None:
        # Linger 0 makes close() send a RST, as a crashed proxy or IIS app-pool recycle would.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], state: SimState) -> None:
        self.state = state
        self.open_connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # skip HTTPServer's getfqdn(): a DNS lookup
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # socketserver prints tracebacks to stderr (a client hanging up mid-answer, say); stay quiet.
        log.debug("iSAMS simulator connection error from %s", client_address[0], exc_info=True)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self.open_connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self.open_connections.discard(request)
        super().shutdown_request(request)

    def drop_open_connections(self) -> None:
        with self._connections_lock:
            connections = list(self.open_connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class SimulatorServer:
    """The simulator on a background thread: ``with SimulatorServer(state) as server: server.base_url``."""

    def __init__(self, state: SimState | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = state or SimState()
        self._address = (host, port)
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> SimulatorServer:
        self._httpd = _Server(self._address, self.state)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="isams-simulator", daemon=True)
        self._thread.start()
        return self

    @property
    def port(self) -> int:
        assert self._httpd is not None, "start() the simulator first"
        return self._httpd.server_port

    @property
    def base_url(self) -> str:
        return f"http://{self._address[0]}:{self.port}"

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.drop_open_connections()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2)
        self._httpd = None

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


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
    server = SimulatorServer(state, host=args.host, port=args.port).start()
    sys.stdout.write(f"iSAMS simulator on {server.base_url} (client id {args.client_id!r}); Ctrl-C stops it\n")
    sys.stdout.flush()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
