"""student-sync (spec §7): iSAMS students into local people, changing only what changed.

- Matched on the iSAMS `id`; the CRC-64 sync hash of the synced fields decides whether a record changed,
  so an unchanged re-sync writes nothing and makes only the paging requests (the year-group divisions
  come from the copy codes-sync keeps; a year group missing there is fetched once in this run).
- New students are created; changed ones get only their synced columns rewritten (cards, photo, notes
  and tracks are never touched).
- Students no longer returned, or whose leaving date has passed, are deactivated — never deleted — and
  come back when they reappear. Deactivation is skipped for a run whose roll iSAMS could not give
  consistently (it changed on every walk, or some records were unreadable): a student merely missing
  from a bad read must not be signed off the roll.
- One record that cannot be stored is logged and skipped; the rest of the run goes on.
Writes go in chunks, each its own short transaction, so kiosk scans are never held up for long.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from peewee import DatabaseError

from imlate_tui.db import registration, students
from imlate_tui.db.connection import database, write_transaction
from imlate_tui.db.models import Person
from imlate_tui.domain.scanning import school_date
from imlate_tui.domain.sync_hash import SyncedFields, sync_hash
from imlate_tui.services.staff_sync import sync_staff
from imlate_tui.jobs.context import JobContext

log = logging.getLogger(__name__)
CHUNK = 200


@dataclass(frozen=True)
class Planned:
    fields: SyncedFields
    hash: int
    active: bool
    person: Person | None


def synced_fields(student: Any, divisions: list[int], tz) -> SyncedFields:
    forename, surname = (student.forename or "").strip(), (student.surname or "").strip()
    if not forename and not surname and student.full_name:
        forename, _, surname = student.full_name.strip().rpartition(" ")
    preferred = (student.preferred_name or "").strip() or None
    leaving = student.leaving_date.astimezone(tz).date() if student.leaving_date else None
    form = (student.form_group or "").strip() or None
    return SyncedFields(isams_id=student.id, school_id=student.school_id.strip(), forename=forename,
                        surname=surname, preferred_name=None if preferred == forename else preferred,
                        year_group=student.year_group, form_group=form, leaving_date=leaving,
                        latest_photo_id=student.latest_photo_id, division_ids=tuple(sorted(divisions)))


def is_on_roll(fields: SyncedFields, today: date) -> bool:
    return fields.leaving_date is None or fields.leaving_date >= today


def sync_students(ctx: JobContext) -> dict[str, Any]:
    client = ctx.client()
    roll = client.list_students()
    ctx.progress(0, len(roll.students), "students read")
    tz, now = ctx.settings.tz, ctx.clock()
    today = school_date(now, tz)
    divisions = registration.division_map()
    missing_years = {s.year_group for s in roll.students if s.year_group is not None} - set(divisions)
    for nc_year in sorted(missing_years):   # once per run, and kept for the next run
        divisions[nc_year] = [d.id for d in client.list_divisions(nc_year)]
        if not ctx.dry_run:
            with write_transaction():
                registration.store_divisions(nc_year, divisions[nc_year], now)

    existing = students.by_isams_id()
    counts = {"fetched": len(roll.students), "created": 0, "updated": 0, "unchanged": 0, "deactivated": 0,
              "reactivated": 0, "skipped": roll.skipped_records, "duplicates": roll.duplicates}
    plans = []
    for s in roll.students:
        fields = synced_fields(s, divisions.get(s.year_group, []) if s.year_group is not None else [], tz)
        plans.append(Planned(fields, sync_hash(fields), is_on_roll(fields, today), existing.get(s.id)))

    changed = [p for p in plans
               if p.person is None or p.person.sync_hash != p.hash or p.person.active != p.active]
    counts["unchanged"] = len(plans) - len(changed)
    for start in range(0, len(changed), CHUNK):
        chunk = changed[start:start + CHUNK]
        if ctx.dry_run:
            for plan in chunk:
                _count(plan, counts)
        else:
            with write_transaction():
                for plan in chunk:
                    _apply(plan, now, counts)
        ctx.progress(counts["unchanged"] + start + len(chunk), len(plans), "students")

    seen = {s.id for s in roll.students}
    gone = [p.id for isams_id, p in existing.items() if isams_id not in seen and p.active and p.kind == "student"]
    if gone and (not roll.consistent or roll.skipped_records or not roll.students):
        log.warning("not deactivating %d students: the iSAMS roll was incomplete this run", len(gone))
        counts["deactivation_skipped"] = len(gone)
    elif gone:
        if not ctx.dry_run:
            with write_transaction():
                students.set_active(gone, False, now)
        counts["deactivated"] += len(gone)
    if ctx.settings.erp.sync_staff:
        counts.update({f"staff_{key}": value for key, value in sync_staff(ctx).items()})
    return counts


def _count(plan: Planned, counts: dict[str, Any]) -> None:
    if plan.person is None:
        counts["created"] += 1
        return
    if plan.person.sync_hash != plan.hash:
        counts["updated"] += 1
    if plan.person.active != plan.active:
        counts["reactivated" if plan.active else "deactivated"] += 1


def _apply(plan: Planned, now, counts: dict[str, Any]) -> None:
    try:
        with database.atomic():   # a savepoint: one bad record rolls back alone
            if plan.person is None:
                students.create(plan.fields, plan.hash, plan.active, now)
            else:
                students.update(plan.person.id, plan.fields, plan.hash, plan.active, now)
    except (DatabaseError, ValueError) as exc:
        counts["skipped"] += 1
        log.warning("student %s (iSAMS id %s) skipped: %s", plan.fields.school_id, plan.fields.isams_id, exc)
        return
    _count(plan, counts)
