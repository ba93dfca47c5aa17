"""codes-sync: registration code dictionaries, year-group divisions and today's registration periods.

Everything is fetched first and stored in one transaction, so a failed fetch leaves the last good copy.
Runs hourly on school days and once at start, so lateness is known before the first scans (§4, §7).
A register that makes no sense (or cannot be read) is refused alone with a logged reason; the rest is kept.
"""

from __future__ import annotations

import logging
from typing import Any

from imlate_tui.db import registration
from imlate_tui.db.connection import write_transaction
from imlate_tui.db.registration import CodeRow, PeriodRow
from imlate_tui.domain.scanning import school_date
from imlate_tui.jobs.context import JobContext
from imlate_tui.services.registers import todays_rows

log = logging.getLogger(__name__)


def fetch_divisions(ctx: JobContext) -> dict[int, list[int]]:
    mis = ctx.client()
    return {nc_year: mis.divisions(nc_year) for nc_year in mis.year_groups()}


def sync_codes(ctx: JobContext) -> dict[str, Any]:
    mis = ctx.client()
    codes = mis.attendance_codes()
    absence = [CodeRow(c.mis_id, c.code, c.name, c.government_code) for c in codes if c.kind == "absence"]
    present = [CodeRow(c.mis_id, c.code, c.name) for c in codes if c.kind == "present"]
    ctx.progress(1, 3, "codes")
    divisions = fetch_divisions(ctx)
    ctx.progress(2, 3, "divisions")
    now = ctx.clock()
    today = school_date(now, ctx.settings.tz)
    periods: dict[int, list[PeriodRow]] = {}
    for division_id in sorted({d for ids in divisions.values() for d in ids}):
        # iSAMS answers "today's" periods; only those that really are today in the school's zone are kept
        periods[division_id] = todays_rows(mis, division_id, today, ctx.settings)
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
