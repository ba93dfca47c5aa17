"""absence-marking (spec §6): students with no sign-in today, once their main register has closed,
are marked absent in iSAMS — only where the register is still untaken.

Periods are taken once per division (from the day's cache, or fetched once); each student then costs
one GET and at most one PUT. Students are worked through by a small pool of threads (each with its own
MIS connection; the client's retries honour 429 Retry-After). When the MIS asks for a longer wait than
we hold a job for, or the request budget has no room for absence marking, the run stops there and
fails with that reason: the next scheduled run carries on (registers already marked are then taken). Right before each PUT the local database is
asked again whether the student has signed in meanwhile, so a late arrival is never marked absent.
The mark cannot be undone through ImLate: correct it in iSAMS (a later sign-in replaces the O).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone
import queue
from typing import Any

from imlate_tui.db import attendance, tracks
from imlate_tui.db.connection import database
from imlate_tui.db.models import Person
from imlate_tui.domain.attendance import decide_absence
from imlate_tui.domain.lateness import Day
from imlate_tui.domain.scanning import school_date
from imlate_tui.erp.mis import Mis, MisError, MisNotFound
from imlate_tui.errors import ImlateError
from imlate_tui.jobs.context import JobContext
from imlate_tui.services.registers import code_book, day_of, mark_json, mark_to_write, register_of

log = logging.getLogger(__name__)


def candidates(ctx: JobContext) -> list[Person]:
    settings, day = ctx.settings, school_date(ctx.clock(), ctx.settings.tz)
    query = Person.select().where((Person.kind == "student") & (Person.active == True))  # noqa: E712
    if settings.erp.auto_absence_year_groups:
        query = query.where(Person.year_group.in_(settings.erp.auto_absence_year_groups))
    signed_in = attendance.signed_in_on(day)
    return [p for p in query.order_by(Person.surname, Person.forename) if p.id not in signed_in]


def mark_absences(ctx: JobContext) -> dict[str, Any]:
    now = ctx.clock()
    day = school_date(now, ctx.settings.tz)
    people = candidates(ctx)
    codes = code_book()
    counts: dict[str, Any] = {"candidates": len(people), "not_due": 0, "marked": 0, "skipped": 0, "failed": 0,
                              "signed_in_meanwhile": 0}
    days: dict[str, Day | None] = {}
    due = []
    for person in people:   # periods once per division set, not per student
        key = person.division_ids
        if key not in days:
            days[key] = day_of(person, day, ctx.settings, ctx.client(), now)
        reg_day = days[key]
        if reg_day is None or reg_day.am is None or now <= reg_day.am.finish:
            counts["not_due"] += 1
            continue
        due.append((person, reg_day))
    would_mark: list[str] = []
    lock = threading.Lock()
    stopped: list[MisError] = []
    work: queue.SimpleQueue = queue.SimpleQueue()
    for item in due:
        work.put(item)

    def worker() -> None:
        # One MIS connection and one database connection per worker, for the whole run.
        with ctx.new_client() as mis, database.connection_context():
            while not stopped:
                try:
                    person, reg_day = work.get_nowait()
                except queue.Empty:
                    return
                try:
                    outcome = _mark_one(ctx, person, reg_day, mis, codes, would_mark, lock)
                except MisError as exc:   # throttled past our limit, or out of budget: end the run here
                    stopped.append(exc)
                    return
                with lock:
                    counts[outcome] += 1
                    done = sum(counts[k] for k in ("marked", "skipped", "failed", "signed_in_meanwhile"))
                ctx.progress(done, len(due), "students")

    threads = [threading.Thread(target=worker, name=f"absence-{n}", daemon=True)
               for n in range(min(ctx.settings.erp.absence_concurrency, max(1, len(due))))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if ctx.dry_run:
        counts["would_mark"] = sorted(would_mark)
    if stopped:
        raise ImlateError(f"absence marking stopped after {counts['marked']} marks: {stopped[0]}")
    return counts


def _ends_run(exc: MisError) -> bool:
    return getattr(exc, "retry_after", None) is not None and not isinstance(exc, MisNotFound)


def _mark_one(ctx: JobContext, person: Person, reg_day: Day, mis: Mis, codes, would_mark: list[str],
              lock: threading.Lock) -> str:
    main = reg_day.am
    day = school_date(ctx.clock(), ctx.settings.tz)
    try:
        register = register_of(mis.read_mark(main.id, person.school_id), codes)
    except MisNotFound:
        _record(ctx, person, main, f"student is not on this register in {mis.name} (404)", "skipped")
        return "skipped"
    except MisError as exc:
        if _ends_run(exc):
            raise
        _record(ctx, person, main, "could not read the register", "failed", error=str(exc))
        return "failed"
    decision = decide_absence(reg_day, register, ctx.clock(), ctx.settings.erp.absence_code, codes)
    if decision.mark is None:
        return "skipped"   # untouched registers are not worth a row each hour; the counts say how many
    if ctx.dry_run:
        with lock:
            would_mark.append(f"{person.display_name} ({person.school_id})")
        return "marked"
    if tracks.signed_in_between(person.id, day, datetime.min.replace(tzinfo=timezone.utc), ctx.clock()):
        return "signed_in_meanwhile"
    mark = mark_to_write(decision.mark, codes)
    write = _record(ctx, person, main, decision.rule, "sending", body=mis.request_body(mark),
                    before=register.__dict__, mark=mark_json(mark))
    try:
        mis.write_mark(main.id, person.school_id, mark)
    except MisError as exc:   # the next hourly run reads the register again and retries if still untaken
        attendance.set_write_outcome(write, "failed", ctx.clock(), str(exc))
        if _ends_run(exc):
            raise
        return "failed"
    attendance.set_write_outcome(write, "sent", ctx.clock())
    return "marked"


def _record(ctx: JobContext, person: Person, period, rule: str, outcome: str, **extra):
    return attendance.record_write(person_id=person.id, day=school_date(ctx.clock(), ctx.settings.tz),
                                   period_id=period.id, period_name=period.label, rule=rule, outcome=outcome,
                                   now=ctx.clock(), job_run_id=ctx.run_id, **extra)
