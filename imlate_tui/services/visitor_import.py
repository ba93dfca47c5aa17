"""`imlate visitors import FILE.csv`: expected visitors from a spreadsheet (a week's contractors, say).

Columns `name,organisation,host,date[,type]` (date as YYYY-MM-DD; host a staff name or email). All or
nothing, as the other imports: every row is checked first (name, date, host found exactly once, type
known), every bad row is reported with its line number, and nothing is written unless all are good.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from imlate_tui.errors import InvalidInput
from imlate_tui.services.imports import _Problems, _read_rows
from imlate_tui.services.visitors import Visitors

if TYPE_CHECKING:
    from imlate_tui.config import Settings

COLUMNS = ("name", "organisation", "host", "date")


def import_expected(settings: Settings, path: Path, *, actor: str, visitors: Visitors | None = None) -> int:
    """Pre-register every row of `path`; returns how many visitors are now expected."""
    visitors = visitors or Visitors(settings)
    problems = _Problems(path)
    planned = []
    for line, row in _read_rows(path, COLUMNS):
        try:
            if not row["name"]:
                raise InvalidInput("the visitor's name is empty")
            try:
                day = date.fromisoformat(row["date"])
            except ValueError:
                raise InvalidInput(f"date {row['date']!r} is not YYYY-MM-DD") from None
            visitors.host(row["host"]) if row["host"] else None
            visitors.check_type(row.get("type"))
        except InvalidInput as exc:
            problems.add(line, str(exc))
            continue
        planned.append((row, day))
    problems.raise_if_any()
    for row, day in planned:
        visitors.expect(row["name"], row["organisation"], row["host"] or None, day, actor=actor,
                        visit_type=row.get("type") or None)
    return len(planned)
