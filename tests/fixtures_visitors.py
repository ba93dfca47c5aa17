"""Fixtures of the visitor tests: a real CUPS server with a PDF-writing queue, a real SMTP server.

CUPS: `scripts/cups-test-server.sh` starts a private cupsd (own config, spool and port on 127.0.0.1) once
per test session; its one raw queue, `badges`, writes each job file into a folder, so a test can read
what was printed. `lp`/`lpstat` find it through CUPS_SERVER, set per test.

SMTP: an aiosmtpd server on 127.0.0.1 with an OS-chosen port, in its own event-loop thread; it can be
stopped and started again on the same port to play "the mail server was down".
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CUPS_SCRIPT = REPO / "scripts" / "cups-test-server.sh"


@dataclass
class CupsServer:
    address: str
    queue: str
    out: Path

    def lp_env(self) -> dict[str, str]:
        return {**os.environ, "CUPS_SERVER": self.address}

    def admin(self, *args: str) -> None:
        subprocess.run(list(args), env=self.lp_env(), check=True, capture_output=True, timeout=30)

    def printed(self) -> list[Path]:
        return sorted(p for p in self.out.iterdir() if not p.name.endswith(".part"))


@pytest.fixture(scope="session")
def cups_server(tmp_path_factory) -> CupsServer:
    if shutil.which("cupsd") is None and not Path("/usr/sbin/cupsd").exists():
        pytest.fail("CUPS is not installed: `make test` installs it (apt-get install cups cups-client)")
    folder = tmp_path_factory.mktemp("cups")
    env = {**os.environ, "CUPSTEST_DIR": str(folder), "CUPSTEST_QUEUE": "badges"}
    done = subprocess.run([str(CUPS_SCRIPT), "start"], env=env, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        pytest.fail(f"the test CUPS server did not start: {done.stderr.strip()}")
    yield CupsServer(done.stdout.strip(), "badges", folder / "out")
    subprocess.run([str(CUPS_SCRIPT), "stop"], env=env, capture_output=True, timeout=60)


@pytest.fixture
def badge_printer(cups_server: CupsServer, monkeypatch) -> CupsServer:
    """The `badges` queue, enabled and with an empty out folder; lp/lpstat pointed at the test server."""
    monkeypatch.setenv("CUPS_SERVER", cups_server.address)
    cups_server.admin("cupsenable", cups_server.queue)
    cups_server.admin("cupsaccept", cups_server.queue)
    for old in cups_server.out.iterdir():
        old.unlink()
    return cups_server


class _Collect:
    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        with self.arrived:
            self.messages.append(envelope.content)
            self.arrived.notify_all()
        return "250 OK"


@dataclass
class SmtpServer:
    host: str = "127.0.0.1"
    port: int = 0
    handler: _Collect = field(default_factory=_Collect)
    password: str | None = None
    """When set, the server asks for AUTH LOGIN/PLAIN and accepts only this password."""
    _loop: asyncio.AbstractEventLoop | None = None
    _server: asyncio.base_events.Server | None = None

    def start(self) -> None:
        from aiosmtpd.smtp import SMTP

        from aiosmtpd.smtp import AuthResult

        def check(server, session, envelope, mechanism, auth_data):
            # handled=False: aiosmtpd itself answers 235 or 535 to the client.
            return AuthResult(success=auth_data.password.decode() == self.password, handled=False)

        def protocol():
            if self.password is None:
                return SMTP(self.handler, hostname="test.invalid")
            with warnings.catch_warnings():   # "AUTH without TLS": on loopback, for a test, on purpose
                warnings.simplefilter("ignore", UserWarning)
                return SMTP(self.handler, hostname="test.invalid", authenticator=check, auth_required=True,
                            auth_require_tls=False)

        async def serve():
            return await self._loop.create_server(protocol, self.host, self.port)

        self._server = asyncio.run_coroutine_threadsafe(serve(), self._loop).result(10)
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        if self._server is not None:
            server, self._server = self._server, None

            async def close():
                server.close()
                await server.wait_closed()

            asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)

    @property
    def messages(self) -> list[bytes]:
        return list(self.handler.messages)


@pytest.fixture
def smtp_server():
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="smtp-test-server", daemon=True)
    thread.start()
    server = SmtpServer(_loop=loop)
    server.start()
    yield server
    server.stop()
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()
