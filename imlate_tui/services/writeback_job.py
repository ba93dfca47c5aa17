"""The `writeback` job: what the scheduler and `imlate jobs run writeback` run (the kiosk's thread is
`writer_loop`)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from imlate_tui.db import attendance
from imlate_tui.errors import ImlateError
from imlate_tui.services import writeback
from imlate_tui.services.writeback import Writer, call_bound, claim_seconds

if TYPE_CHECKING:
    from imlate_tui.config import Settings


def stuck_for(settings: Settings) -> float | None:
    """Seconds the batch holding this process's writer lock has run past its longest, or None."""
    started = list(writeback._batch_started)
    if not started:
        return None
    over = time.monotonic() - started[0] - (claim_seconds(settings) + 2 * call_bound(settings))
    return over if over > 0 else None


def writeback_job(ctx) -> dict[str, Any]:
    """The `writeback` job: deliver what is due (and with --since, re-send a date range first).

    A batch already running in this process (the kiosk's writer) is not waited for; one that has run
    past its longest possible time is stuck, and the job says so as a failure rather than "ok".
    """
    counts: dict[str, Any] = {}
    if ctx.since is not None:
        counts["requeued"] = attendance.requeue_since(ctx.since, ctx.clock())
    if ctx.dry_run:
        counts["due"] = len(attendance.due(ctx.clock()))
        return counts
    over = stuck_for(ctx.settings)
    if over is not None:
        raise ImlateError(f"a writeback batch in this process has been running {over:.0f} s past its deadline "
                          "(stuck); restart the process if it does not end")
    writer = Writer(ctx.settings, ctx.client, ctx.clock, owns_mis=False)
    try:
        result = writer.deliver_due()
    finally:
        ctx.close()   # the run's one MIS connection (the runner would close it too)
    counts.update(result.as_counts())
    if result.error:
        counts["paused"] = result.error
    return counts
