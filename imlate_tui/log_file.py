"""The log file, opened when the first record comes.

A quick command (`imlate scan`, `roster`, `firelist`) usually logs nothing, and `logging.handlers` with
the socket and pickle modules it loads costs it ~12 ms of start-up (bench/bench_commands.py). So the
rotating file handler is made, and its folder created, only when there is something to write.
"""

from __future__ import annotations

import logging
from pathlib import Path


class LogFile(logging.Handler):
    """Writes through a RotatingFileHandler (5 MB x 5) made at the first record; an unwritable folder
    means the records are dropped (`imlate doctor` reports it), never an error in the command."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self._file: logging.Handler | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self._file is None:
            self._file = _open(self.path)
            self._file.setFormatter(self.formatter)
        self._file.handle(record)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        super().close()


def _open(path: Path) -> logging.Handler:
    import logging.handlers

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return logging.handlers.RotatingFileHandler(path, maxBytes=5_000_000, backupCount=5, encoding="utf-8")
    except OSError:
        return logging.NullHandler()
