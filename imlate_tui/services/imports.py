"""CSV imports of cards and local people (staff, visitors).

All or nothing: every row is checked first; if any row is bad, nothing is imported and every bad row
is reported with its line number, so the file can be fixed and the import run again. A re-run of a
good file changes nothing (cards already held by the same person are counted as unchanged).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

from imlate_tui.db import audit, people
from imlate_tui.db.connection import write_transaction
from imlate_tui.db.models import Person
from imlate_tui.domain.scanning import normalise_code
from imlate_tui.errors import InvalidInput

LOCAL_KINDS = ("staff", "visitor")
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


@dataclass
class ImportReport:
    added: int = 0
    unchanged: int = 0
    people_created: int = 0

    def summary(self) -> str:
        created = f", {self.people_created} people created" if self.people_created else ""
        return f"{self.added} cards added, {self.unchanged} unchanged{created}"


def _read_rows(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not UTF-8 text; save it as CSV UTF-8") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in required if c not in header]
    if missing:
        raise InvalidInput(f"{path}: missing column {', '.join(missing)} "
                           f"(expected {', '.join(required)}; found {', '.join(header) or 'nothing'})")
    reader.fieldnames = header
    rows = []
    for row in reader:
        values = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if any(values.values()):
            rows.append((reader.line_num, values))
    return rows


class _Problems:
    def __init__(self, path: Path) -> None:
        self.path, self.lines = path, []

    def add(self, line: int, text: str) -> None:
        self.lines.append((line, f"{self.path.name} line {line}: {text}"))

    def raise_if_any(self) -> None:
        if self.lines:
            in_file_order = [text for _, text in sorted(self.lines, key=lambda p: p[0])]
            raise InvalidInput("\n".join(in_file_order + [f"nothing was imported ({len(self.lines)} bad rows)"]))


def _card(value: str, line: int, seen: dict[str, int], problems: _Problems) -> str | None:
    try:
        code = normalise_code(value)
    except InvalidInput as exc:
        problems.add(line, f"bad card: {exc}")
        return None
    if code in seen:
        problems.add(line, f"card {code} appears again (first on line {seen[code]})")
        return None
    seen[code] = line
    return code


def import_cards(path: Path, *, now: datetime, actor: str,
                 progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Columns: card, school_id. Checked in full first, then written in short batches so scans at the
    kiosk never wait long (`services.card_import`)."""
    from imlate_tui.services import card_import

    rows = _read_rows(path, ("card", "school_id"))
    problems = _Problems(path)
    checked = card_import.check_cards(rows, problems)
    problems.raise_if_any()
    added, unchanged = card_import.write_cards(path, checked, now=now, actor=actor,
                                               **({"progress": progress} if progress else {}))
    return ImportReport(added=added, unchanged=unchanged)


def import_people(path: Path, *, now: datetime, actor: str) -> ImportReport:
    """Columns: name, kind (staff | visitor), and optionally card and email. Students come from iSAMS.

    An email (where host notifications go) is stored on the person; an empty cell leaves a stored one as it is."""
    rows = _read_rows(path, ("name", "kind"))
    problems, seen, report = _Problems(path), {}, ImportReport()
    with write_transaction():
        planned: list[tuple[str, str, str, str | None, str | None]] = []
        for line, row in rows:
            kind, name = row["kind"].lower(), " ".join(row["name"].split())
            if kind not in LOCAL_KINDS:
                problems.add(line, f"kind must be staff or visitor, got {row['kind']!r}"
                             + (" (students come from iSAMS)" if kind == "student" else ""))
            if not name:
                problems.add(line, "the name is empty")
            code = _card(row["card"], line, seen, problems) if row.get("card") else None
            forename, _, surname = name.rpartition(" ")
            if code and (owner := people.card_owner(code)) is not None and not (
                    owner.kind == kind and owner.forename.lower() == forename.lower()
                    and owner.surname.lower() == surname.lower()):
                problems.add(line, f"card {code} already belongs to {owner.display_name}")
            email = row.get("email") or None
            if email is not None and not _EMAIL.match(email):
                problems.add(line, f"bad email address {email!r}")
            planned.append((kind, forename, surname, code, email))
        problems.raise_if_any()
        for kind, forename, surname, code, email in planned:
            person = people.find_local(kind, forename, surname)
            if person is None:
                person = Person.create(kind=kind, forename=forename, surname=surname, email=email,
                                       created_at=now, updated_at=now)
                report.people_created += 1
            elif email is not None and person.email != email:
                Person.update(email=email, updated_at=now).where(Person.id == person.id).execute()
            if code:
                if people.assign_card(person, code, now):
                    report.added += 1
                else:
                    report.unchanged += 1
        audit.record(at=now, actor=actor, action="people_import", target=str(path),
                     created=report.people_created, cards=report.added)
    return report
