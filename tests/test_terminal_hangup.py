"""A kiosk or admin app whose terminal goes away leaves through its normal exit (ui/hangup.py).

Each test starts the real `imlate kiosk` (or `imlate admin`) on a pseudo-terminal, waits for its first
screen (the kiosk also records a scan typed on it), then takes the terminal away the ways it goes in
the field, and waits for the process to end: with exit status 129 (the app's own exit, not death by
signal), the log line that says why, and the scan still in the database. Before the fix the process
died by SIGHUP without stopping anything, or, when no SIGHUP reached it, spun on the dead terminal
at 100% CPU for ever.
"""

from __future__ import annotations

import fcntl
import os
import select
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import threading
import time
from contextlib import closing
from pathlib import Path
from types import SimpleNamespace

import pytest

from imlate_tui.ui import hangup

pytestmark = pytest.mark.slow

PATIENCE = 60.0   # seconds for a start, a screen or a scan on a slow shared machine
EXIT_PATIENCE = 30.0
HANGUP_EXIT = 129
CARD = "ADA1"

# Run in the child, then replaced by `imlate`: its stdin is the pty's terminal side and it leads a new
# session (start_new_session). "ctty": the pty becomes its controlling terminal, so a hang-up sends it
# SIGHUP and SIGCONT, as under tmux or sshd. "nohup": SIGHUP ignored, as a parent running `nohup` left it.
LAUNCH = """\
import fcntl, os, signal, sys, termios
if "ctty" in sys.argv[1].split():
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
if "nohup" in sys.argv[1].split():
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
os.execv(sys.executable, [sys.executable, "-m", "imlate_tui", *sys.argv[2:]])
"""


def _imlate(folder: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "imlate_tui", "--config", "config.yaml", *args], cwd=folder,
                   env=_env(folder), check=True, capture_output=True, timeout=PATIENCE)


def _env(folder: Path) -> dict[str, str]:
    return {**os.environ, "TERM": "xterm-256color", "XDG_CACHE_HOME": str(folder / "cache")}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A kiosk folder: its config, and a database with Ada Lovelace (staff) and her card."""
    (tmp_path / "config.yaml").write_text(
        "database: {url: 'sqlite:///kiosk.db'}\nlogging: {file: kiosk.log}\nphotos_dir: photos\n"
        "schedule: {mode: 'off'}\nscanner: {source: keyboard}\n"
        "kiosk: {school_name: Hillside School, photo_mode: initials}\n"   # no terminal query before the start
        "attendance: {reasons: {prompt_on_late: false, prompt_on_leaving: false}}\n")
    (tmp_path / "people.csv").write_text(f"name,kind,card\nAda Lovelace,staff,{CARD}\n")
    _imlate(tmp_path, "db", "init")
    _imlate(tmp_path, "people", "import", "people.csv")
    return tmp_path


class Terminal:
    """`imlate COMMAND` on a pseudo-terminal; the test holds the terminal's other side (the master)."""

    def __init__(self, folder: Path, command: str, launch: str) -> None:
        self.master, child_side = os.openpty()
        fcntl.ioctl(child_side, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", LAUNCH, launch, "--config", "config.yaml", command], cwd=folder,
                env=_env(folder), stdin=child_side, stdout=child_side, stderr=child_side,
                start_new_session=True)
        finally:
            os.close(child_side)
        self.output = b""

    def read(self) -> None:
        """Take what the app wrote in the next moment (unread, its output would fill the pty and block it)."""
        if self.master >= 0 and select.select([self.master], [], [], 0.2)[0]:
            try:
                self.output += os.read(self.master, 65536)
            except OSError:   # EIO: the app has closed its side
                pass

    def wait_for(self, what: str, done) -> None:
        deadline = time.monotonic() + PATIENCE
        while not done():
            assert self.process.poll() is None, f"imlate ended ({self.process.returncode}) before {what}"
            if time.monotonic() > deadline:
                pytest.fail(f"{what}: not within {PATIENCE:.0f} s; output so far: {self.output[-2000:]!r}")
            self.read()

    def shows(self, text: str) -> bool:
        return text.encode() in self.output

    def hang_up(self) -> None:
        """Close the terminal, as the tmux server or sshd does when it goes."""
        os.close(self.master)
        self.master = -1

    def exit_status(self) -> int:
        """Wait for the process to end (reading on while the terminal is there); fail if it does not."""
        deadline = time.monotonic() + EXIT_PATIENCE
        while self.process.poll() is None:
            if time.monotonic() > deadline:
                pytest.fail(f"imlate still running {EXIT_PATIENCE:.0f} s after its terminal went away")
            self.read()
            if self.master < 0:
                time.sleep(0.1)
        return self.process.returncode

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=EXIT_PATIENCE)
        if self.master >= 0:
            os.close(self.master)


def _tracks(folder: Path) -> int:
    with closing(sqlite3.connect(f"file:{folder / 'kiosk.db'}?mode=ro", uri=True)) as db:
        return db.execute("SELECT COUNT(*) FROM track").fetchone()[0]


def _started(folder: Path, command: str, launch: str) -> Terminal:
    """The app on its terminal, its first screen drawn, and a scan of Ada's card recorded (by the kiosk
    itself, or by `imlate scan` for the admin app, which shows it)."""
    if command != "kiosk":
        _imlate(folder, "scan", CARD)
    terminal = Terminal(folder, command, launch)
    try:
        if command == "kiosk":
            terminal.wait_for("the kiosk's first screen", lambda: terminal.shows("Scan your card"))
            os.write(terminal.master, f"{CARD}\r".encode())   # typed as a scanner types: a burst and Enter
            terminal.wait_for("the scan recorded", lambda: _tracks(folder) == 1)
        else:
            terminal.wait_for("the admin app's first screen", lambda: terminal.shows("Today"))
    except BaseException:
        terminal.close()
        raise
    return terminal


def _left_as_on_a_normal_quit(folder: Path, status: int) -> None:
    log = (folder / "kiosk.log").read_text()
    assert status == HANGUP_EXIT, f"exit status {status}; log:\n{log[-3000:]}"
    assert "the terminal went away" in log
    assert _tracks(folder) == 1   # the scan recorded before the terminal went is still there


@pytest.mark.parametrize("command, launch", [
    ("kiosk", "ctty"),        # the tmux server killed, SSH dropped: SIGHUP and SIGCONT, then a dead terminal
    ("kiosk", "ctty nohup"),  # the same, with SIGHUP ignored: no signal ends it
    ("kiosk", "no-ctty"),     # not its controlling terminal: no signal at all, only the dead terminal
    ("admin", "ctty"),
])
def test_an_app_whose_terminal_goes_away_leaves_through_its_normal_exit(folder, command, launch):
    terminal = _started(folder, command, launch)
    try:
        terminal.hang_up()
        status = terminal.exit_status()
    finally:
        terminal.close()
    _left_as_on_a_normal_quit(folder, status)


def test_a_kiosk_sent_sighup_with_its_terminal_still_there_leaves_it_as_it_found_it(folder):
    """`kill -HUP`: the same normal exit, and the terminal is given back (the alternate screen left)."""
    terminal = _started(folder, "kiosk", "ctty")
    try:
        before = len(terminal.output)
        terminal.process.send_signal(signal.SIGHUP)
        status = terminal.exit_status()
        terminal.read()
    finally:
        terminal.close()
    _left_as_on_a_normal_quit(folder, status)
    assert b"\x1b[?1049l" in terminal.output[before:]


def test_an_exit_that_hangs_after_the_terminal_went_is_ended_anyway(monkeypatch):
    """Nobody is left to press a key: if the normal exit ever hung, the process would stay for ever.
    `TerminalWatch.leave` starts a last-resort timer that ends the process with the same status."""
    ended = threading.Event()
    status: list[int] = []
    monkeypatch.setattr(hangup, "EXIT_GRACE_SECONDS", 0.01)
    monkeypatch.setattr(hangup.os, "_exit", lambda code: (status.append(code), ended.set()))
    monkeypatch.setattr(hangup.logging, "shutdown", lambda: None)   # pytest's own log capture stays open
    stuck = SimpleNamespace(title="ImLate kiosk", exit=lambda return_code: None)   # asked, never leaves
    hangup.TerminalWatch(stuck).leave("the terminal hung up")
    assert ended.wait(PATIENCE)
    assert status == [HANGUP_EXIT]
