"""Job run records: every run of every job, with its outcome and counts."""

from __future__ import annotations

import json
import os
import socket
from datetime import datetime
from typing import Any

from peewee import fn

from imlate_tui.db.connection import write_transaction
from imlate_tui.db.models import JobRun


def start(job: str, *, trigger: str, dry_run: bool, now: datetime) -> JobRun:
    with write_transaction():
        return JobRun.create(job=job, trigger=trigger, dry_run=dry_run, started_at=now,
                             host=socket.gethostname()[:100], pid=os.getpid())


def finish(run: JobRun, *, outcome: str, counts: dict[str, Any], error: str | None, now: datetime) -> None:
    with write_transaction():
        (JobRun.update(outcome=outcome, counts=json.dumps(counts, sort_keys=True), error=error, finished_at=now)
         .where(JobRun.id == run.id).execute())


def history(job: str | None = None, limit: int = 50) -> list[JobRun]:
    query = JobRun.select().order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit)
    return list(query.where(JobRun.job == job) if job else query)


def latest_per_job() -> dict[str, JobRun]:
    newest = JobRun.select(JobRun.job, fn.MAX(JobRun.id).alias("last_id")).group_by(JobRun.job)
    ids = [row.last_id for row in newest]
    return {run.job: run for run in JobRun.select().where(JobRun.id.in_(ids))} if ids else {}


def counts_of(run: JobRun) -> dict[str, Any]:
    return json.loads(run.counts or "{}")
