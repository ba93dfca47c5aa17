"""`imlate cards import`: many cards without keeping the kiosk waiting.

A school's whole card list (100,000 rows) used to be written in one transaction that held SQLite's
write lock for over a minute, so scans at the kiosk failed after their 10 s busy time-out. Now:

1. **Check everything first, without the write lock.** Every row is validated against the database
   as it is (plain reads, a few chunked queries rather than one query per row). Any bad row: nothing
   is written, every bad row is reported with its line number (all or nothing, as before).
2. **Write in short batches** of `BATCH` cards, each its own `BEGIN IMMEDIATE` transaction of tens of
   milliseconds, with a pause after each (`PAUSE_SECONDS`), so scans from other processes get the
   lock between batches. Each batch re-checks its
   cards, since the kiosk or an admin may have handed one out after step 1.
3. **All or nothing still holds** when that re-check finds a card now held by someone else: the cards
   this import already added are removed again, and the import fails naming the line.

The audit entry (rows, cards to add) is committed before the first batch, so no card of the import
exists without its audit row; an undo adds a second entry. What is *not* all or nothing:
a process killed between batches leaves the first batches imported. Running the same file again
completes it (cards a person already holds count as unchanged), which the summary line makes visible.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Callable

from imlate_tui.db import audit, people
from imlate_tui.db.connection import is_sqlite, write_transaction
from imlate_tui.errors import InvalidInput

BATCH = 2000
"""Cards per write transaction: tens of milliseconds of the write lock each."""
PAUSE_SECONDS = 0.15
"""SQLite only: the gap left after each batch. A process waiting for the lock polls it with sleeps of
up to 100 ms (SQLite's busy handler), so batches written back to back starve it: a test saw a scan
wait 2 s while every batch was short. A gap longer than one poll lets every waiting scan in."""

Progress = Callable[[int, int], None]


def _no_progress(done: int, total: int) -> None:
    pass


class CheckedCards:
    """The rows that passed the check: (line, person id, code), and how many of those are new."""

    def __init__(self, wanted: list[tuple[int, int, str]], new: int) -> None:
        self.wanted, self.new = wanted, new


def check_cards(rows: list[tuple[int, dict[str, str]]], problems) -> CheckedCards:
    """Validate every row without the write lock; bad rows go to `problems`."""
    from imlate_tui.services.imports import _card   # the one card-code rule shared with people import

    owners = people.people_by_school_ids({r["school_id"] for _, r in rows})
    seen: dict[str, int] = {}
    wanted: list[tuple[int, int, str]] = []
    for line, row in rows:
        code = _card(row["card"], line, seen, problems)
        person_id = owners.get(row["school_id"])
        if person_id is None:
            problems.add(line, f"no person with school id {row['school_id']!r}")
        if code is not None and person_id is not None:
            wanted.append((line, person_id, code))
    holders = people.card_holders([code for _, _, code in wanted])
    taken = [(line, holders[code], code) for line, pid, code in wanted if holders.get(code, pid) != pid]
    names = people.display_names({holder for _, holder, _ in taken})
    for line, holder, code in taken:
        problems.add(line, f"card {code} already belongs to {names.get(holder, f'person {holder}')}")
    return CheckedCards(wanted, sum(1 for _, _, code in wanted if code not in holders))


def write_cards(path: Path, checked: CheckedCards, *, now: datetime, actor: str,
                progress: Progress = _no_progress) -> tuple[int, int]:
    """Add the checked cards in short transactions; (added, unchanged). Undone on a late conflict."""
    wanted = checked.wanted
    added: list[str] = []
    unchanged = 0
    with write_transaction():   # the audit row first: no card of this import exists without it
        audit.record(at=now, actor=actor, action="cards_import", target=str(path), rows=len(wanted),
                     added=checked.new)
    for start in range(0, len(wanted), BATCH):
        batch = wanted[start:start + BATCH]
        with write_transaction():
            holders = people.card_holders([code for _, _, code in batch])
            clash = next(((line, holders[code], code) for line, pid, code in batch
                          if holders.get(code, pid) != pid), None)
            if clash is None:
                new = [(pid, code) for _, pid, code in batch if code not in holders]
                unchanged += len(batch) - len(new)
                people.add_cards(new, now)
                added += [code for _, code in new]
        if clash is not None:
            _undo(path, added, clash, now=now, actor=actor)
        if is_sqlite():
            time.sleep(PAUSE_SECONDS)
        progress(min(start + BATCH, len(wanted)), len(wanted))
    return len(added), unchanged


def _undo(path: Path, added: list[str], clash: tuple[int, int, str], *, now: datetime, actor: str) -> None:
    line, holder, code = clash
    with write_transaction():
        people.remove_cards(added)
        audit.record(at=now, actor=actor, action="cards_import_undone", target=str(path), removed=len(added))
    name = people.display_names({holder}).get(holder, f"person {holder}")
    raise InvalidInput(f"{path.name} line {line}: card {code} was given to {name} while the import ran; "
                       "nothing was imported")
