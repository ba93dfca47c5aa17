"""Jobs history for people: repeated runs folded into one line.

The every-minute writeback makes ~60 rows an hour that say the same thing. Consecutive runs (newest
first) of the same job, trigger and outcome fold into one group: "writeback ×58, last 10:42, ok",
which the admin view can open to show each run. A run that differs (a failure, a manual run) starts
a new group, so nothing that stands out is hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from imlate_tui.db import job_runs
from imlate_tui.db.models import JobRun


@dataclass
class RunGroup:
    runs: list[JobRun]
    """Newest first."""

    @property
    def last(self) -> JobRun:
        return self.runs[0]

    @property
    def first(self) -> JobRun:
        return self.runs[-1]

    @property
    def key(self) -> str:
        return f"g{self.last.id}"

    @property
    def title(self) -> str:
        return self.last.job + (f" ×{len(self.runs)}" if len(self.runs) > 1 else "")

    def totals(self) -> dict[str, Any]:
        """Numeric counts summed over the group's runs (e.g. everything the writer sent in the hour)."""
        out: dict[str, Any] = {}
        for run in self.runs:
            for name, value in job_runs.counts_of(run).items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    out[name] = out.get(name, 0) + value
        return out


def _same(a: JobRun, b: JobRun) -> bool:
    return (a.job, a.trigger, a.outcome, a.dry_run, a.error) == (b.job, b.trigger, b.outcome, b.dry_run, b.error)


def group_runs(runs: Iterable[JobRun]) -> list[RunGroup]:
    groups: list[RunGroup] = []
    for run in runs:
        if groups and run.outcome != "running" and _same(groups[-1].last, run):
            groups[-1].runs.append(run)
        else:
            groups.append(RunGroup([run]))
    return groups
