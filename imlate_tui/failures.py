"""The command line's last resort: any error nobody planned for is one line on stderr, the traceback
goes to the log file, and the exit status is 1. A closed output pipe (`imlate jobs history | head -1`)
ends the command quietly."""

from __future__ import annotations

import logging
import os
import sys

log = logging.getLogger("imlate_tui")


def log_file_of(settings) -> str | None:
    try:
        return str(settings.path(settings.logging.file)) if settings is not None else None
    except Exception:
        return None


def unexpected(exc: BaseException, command: str, settings=None) -> int:
    """Say what happened in one line (a known database failure in its own words); log the traceback."""
    from imlate_tui.db.trouble import describe

    log.error("%s failed", command, exc_info=exc)
    line = describe(exc)
    if line is None:
        where = log_file_of(settings)
        first = (str(exc).strip().splitlines() or [""])[0]
        line = (f"unexpected error in `{command}`: {type(exc).__name__}: {first}"
                + (f" (the details are in {where})" if where else ""))
    print(f"imlate: {line}", file=sys.stderr)
    return 1


def output_closed() -> int:
    """The reader of our output went away (`| head`): stop quietly. Point stdout at /dev/null so the
    interpreter's last flush at exit does not complain a second time."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
    return 0
