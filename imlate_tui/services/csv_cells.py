"""CSV files a spreadsheet opens safely: no text cell may start a formula.

Names, reasons and iSAMS messages come from people and other systems; a cell such as
`=HYPERLINK("http://…")` or `+cmd|' /C calc'!A0` is run by Excel or LibreOffice when the office opens
the export. Every text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
leading single quote, which spreadsheets show as text (the OWASP advice for CSV injection). Numbers
written as numbers (minutes late, counts) are left as they are: `-5` from an int is data, not a
formula. Every CSV export goes through `writer()`.
"""

from __future__ import annotations

import csv
from typing import Any, Iterable, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """`csv.writer` whose every row goes through `safe_cell`."""

    def __init__(self, out: TextIO) -> None:
        self._writer = csv.writer(out, lineterminator="\n")

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(v) for v in row])


def writer(out: TextIO) -> SafeWriter:
    return SafeWriter(out)
