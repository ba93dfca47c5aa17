"""The jobs by name (the names of `imlate jobs run NAME` and of `schedule.jobs`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from imlate_tui.jobs.context import JobContext


@dataclass(frozen=True)
class JobSpec:
    name: str
    description: str
    func: Callable[[JobContext], dict[str, Any]]
    needs_erp: bool = True
    run_at_start: bool = False


def _student_sync(ctx: JobContext) -> dict[str, Any]:
    from imlate_tui.services.student_sync import sync_students

    return sync_students(ctx)


def _photo_sync(ctx: JobContext) -> dict[str, Any]:
    from imlate_tui.services.photo_sync import sync_photos

    return sync_photos(ctx)


def _codes_sync(ctx: JobContext) -> dict[str, Any]:
    from imlate_tui.services.codes_sync import sync_codes

    return sync_codes(ctx)


def _writeback(ctx: JobContext) -> dict[str, Any]:
    from imlate_tui.services.writeback_job import writeback_job

    return writeback_job(ctx)


def _absence_marking(ctx: JobContext) -> dict[str, Any]:
    from imlate_tui.services.absence_marking import mark_absences

    return mark_absences(ctx)


def _retention(ctx: JobContext) -> dict[str, Any]:
    from imlate_tui.services.retention import purge

    return purge(ctx)


def _auto_signout(ctx: JobContext) -> dict[str, Any]:
    from imlate_tui.services.auto_signout import auto_signout

    return auto_signout(ctx)


def _notifications(ctx: JobContext) -> dict[str, Any]:
    from imlate_tui.services.host_email import count_due, deliver_due

    return {"would_send": count_due(ctx.clock())} if ctx.dry_run else deliver_due(ctx.settings, ctx.clock)


JOBS: dict[str, JobSpec] = {spec.name: spec for spec in [
    JobSpec("student-sync", "students from iSAMS into local people", _student_sync),
    JobSpec("photo-sync", "student photos whose iSAMS photo changed", _photo_sync),
    JobSpec("codes-sync", "registration codes, divisions and today's registration periods", _codes_sync,
            run_at_start=True),
    JobSpec("absence-marking", "mark students absent who have not signed in once the main register closed",
            _absence_marking),
    JobSpec("writeback", "deliver attendance marks waiting in the outbox to iSAMS", _writeback),
    JobSpec("retention", "purge tracks and attendance records older than retention.days", _retention,
            needs_erp=False),
    JobSpec("auto-signout", "sign out whoever is still in at attendance.auto_signout's time (source auto)",
            _auto_signout, needs_erp=False, run_at_start=True),
    JobSpec("notifications", "send host emails waiting in the outbox (visitor arrivals)", _notifications,
            needs_erp=False),
]}
