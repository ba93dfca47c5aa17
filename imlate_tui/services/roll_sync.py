"""What the student and staff syncs share: apply a planned set of people to the database.

Each sync plans one `Planned` per iSAMS record (its synced fields, their hash, whether they are on
roll today, the matching local person). This module writes only the plans that changed, in short
chunked transactions (kiosk scans are never held up for long), one savepoint per record so one bad
record is skipped alone, and deactivates people missing from a roll that was read completely.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from peewee import DatabaseError

from imlate_tui.db import students
from imlate_tui.db.connection import database, write_transaction
from imlate_tui.db.models import Person
from imlate_tui.jobs.context import JobContext

log = logging.getLogger(__name__)
CHUNK = 200


@dataclass(frozen=True)
class Planned:
    fields: Any
    hash: int
    active: bool
    person: Person | None
    label: str
    """How the record is named in the log (ids only, never names)."""

    @property
    def changed(self) -> bool:
        return self.person is None or self.person.sync_hash != self.hash or self.person.active != self.active


def new_counts(roll: Any, fetched: int) -> dict[str, Any]:
    return {"fetched": fetched, "created": 0, "updated": 0, "unchanged": 0, "deactivated": 0,
            "reactivated": 0, "skipped": roll.skipped_records, "duplicates": roll.duplicates}


def apply_plans(ctx: JobContext, plans: list[Planned], counts: dict[str, Any], *,
                create: Callable[[Any, int, bool, datetime], object],
                update: Callable[[int, Any, int, bool, datetime], object], what: str) -> None:
    changed = [p for p in plans if p.changed]
    counts["unchanged"] = len(plans) - len(changed)
    now = ctx.clock()
    for start in range(0, len(changed), CHUNK):
        chunk = changed[start:start + CHUNK]
        if ctx.dry_run:
            for plan in chunk:
                _count(plan, counts)
        else:
            with write_transaction():
                for plan in chunk:
                    _apply(plan, now, counts, create, update)
        ctx.progress(counts["unchanged"] + start + len(chunk), len(plans), what)


def deactivate_missing(ctx: JobContext, gone: list[int], roll: Any, listed: int, counts: dict[str, Any],
                       what: str) -> None:
    """Deactivate people iSAMS no longer lists — unless this run's list may be incomplete."""
    if not gone:
        return
    if not roll.consistent or roll.skipped_records or not listed:
        log.warning("not deactivating %d %s: the iSAMS list was incomplete this run", len(gone), what)
        counts["deactivation_skipped"] = len(gone)
        return
    if not ctx.dry_run:
        with write_transaction():
            students.set_active(gone, False, ctx.clock())
    counts["deactivated"] += len(gone)


def _count(plan: Planned, counts: dict[str, Any]) -> None:
    if plan.person is None:
        counts["created"] += 1
        return
    if plan.person.sync_hash != plan.hash:
        counts["updated"] += 1
    if plan.person.active != plan.active:
        counts["reactivated" if plan.active else "deactivated"] += 1


def _apply(plan: Planned, now: datetime, counts: dict[str, Any], create, update) -> None:
    try:
        with database.atomic():   # a savepoint: one bad record rolls back alone
            if plan.person is None:
                create(plan.fields, plan.hash, plan.active, now)
            else:
                update(plan.person.id, plan.fields, plan.hash, plan.active, now)
    except (DatabaseError, ValueError, OverflowError) as exc:
        counts["skipped"] += 1
        log.warning("%s skipped: %s", plan.label, exc)
        return
    _count(plan, counts)
