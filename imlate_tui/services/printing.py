"""Sending a PDF to a CUPS printer queue with `lp -d QUEUE FILE`.

One function, `print_pdf(path, printer)`, shared by the fire list and the visitor badges. It waits
for `lp` to hand the job to CUPS (not for the paper) and raises `PrintError` with one line a person
can act on when that fails: no `lp` command, CUPS not running, an unknown queue, an unreadable file.
CUPS's own server choice applies (`CUPS_SERVER`, `~/.cups/client.conf`), so a test or a remote
print server needs no option here.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from imlate_tui.errors import ImlateError

LP_TIMEOUT_SECONDS = 30


class PrintError(ImlateError):
    """The PDF was not handed to the printer queue; the message says why in one line."""


def print_pdf(path: Path | str, printer: str) -> None:
    """Queue `path` on the CUPS queue `printer`. Raises PrintError (one line) when lp fails."""
    path = Path(path)
    if not printer or not printer.strip():
        raise PrintError("no printer queue given (set a CUPS queue name, e.g. firelist.printer)")
    if not path.is_file():
        raise PrintError(f"cannot print {path}: no such file")
    try:
        done = subprocess.run(["lp", "-d", printer.strip(), str(path)], capture_output=True, text=True,
                              timeout=LP_TIMEOUT_SECONDS, check=False)
    except FileNotFoundError:
        raise PrintError("cannot print: the `lp` command is missing (install the cups-client package)") from None
    except subprocess.TimeoutExpired:
        raise PrintError(f"printing to {printer} timed out after {LP_TIMEOUT_SECONDS} s (is CUPS running?)") from None
    if done.returncode != 0:
        said = next((line.strip() for line in (done.stderr or done.stdout).splitlines() if line.strip()),
                    f"lp exited with status {done.returncode}")
        raise PrintError(f"printing to {printer} failed: {said}")
