"""From a scan to the mark the MIS applies, through Wonde over HTTP: the iSAMS scenarios again, and
what only Wonde has (queued writebacks followed to their end, per-MIS capabilities, a cached copy)."""

from datetime import date

import pytest

from imlate_tui.db.models import AttendanceIntent, AttendanceWrite, Track

BST_MONDAY, GMT_MONDAY = date(2025, 9, 8), date(2025, 11, 10)


def office_mark(code):
    def setup(state, school, sid):
        state.set_mark(school.day, "AM", school.wonde_id(sid), code)
    return setup


SCENARIOS = [
    # name, settings overrides, register set-up, scans [(time, reason)], expected [(session, fields)]
    ("on time", {}, None, [("08:20", None)], [("AM", {"code": "/"})]),
    ("late", {}, None, [("08:40", None)], [("AM", {"code": "L", "minutes_late": 15})]),
    ("after the unauthorised threshold", {"attendance": {"sessions": {"AM": {"unauthorised_after": "09:20"}}}},
     None, [("09:30", None)], [("AM", {"code": "U", "minutes_late": 65})]),
    ("reason code", {}, None, [("08:40", "M - Medical appointment")],
     [("AM", {"code": "M", "comment": "Medical appointment"})]),
    ("free-text reason", {}, None, [("08:40", "Overslept")],
     [("AM", {"code": "L", "minutes_late": 15, "comment": "Overslept"})]),
    ("protected by code", {}, office_mark("M"), [("08:40", None)], []),
    ("already present", {}, office_mark("/"), [("08:40", None)], []),
    ("overridable O", {}, office_mark("O"), [("10:00", None)], [("AM", {"code": "L", "minutes_late": 95})]),
    ("PM arrival", {}, None, [("13:40", None)], [("PM", {"code": "L", "minutes_late": 15})]),
    ("early leaver", {"attendance": {"leaver_code": "M"}}, None, [("08:20", None), ("11:00", None)],
     [("AM", {"code": "/"}), ("PM", {"code": "M"})]),
]


@pytest.mark.parametrize("day", [BST_MONDAY, GMT_MONDAY], ids=["BST", "GMT"])
@pytest.mark.parametrize(("name", "overrides", "setup", "scans", "expected"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_scan_to_applied_mark(wonde_day, wonde_state, day, name, overrides, setup, scans, expected):
    school = wonde_day(day, **overrides)
    sid = school.student()
    if setup:
        setup(wonde_state, school, sid)
    for when, reason in scans:
        result = school.scan(sid, when)
        if reason:
            Track.update(reason=reason).where(Track.id == result.track_id).execute()
        school.now = school.local(when).replace(second=59)
        school.writer().deliver_due()
    school.now = school.local(scans[-1][0]).replace(second=59) + (school.local("00:01") - school.local("00:00"))
    school.writer().deliver_due()                     # follows the queued writebacks to their end
    assert school.writes(sid) == expected
    assert AttendanceIntent.select().where(AttendanceIntent.status.in_(["pending", "queued"])).count() == 0


def test_a_mark_is_sent_only_once_wonde_reports_it_applied(wonde_day, wonde_state):
    wonde_state.config.writeback_delay_seconds = 300          # Wonde's queue takes five minutes
    school = wonde_day()
    sid = school.student()
    school.scan(sid, "08:40")
    school.set_time("08:41")
    school.writer().deliver_due()
    intent = AttendanceIntent.get()
    assert intent.status == "queued"
    write = AttendanceWrite.get(AttendanceWrite.outcome == "queued")
    assert write.reference and wonde_state.applied == []
    school.set_time("08:43")                                  # Wonde: still pending
    school.writer().deliver_due()
    assert AttendanceIntent.get().status == "queued"
    school.set_time("08:50")
    school.writer().deliver_due()
    assert AttendanceIntent.get().status == "sent"
    assert AttendanceWrite.get(AttendanceWrite.id == write.id).outcome == "sent"
    assert len(wonde_state.applied) == 1


def test_a_failed_writeback_is_failed_with_wondes_reason(wonde_day, wonde_state):
    school = wonde_day()
    sid = school.student()
    wonde_state.faults.add("writeback-failed", method="POST", count=1)
    school.scan(sid, "08:40")
    school.set_time("08:41")
    school.writer().deliver_due()
    school.set_time("08:42")
    school.writer().deliver_due()
    intent = AttendanceIntent.get()
    assert intent.status == "failed" and "rejected the mark" in intent.summary


def test_an_outage_then_recovery_delivers_each_mark_exactly_once(wonde_day, wonde_state):
    school = wonde_day()
    students = [school.student(skip=i) for i in range(3)]
    wonde_state.faults.add("status:503", route="/v1.0/schools/*/attendance/session", method="POST")
    for i, sid in enumerate(students):
        school.scan(sid, f"08:4{i}")
        school.set_time(f"08:4{i}")
        school.now = school.now.replace(second=59)
        school.writer().deliver_due()
    assert wonde_state.applied == []
    assert AttendanceIntent.select().where(AttendanceIntent.status == "pending").count() == 3
    wonde_state.faults.clear()
    for minute in ("10:00", "10:01", "10:30", "10:31"):
        school.set_time(minute)
        school.writer().deliver_due()
    assert sorted(r["student_id"] for r in wonde_state.applied) == sorted(school.wonde_id(s) for s in students)
    assert AttendanceIntent.select().where(AttendanceIntent.status == "sent").count() == 3


def test_a_mis_without_comments_or_minutes_is_told_so_per_mark(wonde_day, wonde_state):
    wonde_state.mis_name = "Facility"
    school = wonde_day()
    sid = school.student()
    result = school.scan(sid, "08:40")
    Track.update(reason="Overslept").where(Track.id == result.track_id).execute()
    school.set_time("08:41")
    school.writer().deliver_due()
    school.set_time("08:42")
    school.writer().deliver_due()
    assert school.writes(sid) == [("AM", {"code": "L"})]
    summary = AttendanceIntent.get().summary
    assert "Wonde (Facility): comments are not written back" in summary
    assert "Wonde (Facility): minutes late are not written back" in summary


def test_arbor_marks_the_lesson_running_at_arrival(wonde_day, wonde_state):
    wonde_state.mis_name = "Arbor"
    school = wonde_day(attendance={"lesson_attendance": True, "mark_missed_lessons": False})
    sid = school.student()
    school.scan(sid, "10:10")                                 # during P2 (10:00–11:00)
    school.set_time("10:11")
    school.writer().deliver_due()
    school.set_time("10:12")
    school.writer().deliver_due()
    written = school.writes(sid)
    assert [fields for _, fields in written] == [{"code": "L"}]       # late for P2; Arbor takes no minutes
    form = next(s["_form"] for s in wonde_state.students if s["mis_id"] == sid)
    assert written[0][0] == f"L20250908{form}1"                     # the second lesson of the day, their form's
    summary = AttendanceIntent.get().summary
    assert "Wonde (Arbor): session marks are not written back" in summary


def test_absence_marking_through_wonde(wonde_day, wonde_state):
    from imlate_tui.jobs.context import JobContext
    from imlate_tui.jobs.runner import run_job

    school = wonde_day()
    arrived = school.student()
    school.scan(arrived, "08:20")
    school.set_time("08:21")
    school.writer().deliver_due()
    school.set_time("08:55")                                 # before the AM register closes: nothing
    early = run_job("absence-marking", JobContext(school.settings, clock=school.clock, client_factory=school.client))
    assert early.counts.get("marked", 0) == 0
    school.set_time("09:10")
    dry = run_job("absence-marking", JobContext(school.settings, clock=school.clock, client_factory=school.client,
                                                dry_run=True))
    assert len(dry.counts["would_mark"]) == len(wonde_state.students) - 1 and not wonde_state.applied[1:]
    result = run_job("absence-marking", JobContext(school.settings, clock=school.clock, client_factory=school.client))
    assert result.outcome == "ok" and result.counts["marked"] == len(wonde_state.students) - 1
    school.set_time("09:11")
    school.writer().deliver_due()
    o_marks = [r for r in wonde_state.applied if wonde_state.code(r["attendance_code_id"])["code"] == "O"]
    assert len(o_marks) == len(wonde_state.students) - 1
    assert school.wonde_id(arrived) not in {r["student_id"] for r in o_marks}


def test_attendance_show_says_what_was_known_when_and_follows_the_writeback(wonde_day, wonde_state):
    from imlate_tui.services.attendance_report import show_student

    wonde_state.config.writeback_delay_seconds = 300
    school = wonde_day()
    sid = school.student()
    school.scan(sid, "08:40")
    school.set_time("08:41")
    school.writer().deliver_due()
    text = show_student(school.settings, sid, school.day)
    assert "queued (attempts 1)" in text
    assert "register read from the MIS's copy at 08:41:00" in text
    assert "writeback W00000001: waiting for the MIS to apply it" in text
    school.set_time("08:50")
    school.writer().deliver_due()
    text = show_student(school.settings, sid, school.day)
    assert "writeback W00000001: applied by the MIS" in text and "AM     sent" in text


def test_imlate_demo_runs_against_the_wonde_simulator(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    config = Path(__file__).resolve().parent.parent / "config.yaml"
    done = subprocess.run([sys.executable, "-m", "imlate_tui", "--config", str(config), "demo", "--mis", "wonde"],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Wonde simulator at http://127.0.0.1:" in done.stdout
    assert "student-sync  ok" in done.stdout and "'created': 120" in done.stdout
    assert "photo-sync    ok" in done.stdout


def test_a_422_fails_that_mark_with_wondes_explanation_and_is_not_retried(wonde_day, wonde_state):
    school = wonde_day()
    sid = school.student()
    wonde_state.faults.add("status:422", route="/v1.0/schools/*/attendance/session", method="POST", count=1)
    school.scan(sid, "08:40")
    school.set_time("08:41")
    school.writer().deliver_due()
    intent = AttendanceIntent.get()
    assert intent.status == "failed" and "HTTP 422" in intent.summary
    write = AttendanceWrite.get(AttendanceWrite.outcome == "failed")
    assert "Wonde rejected POST" in write.error
    school.set_time("09:30")
    school.writer().deliver_due()
    assert wonde_state.applied == [] and AttendanceIntent.get().status == "failed"
