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
        mark_interrupted(now)
        return JobRun.create(job=job, trigger=trigger, dry_run=dry_run, started_at=now,
                             host=socket.gethostname()[:100], pid=os.getpid(),
                             process=process_identity(os.getpid()))


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


# Runs left `running` by a process that was killed (kill -9, power cut, OOM) would stay so for ever.
# A run records its host, pid and which process that pid was (boot id and start tick, from /proc, so
# neither a clock change nor a pid reused after a reboot fools it). On the same host we can then tell
# whether that process still runs. Such runs are recorded as `interrupted` the next time any run
# starts on this host, and shown so at once by `imlate jobs history`. Runs of other hosts (a shared
# PostgreSQL) are left alone: from here we cannot know whether their process is alive.

INTERRUPTED = "interrupted"


def process_identity(pid: int) -> str:
    """"<boot id>:<start tick>" of process `pid` (Linux /proc), or "" when that cannot be read."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as boot:
            boot_id = boot.read().strip()
        with open(f"/proc/{pid}/stat") as stat:
            ticks = stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""
    return f"{boot_id}:{ticks}"


def process_gone(run: JobRun) -> bool:
    """True when the process that started this run, on this host, no longer runs."""
    if run.host != socket.gethostname()[:100] or run.pid <= 0:
        return False
    try:
        os.kill(run.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:   # another user's process has that pid: compare identities below
        pass
    return bool(run.process) and process_identity(run.pid) not in ("", run.process)


def shown_outcome(run: JobRun) -> str:
    return INTERRUPTED if run.outcome == "running" and process_gone(run) else run.outcome


def mark_interrupted(now: datetime) -> int:
    """Record this host's runs whose process is gone as interrupted; how many. Call inside a write."""
    stale = [run for run in JobRun.select().where((JobRun.outcome == "running")
                                                  & (JobRun.host == socket.gethostname()[:100]))
             if process_gone(run)]
    for run in stale:
        (JobRun.update(outcome=INTERRUPTED, finished_at=now,
                       error=f"interrupted: its process (pid {run.pid}) ended before the run finished")
         .where(JobRun.id == run.id).execute())
    return len(stale)
