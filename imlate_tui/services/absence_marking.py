"""absence-marking (spec §6): students with no sign-in today, once their main register has closed,
are marked absent in iSAMS — only where the register is still untaken.

Periods are taken once per division (from the day's cache, or fetched once); each student then costs
one GET and at most one PUT. Students are worked through by a small pool of threads (each with its own
iSAMS client; the client's retries honour 429 Retry-After). Right before each PUT the local database is
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
from imlate_tui.erp.isams.errors import IsamsError, IsamsNotFound
from imlate_tui.jobs.context import JobContext
from imlate_tui.services.registers import code_book, day_of, register_of, update_of

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
    work: queue.SimpleQueue = queue.SimpleQueue()
    for item in due:
        work.put(item)

    def worker() -> None:
        # One iSAMS client and one database connection per worker, for the whole run.
        with ctx.client_factory(ctx.settings) as client, database.connection_context():
            while True:
                try:
                    person, reg_day = work.get_nowait()
                except queue.Empty:
                    return
                outcome = _mark_one(ctx, person, reg_day, client, codes, would_mark, lock)
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
    return counts


def _mark_one(ctx: JobContext, person: Person, reg_day: Day, client, codes, would_mark: list[str],
              lock: threading.Lock) -> str:
    main = reg_day.am
    day = school_date(ctx.clock(), ctx.settings.tz)
    try:
        register = register_of(client.get_registration_status(main.id, person.school_id))
    except IsamsNotFound:
        _record(ctx, person, main, "student is not on this register in iSAMS (404)", "skipped")
        return "skipped"
    except IsamsError as exc:
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
    update = update_of(decision.mark)
    write = _record(ctx, person, main, decision.rule, "sending", body=update.to_body(ctx.settings.erp_tz),
                    before=register.__dict__)
    try:
        client.put_registration_status(main.id, person.school_id, update)
    except IsamsError as exc:   # the next hourly run reads the register again and retries if still untaken
        attendance.set_write_outcome(write, "failed", ctx.clock(), str(exc))
        return "failed"
    attendance.set_write_outcome(write, "sent", ctx.clock())
    return "marked"


def _record(ctx: JobContext, person: Person, period, rule: str, outcome: str, **extra):
    return attendance.record_write(person_id=person.id, day=school_date(ctx.clock(), ctx.settings.tz),
                                   period_id=period.id, period_name=period.label, rule=rule, outcome=outcome,
                                   now=ctx.clock(), job_run_id=ctx.run_id, **extra)
