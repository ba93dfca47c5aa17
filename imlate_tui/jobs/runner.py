"""Running one job and recording it: start row first (so the admin view shows "running"), then outcome."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from imlate_tui.db import job_runs
from imlate_tui.db.connection import database
from imlate_tui.erp.mis import MisError
from imlate_tui.errors import ImlateError
from imlate_tui.jobs.context import ErpDisabled, JobContext
from imlate_tui.jobs.registry import JOBS

log = logging.getLogger(__name__)
PURPOSES = {"writeback": "writeback", "absence-marking": "absence"}
"""The request budget's priority of each job's requests; every other job is a sync."""


@dataclass(frozen=True)
class JobResult:
    job: str
    outcome: str
    counts: dict[str, Any]
    error: str | None

    def as_json(self) -> dict[str, Any]:
        return {"job": self.job, "outcome": self.outcome, "counts": self.counts, "error": self.error}


def run_job(name: str, ctx: JobContext, *, trigger: str = "manual") -> JobResult:
    """Run a job by name. Never raises for a job's own failure: that is a recorded `failed` run."""
    spec = JOBS[name]
    with database.connection_context():
        run = job_runs.start(name, trigger=trigger, dry_run=ctx.dry_run, now=ctx.clock())
        ctx.run_id = run.id
        ctx.purpose = PURPOSES.get(name, "sync")
        counts: dict[str, Any] = {}
        error = None
        try:
            if spec.needs_erp and not ctx.settings.erp.enabled:
                raise ErpDisabled("the iSAMS integration is off (erp.enabled: false)")
            counts = spec.func(ctx)
        except (ImlateError, MisError) as exc:   # their messages are written for people
            error = str(exc)
            log.warning("job %s failed: %s", name, error)
        except Exception as exc:  # a bug must not kill the scheduler thread; the log has the trace
            error = f"unexpected error: {type(exc).__name__}: {exc}"
            log.exception("job %s failed unexpectedly", name)
        finally:
            ctx.close()
        outcome = "failed" if error else "ok"
        job_runs.finish(run, outcome=outcome, counts=counts, error=error, now=ctx.clock())
    log.info("job %s %s %s", name, outcome, counts)
    return JobResult(name, outcome, counts, error)
