"""The HTTP plumbing a simulator needs, on the standard library's threading server.

A simulator supplies one function, ``handle(request) -> Reply | None`` (``None`` drops the connection
with a RST, as a crashed proxy would); this module does sockets, keep-alive, quiet logging and a clean
stop. ``SimServer(handle, name)`` runs it on a background thread::

    with SimServer(handle, "wonde-simulator") as server:
        server.base_url      # "http://127.0.0.1:<port>"
"""

from __future__ import annotations

import logging
import socket
import socketserver
import struct
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger(__name__)

LOOPBACK = {"127.0.0.1", "::1"}


@dataclass
class Reply:
    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    body: bytes
    headers: dict[str, str]
    """Lower-case names."""
    client_host: str
    host: str
    """The ``Host`` header as sent (``127.0.0.1:8080``): simulators build absolute URLs from it."""

    def arg(self, name: str, default: str | None = None) -> str | None:
        return self.query.get(name, [default])[0]


Handle = Callable[[Request], "Reply | None"]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # an idle keep-alive connection must not hold a thread for ever
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this, Nagle + delayed ACK add 40 ms to each.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # stderr belongs to the TUI

    def do_GET(self) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = Request(self.command, split.path, parse_qs(split.query), self.rfile.read(length) if length else b"",
                          headers, self.client_address[0], headers.get("host", ""))
        try:
            reply = self.server.handle(request)
        except Exception:
            log.exception("%s failed on %s %s", self.server.name, self.command, split.path)
            reply = self.server.error_reply
        if reply is None:
            # Linger 0 makes close() send a RST, as a crashed proxy or app-pool recycle would.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        log.debug("%s %s %s -> %d", self.server.name, self.command, split.path, reply.status)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handle: Handle, name: str, error_reply: Reply) -> None:
        self.handle, self.name, self.error_reply = handle, name, error_reply
        self.open_connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # skip HTTPServer's getfqdn(): a DNS lookup
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # socketserver prints tracebacks to stderr (a client hanging up mid-answer, say); stay quiet.
        log.debug("%s connection error from %s", self.name, client_address[0], exc_info=True)

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


class SimServer:
    """A simulator's ``handle`` served on a background thread."""

    def __init__(self, handle: Handle, name: str, host: str = "127.0.0.1", port: int = 0,
                 error_reply: Reply | None = None) -> None:
        self._handle, self.name = handle, name
        self._error_reply = error_reply or Reply(500, b'{"message": "Server Error"}')
        self._address = (host, port)
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> SimServer:
        self._httpd = _Server(self._address, self._handle, self.name, self._error_reply)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=self.name, daemon=True)
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

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def serve_until_interrupted(self, banner: str) -> int:
        """For `python -m …`: start, say where, and serve until Ctrl-C."""
        self.start()
        sys.stdout.write(banner.format(base_url=self.base_url) + "; Ctrl-C stops it\n")
        sys.stdout.flush()
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()
        return 0
