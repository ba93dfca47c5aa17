"""The `retention` job: purge personal attendance data older than `retention.days` (spec §11).

What goes: tracks, attendance intents and their register-write records (plus register writes of
automatic absence marking) of school-local days **before** `today − retention.days`. With
`days: 30` on 24 November, 25 October and later stay; 24 October and earlier go. "Today" is the
school-local day of the job's clock.

Visitors follow their own, shorter clock (`retention.visitor_days`, default 180): see
`visitor_retention`.

What stays: people (other than visitors), cards, job-run history and the audit log (append-only; the purge adds one
entry saying what it removed, when it removed anything, and never removes one).

Run it with `--dry-run` first: it counts what would go and deletes nothing.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from imlate_tui.db import audit, retention
from imlate_tui.db.connection import write_transaction
from imlate_tui.domain.scanning import school_date
from imlate_tui.jobs.context import JobContext

log = logging.getLogger(__name__)

ACTOR = "retention job"


def purge(ctx: JobContext) -> dict[str, Any]:
    """Attendance data by `retention.days`, then visitors by `retention.visitor_days`; the counts of both."""
    from imlate_tui.services.visitor_retention import purge_visitors

    counts = purge_attendance(ctx)
    visitors = purge_visitors(ctx)
    removed = {k: v for k, v in visitors.items() if k != "visitor_cutoff" and v}
    if removed and not ctx.dry_run:
        with write_transaction():
            audit.record(at=ctx.clock(), actor=ACTOR, action="retention.visitors",
                         target=f"before {visitors['visitor_cutoff']}", days=ctx.settings.retention.visitor_days,
                         **removed)
    if removed:
        log.info("visitor retention%s: %s (days before %s)", " dry run" if ctx.dry_run else "", removed,
                 visitors["visitor_cutoff"])
    return {**counts, **visitors}


def purge_attendance(ctx: JobContext) -> dict[str, Any]:
    """Counts per table (`tracks`, `attendance_intents`, `register_writes`) and the `cutoff` date
    (ISO; rows of days before it are purged). With `retention.days` unset nothing is done."""
    days = ctx.settings.retention.days
    if days is None:
        return {"cutoff": None, "tracks": 0, "attendance_intents": 0, "register_writes": 0,
                "note": "retention.days is not set: everything is kept"}
    now = ctx.clock()
    cutoff = school_date(now, ctx.settings.tz) - timedelta(days=days)
    if ctx.dry_run:
        counts = retention.count_before(cutoff)
        log.info("retention dry run: would purge %s (days before %s)", counts, cutoff)
        return {"cutoff": cutoff.isoformat(), **counts}
    counts = retention.delete_before(cutoff)
    if any(counts.values()):   # a daily job: no audit entry for the days nothing was old enough
        with write_transaction():
            audit.record(at=now, actor=ACTOR, action="retention.purge", target=f"before {cutoff.isoformat()}",
                         days=days, **counts)
    log.info("retention purged %s (days before %s)", counts, cutoff)
    return {"cutoff": cutoff.isoformat(), **counts}
