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
- One record that cannot be used (a number out of range, say: a latestPhotoId of 2^70 cannot be
  hashed or stored) or stored is logged and skipped; the rest of the run goes on.
- A provider that answers with a delta (``Roll.complete`` False) deactivates only the removals it lists.
Writes go in chunks, each its own short transaction, so kiosk scans are never held up for long.
"""

from __future__ import annotations

import logging
import struct
from datetime import date
from typing import Any

from imlate_tui.db import registration, students
from imlate_tui.db.connection import write_transaction
from imlate_tui.domain.scanning import school_date
from imlate_tui.domain.sync_hash import SyncedFields, sync_hash
from imlate_tui.erp.mis import RollStudent
from imlate_tui.jobs.context import JobContext
from imlate_tui.services.roll_sync import Planned, apply_plans, deactivate_missing, new_counts
from imlate_tui.services.staff_sync import sync_staff

log = logging.getLogger(__name__)


def synced_fields(student: RollStudent, divisions: list[int], tz) -> SyncedFields:
    forename, surname = (student.forename or "").strip(), (student.surname or "").strip()
    if not forename and not surname and student.full_name:
        forename, _, surname = student.full_name.strip().rpartition(" ")
    preferred = (student.preferred_name or "").strip() or None
    leaving = student.leaving_date.astimezone(tz).date() if student.leaving_date else None
    form = (student.form_group or "").strip() or None
    return SyncedFields(isams_id=student.mis_id, school_id=student.school_id.strip(), forename=forename,
                        surname=surname, preferred_name=None if preferred == forename else preferred,
                        year_group=student.year_group, form_group=form, leaving_date=leaving,
                        latest_photo_id=student.photo_version, division_ids=tuple(sorted(divisions)))


def is_on_roll(fields: SyncedFields, today: date) -> bool:
    return fields.leaving_date is None or fields.leaving_date >= today


def sync_students(ctx: JobContext) -> dict[str, Any]:
    mis = ctx.client()
    roll = mis.students()
    people: tuple[RollStudent, ...] = roll.people  # type: ignore[assignment]
    ctx.progress(0, len(people), "students read")
    tz, now = ctx.settings.tz, ctx.clock()
    today = school_date(now, tz)
    divisions = registration.division_map()
    missing_years = {s.year_group for s in people if s.year_group is not None} - set(divisions)
    for nc_year in sorted(missing_years):   # once per run, and kept for the next run
        divisions[nc_year] = mis.divisions(nc_year)
        if not ctx.dry_run:
            with write_transaction():
                registration.store_divisions(nc_year, divisions[nc_year], now)

    existing = students.by_isams_id()
    counts = new_counts(roll, len(people))
    plans = []
    for s in people:
        try:
            fields = synced_fields(s, divisions.get(s.year_group, []) if s.year_group is not None else [], tz)
            hashed = sync_hash(fields)
        except (ValueError, OverflowError, struct.error) as exc:   # one bad record, not the whole run
            counts["skipped"] += 1
            log.warning("student (MIS id %s) skipped: a field cannot be used (%s)", s.mis_id, exc)
            continue
        plans.append(Planned(fields, hashed, is_on_roll(fields, today), existing.get(s.mis_id),
                             f"student {fields.school_id} (iSAMS id {fields.isams_id})"))
    apply_plans(ctx, plans, counts, create=students.create, update=students.update, what="students")
    if roll.complete:
        seen = {s.mis_id for s in people}
        gone = [p.id for isams_id, p in existing.items() if isams_id not in seen and p.active and p.kind == "student"]
    else:
        gone = [p.id for isams_id, p in existing.items() if isams_id in set(roll.removed) and p.active]
    deactivate_missing(ctx, gone, roll, len(people), counts, "students")
    if ctx.settings.erp.sync_staff:
        counts.update({f"staff_{key}": value for key, value in sync_staff(ctx).items()})
    return counts
