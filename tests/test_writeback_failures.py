"""The writer when things go wrong: iSAMS down for a morning, a crash mid-write, a 400, a reason hold."""

from datetime import date, timedelta

import pytest

from imlate_tui.db.models import AttendanceIntent, AttendanceWrite, Track

MONDAY = date(2025, 9, 8)


def statuses():
    return [i.status for i in AttendanceIntent.select().order_by(AttendanceIntent.event_at)]


def test_isams_down_for_a_morning_then_back(school_day, isams_state):
    school = school_day(MONDAY, attendance={"lesson_attendance": False, "reasons": {"prompt_on_late": False}})
    students = [school.student(skip=i) for i in range(5)]
    isams_state.faults.add("status:503")
    for minute, sid in enumerate(students):
        school.scan(sid, f"08:{40 + minute}")
        school.writer().deliver_due()           # right after each scan: iSAMS answers 503
    for hhmm in ("09:00", "09:30", "10:15", "11:00", "11:45"):   # the every-minute job keeps trying
        school.set_time(hhmm)
        result = school.writer().deliver_due()
        assert result.sent == 0 and result.error is not None and "503" in result.error
    assert statuses() == ["pending"] * 5 and not isams_state.writes
    isams_state.faults.clear()                   # back at midday
    school.set_time("12:30")
    school.writer().deliver_due()
    school.set_time("12:31")
    school.writer().deliver_due()                # a second pass must not write anything again
    assert statuses() == ["sent"] * 5
    written = [w.school_id for w in isams_state.writes]
    assert written == students                   # exactly once each, in the order they arrived
    assert [w.body["numberOfMinutesLate"] for w in isams_state.writes] == [15, 16, 17, 18, 19]


def test_back_off_between_attempts(school_day, isams_state):
    school = school_day(MONDAY, attendance={"lesson_attendance": False})
    sid = school.student()
    isams_state.faults.add("status:503")
    school.scan(sid, "08:20")
    school.writer().deliver_due()
    intent = AttendanceIntent.get()
    assert intent.attempts == 1 and intent.next_attempt_at > school.now
    requests = isams_state.api_requests
    school.writer().deliver_due()                # not due yet: iSAMS is not asked again
    assert isams_state.api_requests == requests


class SimulatedCrash(BaseException):
    """Stands for the process being killed: nothing after it runs, no except clause catches it."""


def test_killed_between_put_and_record_resolves_without_a_second_write(school_day, isams_state):
    school = school_day(MONDAY, attendance={"lesson_attendance": False})
    sid = school.student()
    school.scan(sid, "08:20")

    def crash():
        raise SimulatedCrash

    with pytest.raises(SimulatedCrash):
        school.writer(after_put=crash).deliver_due()
    assert len(isams_state.writes) == 1                        # iSAMS got it ...
    assert AttendanceWrite.get().outcome == "sending"         # ... but we never recorded it
    assert AttendanceIntent.get().status == "pending"
    school.now += timedelta(minutes=3)                          # restart: the dead writer's claim has expired
    school.writer().deliver_due()
    assert len(isams_state.writes) == 1                        # no second PUT
    intent = AttendanceIntent.get()
    assert intent.status == "sent"
    assert [w.outcome for w in AttendanceWrite.select()] == ["confirmed"]


def test_a_400_fails_the_intent_with_the_message_and_is_not_retried(school_day, isams_state):
    school = school_day(MONDAY, attendance={"lesson_attendance": False})
    sid = school.student()
    isams_state.faults.add("status:400", route="/api/registration/register/*", method="PUT")
    school.scan(sid, "08:20")
    school.writer().deliver_due()
    intent = AttendanceIntent.get()
    assert intent.status == "failed"
    write = AttendanceWrite.get()
    assert write.outcome == "failed"
    assert "iSAMS rejected" in write.error and "HTTP 400" in write.error
    assert "failed: iSAMS rejected" in intent.summary
    for minutes in (5, 60, 600):
        school.now += timedelta(minutes=minutes)
        school.writer().deliver_due()
    assert AttendanceIntent.get().attempts == 1 and not isams_state.writes


def test_a_reason_ends_the_hold_and_is_written(school_day, isams_state):
    school = school_day(MONDAY, attendance={"lesson_attendance": False})
    sid = school.student()
    result = school.scan(sid, "08:40")
    assert school.writer().deliver_due().waiting == 1
    Track.update(reason="L - Bus late").where(Track.id == result.track_id).execute()   # picked on the kiosk
    school.writer().deliver_due()
    assert school.writes(sid) == [("AM", {"isPresent": True, "isLate": True, "numberOfMinutesLate": 15,
                                          "registrationComment": "Bus late"})]


def test_cold_period_cache_fills_the_minutes_in_later(school_day, isams_state):
    school = school_day(MONDAY, attendance={"lesson_attendance": False, "reasons": {"prompt_on_late": False}})
    sid = school.student()
    from imlate_tui.db.models import PeriodFetch, RegistrationPeriod
    RegistrationPeriod.delete().execute()
    PeriodFetch.delete().execute()                  # as if codes-sync had not run yet today
    result = school.scan(sid, "08:40")
    assert result.minutes_late is None              # shown without minutes, never waiting on iSAMS
    school.writer().deliver_due()
    assert Track.get(Track.id == result.track_id).minutes_late == 15
    assert school.writes(sid) == [("AM", {"isPresent": True, "isLate": True, "numberOfMinutesLate": 15})]


def test_writeback_since_resends_a_date_range(school_day, isams_state):
    from imlate_tui.jobs.context import JobContext
    from imlate_tui.services.writeback_job import writeback_job

    school = school_day(MONDAY, attendance={"lesson_attendance": False})
    sid = school.student()
    school.scan(sid, "08:20")
    school.writer().deliver_due()
    assert AttendanceIntent.get().status == "sent"
    ctx = JobContext(school.settings, clock=school.clock, client_factory=school.client, since=MONDAY)
    counts = writeback_job(ctx)
    assert counts["requeued"] == 1 and counts["skipped"] == 1      # iSAMS already has it: nothing rewritten
    assert len(isams_state.writes) == 1
