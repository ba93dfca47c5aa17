"""Sending a PDF to a CUPS queue with `lp -d PRINTER FILE`: the fire list and the visitor badges.

CUPS accepts a job for a queue that is stopped (it holds the job), so `lp` succeeding is not enough to
say "printed": before sending, the queue's state is read with `lpstat -p PRINTER`; no queue name, a
missing file, a missing queue, a disabled one, or `lp` refusing the job is a `PrintError` with one
sentence for the screen. Nothing here waits longer than `timeout` seconds: a printer never holds up a
sign-in. CUPS's own server choice applies (`CUPS_SERVER`, `~/.cups/client.conf`).
"""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

from imlate_tui.errors import ImlateError

log = logging.getLogger(__name__)


class PrintError(ImlateError):
    """The job did not reach a working queue; the message says what to check."""


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    except FileNotFoundError:
        raise PrintError(f"{args[0]} is not installed (install the CUPS client: apt-get install cups-client)") from None
    except subprocess.TimeoutExpired:
        raise PrintError(f"the print system did not answer within {timeout:g} s") from None


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "no reason given")


def queue_problem(printer: str, timeout: float = 5.0) -> str | None:
    """None when `printer` exists and accepts and prints jobs; otherwise why not, in one sentence."""
    state = _run(["lpstat", "-p", printer], timeout)
    said = _first_line(state.stderr or state.stdout)
    if state.returncode != 0:
        if "not running" in said or "connect" in said.lower():
            return "the print service (CUPS) is not running"
        return f"printer {printer!r} is not set up in CUPS"
    if "disabled" in state.stdout:
        return f"printer {printer!r} is stopped (switched off, jammed or paused in CUPS)"
    return None


def print_pdf(path: Path | str, printer: str, *, timeout: float = 10.0) -> str:
    """Send `path` to the CUPS queue `printer`; returns the job id line `lp` printed. Raises PrintError."""
    path = Path(path)
    if not printer or not printer.strip():
        raise PrintError("no printer queue given (set a CUPS queue name, e.g. firelist.printer)")
    if not path.is_file():
        raise PrintError(f"cannot print {path}: no such file")
    printer = printer.strip()
    problem = queue_problem(printer, timeout=timeout)
    if problem is not None:
        raise PrintError(problem)
    done = _run(["lp", "-d", printer, str(path)], timeout)
    if done.returncode != 0:
        raise PrintError(f"printer {printer!r} refused the job: {_first_line(done.stderr or done.stdout)}")
    job = _first_line(done.stdout)
    log.info("sent %s to printer %s: %s", Path(path).name, printer, job)
    return job
