"""The attendance office's corrections and the writeback each one causes, over HTTP against the iSAMS
simulator: a reason after the fact, a voided scan, a sign-in or sign-out at an earlier time today."""

from __future__ import annotations

from datetime import date, time

import pytest

from admin_helpers import OPERATOR, VIEWER, database_state
from imlate_tui.db import attendance, reporting, tracks
from imlate_tui.db.models import AttendanceIntent, AuditEntry, Person, Track
from imlate_tui.domain.scanning import Direction, Status
from imlate_tui.errors import InvalidInput
from imlate_tui.services.admin_actions import AdminActions, PermissionDenied
from imlate_tui.services.corrections import parse_time_today

DAY = date(2025, 9, 8)
NO_PROMPTS = {"lesson_attendance": False, "reasons": {"prompt_on_late": False, "prompt_on_leaving": False}}


def code_id(state, code):
    return next(c["id"] for c in state.absence_codes if c["code"] == code)


@pytest.fixture
def office(school_day):
    def make(**attendance_overrides):
        school = school_day(DAY, admin={"operators": [OPERATOR]}, attendance={**NO_PROMPTS, **attendance_overrides})
        actions = AdminActions(school.settings, user=OPERATOR, client="203.0.113.7", clock=school.clock)
        return school, actions
    return make


def deliver(school, hhmm: str) -> None:
    school.set_time(hhmm)
    school.writer().deliver_due()


def intent_of(track_id: int) -> AttendanceIntent:
    return AttendanceIntent.get(AttendanceIntent.track == track_id)


def test_a_reason_given_later_replaces_imlates_late_mark_with_its_code(office, isams_state):
    school, actions = office()
    sid = school.student()
    scan = school.scan(sid, "08:40")
    deliver(school, "08:41")
    assert school.writes(sid) == [("AM", {"isPresent": True, "isLate": True, "numberOfMinutesLate": 15})]
    school.set_time("09:30")
    done = actions.correct_reason(scan.track_id, "M - Medical appointment", "mother phoned at 09:25")
    assert done.writeback and "reason now 'M - Medical appointment'" in done.message
    deliver(school, "09:31")
    assert school.writes(sid)[-1] == ("AM", {"isPresent": False, "isLate": False, "absenceCodeId": code_id(isams_state, "M"),
                                             "registrationComment": "Medical appointment"})
    intent = intent_of(scan.track_id)
    assert (intent.status, intent.correction) == ("sent", "reason")
    entry = AuditEntry.select().order_by(AuditEntry.id.desc()).get()
    assert (entry.actor, entry.action, entry.target) == (OPERATOR, "correct_reason", f"person:{scan.person.id}")
    assert '"why": "mother phoned at 09:25"' in entry.details and '"was": ""' in entry.details


def test_a_reason_given_later_never_replaces_a_teachers_mark(office, isams_state):
    school, actions = office()
    sid = school.student()
    scan = school.scan(sid, "08:40")
    deliver(school, "08:41")
    isams_state.set_register_row(school.period_id("AM"), sid, isPresent=True, isLate=False, numberOfMinutesLate=0)
    actions.correct_reason(scan.track_id, "M - Medical appointment", "mother phoned")
    deliver(school, "09:31")
    assert len(school.writes(sid)) == 1     # nothing more was written
    intent = intent_of(scan.track_id)
    assert intent.status == "skipped" and "already marked present" in intent.summary


def test_voiding_a_late_sign_in_marks_the_register_back_and_the_student_not_signed(office, isams_state):
    school, actions = office()
    sid = school.student()
    person = Person.get(Person.school_id == sid)
    scan = school.scan(sid, "08:40")
    deliver(school, "08:41")
    school.set_time("09:00")
    done = actions.void_track(scan.track_id, "a friend scanned the card")
    assert "sign-in at 08:40 is void" in done.message
    # Kept, marked void; out of rosters, reports and the day's alternation.
    track = Track.get_by_id(scan.track_id)
    assert (track.voided_by, track.void_reason) == (OPERATOR, "a friend scanned the card")
    roster = {r.person.id: r.status for r in tracks.roster(DAY)}
    assert roster[person.id] is Status.NOT_SIGNED
    assert reporting.tracks_on(DAY) == [] and person.id in {p.id for p in reporting.students_not_signed_in(DAY)}
    assert person.id not in attendance.signed_in_on(DAY)
    deliver(school, "09:01")
    assert school.writes(sid)[-1] == ("AM", {"isPresent": False, "isLate": False,
                                             "absenceCodeId": code_id(isams_state, "O")})
    intent = intent_of(scan.track_id)
    assert intent.status == "sent" and "iSAMS cannot un-take a register" in intent.summary
    again = school.scan(sid, "09:10")    # the real arrival: a sign-in again, late, replacing the O
    assert again.result == "signed_in" and again.minutes_late == 45
    deliver(school, "09:11")
    assert school.writes(sid)[-1] == ("AM", {"isPresent": True, "isLate": True, "numberOfMinutesLate": 45})


def test_voiding_a_sign_in_puts_back_the_absence_mark_it_replaced(office, isams_state):
    school, actions = office()
    sid = school.student()
    isams_state.set_register_row(school.period_id("AM"), sid, isRegistered=1, isPresent=False,
                                 absenceCodeId=code_id(isams_state, "N"))
    scan = school.scan(sid, "08:40")
    deliver(school, "08:41")
    actions.void_track(scan.track_id, "wrong student")
    deliver(school, "08:50")
    assert school.writes(sid)[-1] == ("AM", {"isPresent": False, "isLate": False,
                                             "absenceCodeId": code_id(isams_state, "N")})
    assert "put back the mark it had before" in intent_of(scan.track_id).summary


def test_voiding_a_mistaken_early_sign_out_restores_the_present_mark_and_shows_what_it_cannot(office, isams_state):
    school, actions = office(leaver_code="M")
    sid = school.student()
    school.scan(sid, "08:20")
    deliver(school, "08:21")
    out = school.scan(sid, "08:30")      # scanned again by mistake: an early sign-out
    deliver(school, "08:31")
    assert [reg for reg, _ in school.writes(sid)] == ["AM", "AM", "PM"]
    actions.void_track(out.track_id, "scanned twice by mistake")
    deliver(school, "08:45")
    assert school.writes(sid)[-1] == ("AM", {"isPresent": True, "isLate": False})   # no leaving time
    summary = intent_of(out.track_id).summary
    assert "PM: void: untaken before ImLate's mark" in summary and "correct it in iSAMS" in summary
    assert school.scan(sid, "09:00").result == "signed_out"    # still in, so the next scan signs out


def test_a_mark_changed_in_isams_since_is_left_alone_and_said_so(office, isams_state):
    school, actions = office()
    sid = school.student()
    scan = school.scan(sid, "08:40")
    deliver(school, "08:41")
    isams_state.set_register_row(school.period_id("AM"), sid, isPresent=False, isLate=False, numberOfMinutesLate=0,
                                 absenceCodeId=code_id(isams_state, "M"))
    actions.void_track(scan.track_id, "wrong card")
    deliver(school, "08:50")
    assert len(school.writes(sid)) == 1
    intent = intent_of(scan.track_id)
    assert intent.status == "skipped" and "changed in iSAMS after ImLate wrote it" in intent.summary


def test_voiding_before_delivery_writes_nothing(office):
    school, actions = office()
    sid = school.student()
    scan = school.scan(sid, "08:40")
    actions.void_track(scan.track_id, "test card")
    deliver(school, "08:41")
    assert school.writes(sid) == []
    intent = intent_of(scan.track_id)
    assert intent.status == "skipped" and intent.summary == "void: nothing had been written to iSAMS for this scan"


def test_a_sign_in_at_an_earlier_time_is_late_by_that_time_and_written_back(office, isams_state):
    school, actions = office()
    sid = school.student()
    person = Person.get(Person.school_id == sid)
    school.set_time("10:00")
    result = actions.sign_at(person.id, Direction.IN, time(8, 35), "lost card; came in at 08:35")
    assert result.minutes_late == 10 and result.at == school.local("08:35")
    track = Track.get_by_id(result.track_id)
    assert (track.source, track.actor, track.note) == ("manual", OPERATOR, "lost card; came in at 08:35")
    deliver(school, "10:01")
    assert school.writes(sid) == [("AM", {"isPresent": True, "isLate": True, "numberOfMinutesLate": 10})]
    entry = AuditEntry.select().order_by(AuditEntry.id.desc()).get()
    assert entry.action == "manual_sign_in_at" and '"at_time": "08:35"' in entry.details


def test_an_earlier_sign_out_must_fit_the_days_order(office):
    school, actions = office()
    sid = school.student()
    person = Person.get(Person.school_id == sid)
    with pytest.raises(InvalidInput, match="had not signed in by then"):
        actions.sign_at(person.id, Direction.OUT, time(6, 30), "left")
    school.scan(sid, "08:20")
    school.scan(sid, "12:00")
    school.set_time("13:00")
    with pytest.raises(InvalidInput, match="already signed in at 09:00"):
        actions.sign_at(person.id, Direction.IN, time(9, 0), "x")
    with pytest.raises(InvalidInput, match="signed out again at 12:00"):
        actions.sign_at(person.id, Direction.OUT, time(11, 0), "x")
    with pytest.raises(InvalidInput, match="later than now"):
        actions.sign_at(person.id, Direction.IN, time(14, 0), "x")
    with pytest.raises(InvalidInput, match="say why"):
        actions.sign_at(person.id, Direction.IN, time(12, 30), "  ")
    back = actions.sign_at(person.id, Direction.IN, time(12, 30), "came back from the dentist")
    assert back.result == "signed_in"
    assert [t.direction for t in tracks.tracks_of(person.id, DAY)] == ["in", "out", "in"]


@pytest.mark.parametrize("text,expected", [("08:40", time(8, 40)), ("8.05", time(8, 5)), ("0840", time(8, 40))])
def test_times_are_read_as_hh_mm(text, expected):
    assert parse_time_today(text) == expected


@pytest.mark.parametrize("text", ["", "25:00", "8:60", "soon"])
def test_a_bad_time_is_one_clear_line(text):
    with pytest.raises(InvalidInput, match="HH:MM"):
        parse_time_today(text)


def test_non_operators_cannot_correct_anything(office):
    school, actions = office()
    sid = school.student()
    scan = school.scan(sid, "08:40")
    viewer = AdminActions(school.settings, user=VIEWER, client="x", clock=school.clock)
    before = database_state()
    for attempt in (lambda: viewer.correct_reason(scan.track_id, "Overslept", "phoned"),
                    lambda: viewer.void_track(scan.track_id, "mistake"),
                    lambda: viewer.sign_at(scan.person.id, Direction.OUT, time(8, 50), "left")):
        with pytest.raises(PermissionDenied):
            attempt()
    assert database_state() == before and Track.get_by_id(scan.track_id).voided_at is None


def test_a_voided_scan_cannot_be_voided_or_given_a_reason_again(office):
    school, actions = office()
    scan = school.scan(school.student(), "08:40")
    actions.void_track(scan.track_id, "mistake")
    with pytest.raises(InvalidInput, match="voided by alice"):
        actions.void_track(scan.track_id, "again")
    with pytest.raises(InvalidInput, match="voided by alice"):
        actions.correct_reason(scan.track_id, "Overslept", "phoned")


def test_a_void_landing_between_the_writers_read_and_its_claim_is_still_honoured(office, monkeypatch):
    from imlate_tui.db import attendance as outbox

    school, actions = office()
    sid = school.student()
    scan = school.scan(sid, "08:40")
    school.set_time("08:41")
    stale = outbox.due(school.clock())            # the writer has read the outbox ...
    actions.void_track(scan.track_id, "wrong card")  # ... then the office voids the scan
    monkeypatch.setattr(outbox, "due", lambda now, limit=200: stale)
    school.writer().deliver_due()
    assert school.writes(sid) == []               # the late mark was never sent
    assert intent_of(scan.track_id).summary == "void: nothing had been written to iSAMS for this scan"
