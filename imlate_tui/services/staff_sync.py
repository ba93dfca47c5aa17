"""Optional staff sync (`erp.sync_staff`, off by default): iSAMS HR employees into local staff people.

The same rules as the student sync (see `student_sync`):
- Matched on the iSAMS employee id, kept in its own column (`isams_employee_id`): employee and
  student ids are separate id spaces and may be equal. Staff added by hand carry no employee id and
  are never touched.
- A CRC-64 sync hash (`staff_hash`, documented in `domain/sync_hash.py`) decides whether a record
  changed, so an unchanged re-sync writes nothing and makes only the paging requests.
- New employees are created as kind "staff"; changed ones get only their synced columns rewritten
  (cards, photo, notes and tracks are never touched).
- Employees no longer returned, or whose leaving date has passed, are deactivated — never deleted — and
  come back when they reappear. Deactivation is skipped for a run whose list was not read consistently.
- One record that cannot be used or stored is logged and skipped; the rest of the run goes on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from peewee import DatabaseError

from imlate_tui.db import staff, students
from imlate_tui.db.connection import database, write_transaction
from imlate_tui.db.models import Person
from imlate_tui.domain.scanning import school_date
from imlate_tui.domain.sync_hash import StaffFields, staff_hash
from imlate_tui.jobs.context import JobContext

if TYPE_CHECKING:
    from imlate_tui.erp.isams.models import Employee

log = logging.getLogger(__name__)
CHUNK = 200


@dataclass(frozen=True)
class Planned:
    fields: StaffFields
    hash: int
    active: bool
    person: Person | None


def staff_fields(employee: Employee, tz) -> StaffFields:
    """The stored view of one employee; ValueError when there is no name to show at the kiosk."""
    forename, surname = (employee.forename or "").strip(), (employee.surname or "").strip()
    if not forename and not surname:
        raise ValueError("no forename or surname")
    preferred = (employee.preferred_name or "").strip() or None
    leaving = employee.leaving_date.astimezone(tz).date() if employee.leaving_date else None
    return StaffFields(isams_employee_id=employee.id, forename=forename, surname=surname,
                       preferred_name=None if preferred == forename else preferred, leaving_date=leaving)


def sync_staff(ctx: JobContext) -> dict[str, Any]:
    roll = ctx.client().list_employees()
    ctx.progress(0, len(roll.employees), "staff read")
    tz, now = ctx.settings.tz, ctx.clock()
    today = school_date(now, tz)
    existing = staff.by_employee_id()
    counts = {"fetched": len(roll.employees), "created": 0, "updated": 0, "unchanged": 0, "deactivated": 0,
              "reactivated": 0, "skipped": roll.skipped_records, "duplicates": roll.duplicates}
    plans = []
    for employee in roll.employees:
        try:
            fields = staff_fields(employee, tz)
        except ValueError as exc:
            counts["skipped"] += 1
            log.warning("employee (iSAMS id %s) skipped: %s", employee.id, exc)
            continue
        on_roll = fields.leaving_date is None or fields.leaving_date >= today
        plans.append(Planned(fields, staff_hash(fields), on_roll, existing.get(employee.id)))

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
        ctx.progress(counts["unchanged"] + start + len(chunk), len(plans), "staff")

    seen = {e.id for e in roll.employees}
    gone = [p.id for employee_id, p in existing.items() if employee_id not in seen and p.active]
    if gone and (not roll.consistent or roll.skipped_records or not roll.employees):
        log.warning("not deactivating %d staff: the iSAMS staff list was incomplete this run", len(gone))
        counts["deactivation_skipped"] = len(gone)
    elif gone:
        if not ctx.dry_run:
            with write_transaction():
                students.set_active(gone, False, now)
        counts["deactivated"] += len(gone)
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
                staff.create(plan.fields, plan.hash, plan.active, now)
            else:
                staff.update(plan.person.id, plan.fields, plan.hash, plan.active, now)
    except (DatabaseError, ValueError) as exc:
        counts["skipped"] += 1
        log.warning("employee (iSAMS id %s) skipped: %s", plan.fields.isams_employee_id, exc)
        return
    _count(plan, counts)
