"""From a scan to the PUT iSAMS receives, over HTTP against the simulator, in BST and in GMT,
with iSAMS datetimes with and without offsets."""

from datetime import date

import pytest

from imlate_tui.db.models import AttendanceIntent, Track

BST_MONDAY, GMT_MONDAY = date(2025, 9, 8), date(2025, 11, 10)


def absence_id(state, code):
    return next(c["id"] for c in state.absence_codes if c["code"] == code)


def plain(state):
    return {}


def absent(code):
    def setup(state, school, sid):
        state.set_register_row(school.period_id("AM"), sid, isRegistered=1, isPresent=False,
                               absenceCodeId=absence_id(state, code))
    return setup


def present(state, school, sid):
    state.set_register_row(school.period_id("AM"), sid, isRegistered=1, isPresent=True)


def out_of_school(state, school, sid):
    state.set_register_row(school.period_id("AM"), sid, isOutOfSchool=True, absenceCodeId=absence_id(state, "M"))


SCENARIOS = [
    # name, settings overrides, register set-up, scans [(time, reason)], expected [(register, body)]
    ("on time", {}, None, [("08:20", None)], [("AM", {"isPresent": True, "isLate": False})]),
    ("late", {}, None, [("08:40", None)],
     [("AM", {"isPresent": True, "isLate": True, "numberOfMinutesLate": 15})]),
    ("after the unauthorised threshold", {"attendance": {"sessions": {"AM": {"unauthorised_after": "09:20"}}}},
     None, [("09:30", None)], [("AM", {"isPresent": False, "isLate": True, "numberOfMinutesLate": 65,
                                        "absenceCodeId": "U"})]),
    ("reason code", {}, None, [("08:40", "M - Medical appointment")],
     [("AM", {"isPresent": False, "isLate": False, "absenceCodeId": "M", "registrationComment": "Medical appointment"})]),
    ("free-text reason", {}, None, [("08:40", "Overslept")],
     [("AM", {"isPresent": True, "isLate": True, "numberOfMinutesLate": 15, "registrationComment": "Overslept"})]),
    ("protected by code", {}, absent("M"), [("08:40", None)], []),
    ("protected by out of school", {}, out_of_school, [("08:40", None)], []),
    ("already present", {}, present, [("08:40", None)], []),
    ("overridable O", {}, absent("O"), [("10:00", None)],
     [("AM", {"isPresent": True, "isLate": True, "numberOfMinutesLate": 95})]),
    ("PM arrival", {}, None, [("13:40", None)],
     [("PM", {"isPresent": True, "isLate": True, "numberOfMinutesLate": 15})]),
    ("early leaver", {"attendance": {"leaver_code": "M"}}, None, [("08:20", None), ("11:00", None)],
     [("AM", {"isPresent": True, "isLate": False}),
      ("AM", {"isPresent": True, "isLate": False, "leavingOrLeftDateTime": "11:00"}),
      ("PM", {"isPresent": False, "isLate": False, "absenceCodeId": "M", "leavingOrLeftDateTime": "11:00"})]),
]


def expected_body(state, school, body):
    out = dict(body)
    if isinstance(out.get("absenceCodeId"), str):
        out["absenceCodeId"] = absence_id(state, out["absenceCodeId"])
    if "leavingOrLeftDateTime" in out:
        out["leavingOrLeftDateTime"] = school.local(out["leavingOrLeftDateTime"]).astimezone(
            school.settings.erp_tz).isoformat()
    return out


@pytest.mark.parametrize("offsets", ["with offset", "without offset"])
@pytest.mark.parametrize("day", [BST_MONDAY, GMT_MONDAY], ids=["BST", "GMT"])
@pytest.mark.parametrize(("name", "overrides", "setup", "scans", "expected"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_scan_to_put(school_day, isams_state, day, offsets, name, overrides, setup, scans, expected):
    if offsets == "without offset":
        isams_state.faults.add("timestamps:no-offset")
    overrides = {"attendance": {"lesson_attendance": False, **overrides.get("attendance", {})},
                 **{k: v for k, v in overrides.items() if k != "attendance"}}
    school = school_day(day, **overrides)
    sid = school.student()
    if setup:
        setup(isams_state, school, sid)
    for when, reason in scans:
        result = school.scan(sid, when)
        if reason:
            Track.update(reason=reason).where(Track.id == result.track_id).execute()
        school.now = school.local(when).replace(second=59)    # the writer runs right after the scan
        school.writer().deliver_due()
    assert school.writes(sid) == [(reg, expected_body(isams_state, school, body)) for reg, body in expected]
    assert AttendanceIntent.select().where(AttendanceIntent.status == "pending").count() == 0


def test_lessons_on_the_first_sign_in(school_day, isams_state):
    school = school_day(BST_MONDAY)
    sid = school.student()
    lessons = {p["friendlyName"]: p for p in isams_state.today_periods(3)}
    first_lesson = min((p for n, p in lessons.items() if n not in ("AM", "PM")), key=lambda p: p["start"])
    school.scan(sid, "10:10")
    school.set_time("10:11")     # after the reason prompt has timed out
    school.writer().deliver_due()
    written = dict(school.writes(sid))
    assert written["AM"] == {"isPresent": True, "isLate": True, "numberOfMinutesLate": 105}
    assert written[first_lesson["friendlyName"]]["isPresent"] is False     # missed, marked O
    assert written[first_lesson["friendlyName"]]["absenceCodeId"] == absence_id(isams_state, "O")


def test_minutes_shown_at_the_scan_are_the_minutes_written(school_day):
    school = school_day(GMT_MONDAY, attendance={"lesson_attendance": False})
    sid = school.student()
    result = school.scan(sid, "08:52")
    assert result.minutes_late == 27
    assert school.writer().deliver_due().waiting == 1    # the kiosk may still be asking for a reason
    assert school.writes(sid) == []
    school.set_time("08:53")
    school.writer().deliver_due()
    assert school.writes(sid) == [("AM", {"isPresent": True, "isLate": True, "numberOfMinutesLate": 27})]
