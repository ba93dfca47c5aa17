"""Automatic absence marking against the simulator (spec §6)."""

from datetime import date

from imlate_tui.db.models import AttendanceWrite, Person
from imlate_tui.jobs.context import JobContext
from imlate_tui.jobs.runner import run_job
from imlate_tui.services.absence_marking import mark_absences

MONDAY = date(2025, 9, 8)


def run(school, retries=1, **kw):
    ctx = JobContext(school.settings, clock=school.clock,
                     client_factory=lambda s: school.client(retries=retries), **kw)
    try:
        return mark_absences(ctx)
    finally:
        ctx.close()


def o_marks(state):
    o = next(c["id"] for c in state.absence_codes if c["code"] == "O")
    return {w.school_id for w in state.writes if w.body == {"isPresent": False, "isLate": False, "absenceCodeId": o}}


def test_before_the_main_register_closes_nothing_happens(school_day, isams_state):
    school = school_day(MONDAY)
    school.set_time("08:55")
    before = isams_state.api_requests
    counts = run(school)
    assert counts["not_due"] == counts["candidates"] == len(isams_state.students)
    assert isams_state.api_requests == before and not isams_state.writes


def test_marks_only_untaken_registers_of_students_not_signed_in(school_day, isams_state):
    school = school_day(MONDAY, attendance={"lesson_attendance": False})
    arrived, pending, taken = (school.student(skip=i) for i in range(3))
    school.scan(arrived, "08:20")
    school.writer().deliver_due()                        # written: AM present
    isams_state.faults.add("status:503", route="/api/registration/register/*", method="PUT", count=1)
    school.scan(pending, "08:21")
    school.writer().deliver_due()                        # its writeback is still pending
    isams_state.set_register_row(school.period_id("AM"), taken, isRegistered=1, isPresent=True)
    office = [s["schoolId"] for s in isams_state.students
              for d in (3, 4, 6) for p in isams_state.today_periods(d)
              if p["friendlyName"] == "AM" and (r := isams_state.register_row(p["id"], s["schoolId"]))
              and (r["isOutOfSchool"] or r["isFutureAbsence"])]
    school.set_time("10:00")
    writes_before = len(isams_state.writes)
    result = run_job("absence-marking", JobContext(school.settings, clock=school.clock, client_factory=school.client))
    assert result.outcome == "ok"
    counts = result.counts
    marked = o_marks(isams_state)
    assert arrived not in marked and pending not in marked and taken not in marked
    assert not set(office) & marked                    # office-entered leave is never overwritten
    everyone = {s["schoolId"] for s in isams_state.students}
    assert marked == everyone - {arrived, pending, taken} - set(office)
    assert counts["marked"] == len(marked) == len(isams_state.writes) - writes_before
    recorded = AttendanceWrite.select().where(AttendanceWrite.job_run.is_null(False))
    assert {(w.outcome, w.period_name) for w in recorded} == {("sent", "AM")} and recorded.count() == len(marked)
    again = run(school)                                  # an hour later: nothing left to mark
    assert again["marked"] == 0 and o_marks(isams_state) == marked


def test_requests_periods_once_per_division_and_at_most_two_per_student(school_day, isams_state):
    school = school_day(MONDAY)
    from imlate_tui.db.models import PeriodFetch, RegistrationPeriod
    RegistrationPeriod.delete().execute()
    PeriodFetch.delete().execute()                       # cold cache: the job fetches periods itself
    school.set_time("10:00")
    before = isams_state.api_requests
    counts = run(school)
    requests = isams_state.api_requests - before
    students = counts["candidates"]
    assert requests <= 3 + 2 * students                   # 3 divisions, then one GET and at most one PUT each
    assert requests == 3 + students + counts["marked"]


def test_year_group_filter(school_day, isams_state):
    school = school_day(MONDAY, erp={"auto_absence_year_groups": [7]})
    school.set_time("10:00")
    run(school)
    years = {s["schoolId"]: s["yearGroup"] for s in isams_state.students}
    assert o_marks(isams_state) and {years[sid] for sid in o_marks(isams_state)} == {7}


def test_dry_run_lists_and_writes_nothing(school_day, isams_state):
    school = school_day(MONDAY)
    school.set_time("10:00")
    counts = run(school, dry_run=True)
    assert counts["marked"] == len(counts["would_mark"]) > 0
    assert not isams_state.writes and AttendanceWrite.select().count() == 0
    name, sid = counts["would_mark"][0].rsplit(" (", 1)
    assert Person.get(Person.school_id == sid.rstrip(")")).display_name == name


def test_rate_limited_requests_are_retried_not_lost(school_day, isams_state):
    school = school_day(MONDAY, erp={"absence_concurrency": 4})
    school.set_time("10:00")
    isams_state.faults.add("status:429", route="/api/registration/register/*", count=4, retry_after=1)
    counts = run(school, retries=4)
    assert counts["failed"] == 0 and counts["marked"] == len(o_marks(isams_state)) > 0


def test_a_late_arrival_after_the_job_replaces_the_o(school_day, isams_state):
    school = school_day(MONDAY, attendance={"lesson_attendance": False, "reasons": {"prompt_on_late": False}})
    sid = school.student()
    school.set_time("10:10")
    run(school)
    assert sid in o_marks(isams_state)
    school.scan(sid, "10:30")
    school.writer().deliver_due()
    assert school.writes(sid)[-1] == ("AM", {"isPresent": True, "isLate": True, "numberOfMinutesLate": 125})
