"""codes-sync: registration code dictionaries, year-group divisions and today's registration periods.

Everything is fetched first and stored in one transaction, so a failed fetch leaves the last good copy.
Runs hourly on school days and once at start, so lateness is known before the first scans (§4, §7).
"""

from __future__ import annotations

import logging
from typing import Any

from imlate_tui.db import registration
from imlate_tui.db.connection import write_transaction
from imlate_tui.db.registration import CodeRow, PeriodRow
from imlate_tui.domain.scanning import school_date
from imlate_tui.jobs.context import JobContext

log = logging.getLogger(__name__)


def fetch_divisions(ctx: JobContext) -> dict[int, list[int]]:
    client = ctx.client()
    return {yg.nc_year: [d.id for d in client.list_divisions(yg.nc_year)] for yg in client.list_year_groups()}


def sync_codes(ctx: JobContext) -> dict[str, Any]:
    client = ctx.client()
    absence = [CodeRow(c.id, c.code, c.name or "", c.government_code) for c in client.list_absence_codes()]
    present = [CodeRow(c.id, c.code, c.name or "") for c in client.list_present_codes()]
    ctx.progress(1, 3, "codes")
    divisions = fetch_divisions(ctx)
    ctx.progress(2, 3, "divisions")
    now = ctx.clock()
    today = school_date(now, ctx.settings.tz)
    periods: dict[int, list[PeriodRow]] = {}
    for division_id in sorted({d for ids in divisions.values() for d in ids}):
        periods[division_id] = [
            PeriodRow(p.id, p.friendly_name, p.registration_type, p.start, p.time, p.finish)
            for p in client.list_registration_periods(division_id)
            # iSAMS answers "today's" periods; keep only those that really are today in the school's zone
            if school_date(p.start, ctx.settings.tz) == today]
    ctx.progress(3, 3, "periods")
    counts = {"absence_codes": len(absence), "present_codes": len(present), "year_groups": len(divisions),
              "divisions": len(periods), "periods": sum(len(p) for p in periods.values())}
    if ctx.dry_run:
        return counts
    with write_transaction():
        registration.replace_codes("absence", absence, now)
        registration.replace_codes("present", present, now)
        for nc_year, ids in divisions.items():
            registration.store_divisions(nc_year, ids, now)
        for division_id, rows in periods.items():
            registration.store_periods(today, division_id, rows, now)
    return counts
