"""When its terminal goes away (the SSH connection drops, the tmux server is killed) a TUI leaves.

Left alone, a kiosk or admin app could outlive its terminal at 100% CPU: Textual's input thread takes
end-of-input for a pipe and selects again, and a hung-up terminal is always readable. Either sign that
the terminal went ends the app through its normal exit (`App.exit`: the scanner, the writer and the
scheduler stopped, then the database closed), with exit status 129 and one line in the log:
- SIGHUP, sent to the terminal's session leader. Python's default dies on the spot (nothing stopped),
  and under a parent that ignored it (`nohup`) nothing ended the process at all. Ours replaces both;
- the terminal reporting a hang-up (POLLHUP) to a thread that waits for it, for when no signal comes
  (the app is not the session leader, or the terminal is not its controlling terminal).
The hang-up also sends SIGCONT, which Textual takes for "resumed after ctrl+z": it starts a second input
thread on the dead terminal, and its exit stops only the newest one. And the first write to a dead
terminal (EIO) kills Textual's writer thread, after which its queue fills and a write waits forever:
so the descriptors that were the terminal are pointed at /dev/null as soon as the hang-up is seen.
"""

from __future__ import annotations

import asyncio
import logging
import os
import select
import signal
import sys
import threading

from textual.app import App

log = logging.getLogger(__name__)

HANGUP_EXIT = 128 + signal.SIGHUP   # the status a shell reports for a process a hang-up ended
STOP_CHECK_SECONDS = 1.0   # how often the watching thread looks whether the app has stopped
# A normal exit takes about a second. Should one ever hang after a hang-up (nobody is left to see it or
# press a key), the process ends itself this long after: every scan is already on disk, and an iSAMS
# mark cut off while being sent is checked against the register at the next attempt (its `sending`
# record was committed first).
EXIT_GRACE_SECONDS = 60.0


def hung_up(fd: int, wait: float = 0.0) -> bool:
    """The terminal on `fd` is gone (hung up, or the other side of its pseudo-terminal closed); waits
    up to `wait` seconds for that, woken at once when it happens."""
    poller = select.poll()
    poller.register(fd, 0)   # no events asked for: POLLHUP, POLLERR and POLLNVAL are reported anyway
    return bool(poller.poll(wait * 1000))


class TerminalWatch:
    """Started on mount by the kiosk and the admin app; does nothing without a real terminal (tests)."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.fd = sys.__stdin__.fileno() if sys.__stdin__ is not None else -1
        self.gone = False
        self._previous: object = None   # the SIGHUP handler before ours
        self._stopped = threading.Event()

    def start(self) -> None:
        if self.app.is_headless or self.fd < 0 or not os.isatty(self.fd):
            return
        loop = asyncio.get_running_loop()
        if threading.current_thread() is threading.main_thread():   # where Python allows signal handlers
            self._previous = signal.signal(signal.SIGHUP, lambda *_: self._on_sighup(loop))
        threading.Thread(target=self._watch, args=(loop,), name="terminal-watch", daemon=True).start()

    def stop(self) -> None:
        """On unmount. After a hang-up the handler stays: a second SIGHUP must not kill the exit."""
        self._stopped.set()
        if self._previous is not None and not self.gone:
            signal.signal(signal.SIGHUP, self._previous)   # type: ignore[arg-type]
            self._previous = None

    def _on_sighup(self, loop: asyncio.AbstractEventLoop) -> None:
        # Runs between two bytecodes of the main thread, just before Textual's SIGCONT handler
        # (Python runs them in signal number order).
        signal.signal(signal.SIGCONT, lambda *_: None)   # nothing to resume once hung up
        self._went(loop, "hang-up signal")

    def _watch(self, loop: asyncio.AbstractEventLoop) -> None:
        while not self._stopped.is_set():
            if hung_up(self.fd, wait=STOP_CHECK_SECONDS):
                self._went(loop, "the terminal hung up")
                return

    def _went(self, loop: asyncio.AbstractEventLoop, why: str) -> None:
        """From the signal handler or the watching thread: no output to the dead terminal from now on
        (Textual's writer thread would die of the first write), and the app asked to exit."""
        if hung_up(self.fd):
            self._silence()
        try:
            loop.call_soon_threadsafe(self.leave, why)
        except RuntimeError:   # the app's loop has ended: it is on its way out already
            pass

    def leave(self, why: str) -> None:
        if self.gone:
            return
        self.gone = True
        log.warning("the terminal went away (%s): %s closes as on a normal quit", why, self.app.title)
        last_resort = threading.Timer(EXIT_GRACE_SECONDS, self._end_now)
        last_resort.daemon = True   # gone with the process on a normal exit
        last_resort.start()
        self.app.exit(return_code=HANGUP_EXIT)

    def _end_now(self) -> None:
        log.error("%s did not close within %.0f s of its terminal going away: ending it now",
                  self.app.title, EXIT_GRACE_SECONDS)
        logging.shutdown()
        os._exit(HANGUP_EXIT)

    def _silence(self) -> None:
        """Point stdout and stderr at /dev/null where they were the dead terminal."""
        try:
            dead = os.fstat(self.fd)
        except OSError:   # stdin closed: nothing to compare with
            return
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            for fd in (1, 2):
                try:
                    if os.path.samestat(os.fstat(fd), dead):
                        os.dup2(null, fd)
                except OSError:   # not open: nothing to point elsewhere
                    pass
        finally:
            os.close(null)
