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
import struct
from typing import Any

from imlate_tui.db import staff
from imlate_tui.domain.scanning import school_date
from imlate_tui.domain.sync_hash import StaffFields, staff_hash
from imlate_tui.erp.mis import RollEmployee
from imlate_tui.jobs.context import JobContext
from imlate_tui.services.roll_sync import Planned, apply_plans, deactivate_missing, new_counts

log = logging.getLogger(__name__)


def staff_fields(employee: RollEmployee, tz) -> StaffFields:
    """The stored view of one employee; ValueError when there is no name to show at the kiosk."""
    forename, surname = (employee.forename or "").strip(), (employee.surname or "").strip()
    if not forename and not surname:
        raise ValueError("no forename or surname")
    preferred = (employee.preferred_name or "").strip() or None
    leaving = employee.leaving_date.astimezone(tz).date() if employee.leaving_date else None
    return StaffFields(isams_employee_id=employee.mis_id, forename=forename, surname=surname,
                       preferred_name=None if preferred == forename else preferred, leaving_date=leaving)


def sync_staff(ctx: JobContext) -> dict[str, Any]:
    roll = ctx.client().staff()
    employees: tuple[RollEmployee, ...] = roll.people  # type: ignore[assignment]
    ctx.progress(0, len(employees), "staff read")
    tz, now = ctx.settings.tz, ctx.clock()
    today = school_date(now, tz)
    existing = staff.by_employee_id()
    counts = new_counts(roll, len(employees))
    plans = []
    for employee in employees:
        try:
            fields = staff_fields(employee, tz)
            hashed = staff_hash(fields)
        except (ValueError, OverflowError, struct.error) as exc:
            counts["skipped"] += 1
            log.warning("employee (iSAMS id %s) skipped: %s", employee.mis_id, exc)
            continue
        on_roll = fields.leaving_date is None or fields.leaving_date >= today
        plans.append(Planned(fields, hashed, on_roll, existing.get(employee.mis_id),
                             f"employee (iSAMS id {employee.mis_id})"))
    apply_plans(ctx, plans, counts, create=staff.create, update=staff.update, what="staff")
    seen = {e.mis_id for e in employees}
    gone = [p.id for employee_id, p in existing.items() if employee_id not in seen and p.active]
    deactivate_missing(ctx, gone, roll, len(employees), counts, "staff")
    return counts
