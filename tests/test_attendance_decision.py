"""The writeback decision (§5) and absence marking (§6), row by row."""

from dataclasses import replace
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from imlate_tui.domain.attendance import (
    CodeBook, Event, Mark, Policy, Register, decide, decide_absence, parse_reason, registers_needed,
)
from imlate_tui.domain.lateness import Day, Period, minutes_late

LONDON = ZoneInfo("Europe/London")
PROTECTED = frozenset(["/", "\\", "M", "C", "C1", "C2", "J1", "R", "S", "T", "I", "E", "V", "P", "W", "B", "K",
                       "D", "X", "Q"])


def at(hhmm: str, day: str = "2026-11-24") -> datetime:   # a Tuesday in GMT
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=LONDON)


def period(pid, name, start, t, finish, kind=None, day="2026-11-24"):
    return Period(pid, name, kind if kind is not None else name, at(start, day), at(t, day), at(finish, day))


def school_day(day="2026-11-24"):
    return Day((period(11, "AM", "08:25", "08:30", "09:00", day=day),
                period(12, "P1", "09:00", "09:00", "09:55", "Lesson", day),
                period(13, "P2", "10:00", "10:00", "10:55", "Lesson", day),
                period(14, "PM", "13:25", "13:30", "14:00", day=day),
                period(15, "P5", "14:00", "14:00", "15:00", "Lesson", day)), "AM", "PM")


DAY = school_day()
CODES = CodeBook(present={"EX": 201, "/": 200}, absence={"N": 101, "O": 102, "U": 103, "M": 104, "G": 105})
POLICY = Policy(tz=LONDON, protected_codes=PROTECTED, lesson_attendance=False)
AM, PM = 11, 14
ABSENT_O = Register(AM, is_registered=True, absence_code_id=102)


def run(event, registers=None, **policy):
    decisions, notes = decide(event, DAY, registers or {}, replace(POLICY, **policy), CODES)
    return [(d.period.label if d.period else None, d.rule, d.mark) for d in decisions], notes


CASES = [
    # (name, event, registers, policy overrides, expected [(register, rule contains, mark)])
    ("on time", Event("in", at("08:20")), {}, {},
     [("AM", "on time", Mark(True, False))]),
    ("on time with a present code", Event("in", at("08:20")), {}, {"present_code": "EX"},
     [("AM", "on time", Mark(True, False, present_code_id=201))]),
    ("on time, present writeback off", Event("in", at("08:20")), {}, {"present_writeback": False},
     [("AM", "present writeback is off", None)]),
    ("late", Event("in", at("08:40"), minutes_late=15), {}, {},
     [("AM", "late 15 min", Mark(True, True, 15))]),
    ("late before the HH:MM threshold", Event("in", at("09:10"), minutes_late=45), {},
     {"unauthorised_after": {"AM": "09:20"}}, [("AM", "late 45 min: present", Mark(True, True, 45))]),
    ("late after the HH:MM threshold", Event("in", at("09:30"), minutes_late=65), {},
     {"unauthorised_after": {"AM": "09:20"}}, [("AM", "after the AM threshold: U", Mark(False, True, 65, absence_code_id=103))]),
    ("late after period.finish", Event("in", at("09:10"), minutes_late=45), {},
     {"unauthorised_after": {"AM": "period.finish"}}, [("AM", ": U", Mark(False, True, 45, absence_code_id=103))]),
    ("reason code beats the clock", Event("in", at("09:30"), minutes_late=65, reason="M - Medical appointment"), {},
     {"unauthorised_after": {"AM": "09:20"}},
     [("AM", "reason code M (absence)", Mark(False, False, absence_code_id=104, comment="Medical appointment"))]),
    ("reason L is a late present mark", Event("in", at("08:40"), minutes_late=15, reason="L - Bus late"), {}, {},
     [("AM", "reason L", Mark(True, True, 15, comment="Bus late"))]),
    ("present reason code", Event("in", at("08:40"), minutes_late=15, reason="EX - Exam"), {}, {},
     [("AM", "reason code EX (present)", Mark(True, False, present_code_id=201, comment="Exam"))]),
    ("free-text reason goes to the comment", Event("in", at("08:40"), minutes_late=15, reason="Overslept"), {}, {},
     [("AM", "late 15 min", Mark(True, True, 15, comment="Overslept"))]),
    ("protected by code", Event("in", at("08:40"), minutes_late=15),
     {AM: Register(AM, is_registered=True, absence_code_id=104)}, {}, [("AM", "protected code M", None)]),
    ("protected by out of school", Event("in", at("08:40"), minutes_late=15),
     {AM: Register(AM, out_of_school=True, absence_code_id=104)}, {}, [("AM", "out of school", None)]),
    ("protected by future absence", Event("in", at("08:40"), minutes_late=15),
     {AM: Register(AM, future_absence=True)}, {}, [("AM", "future absence", None)]),
    ("already present", Event("in", at("08:40"), minutes_late=15),
     {AM: Register(AM, is_registered=True, is_present=True)}, {}, [("AM", "already marked present (/)", None)]),
    ("overridable O", Event("in", at("10:00"), minutes_late=95), {AM: ABSENT_O}, {},
     [("AM", "late 95 min", Mark(True, True, 95))]),
    ("overridable N", Event("in", at("08:40"), minutes_late=15),
     {AM: Register(AM, is_registered=True, absence_code_id=101)}, {}, [("AM", "late 15 min", Mark(True, True, 15))]),
    ("unknown absence code id is protected", Event("in", at("08:40"), minutes_late=15),
     {AM: Register(AM, is_registered=True, absence_code_id=999)}, {}, [("AM", "code id 999", None)]),
    ("PM sign-in uses the PM register", Event("in", at("13:40"), minutes_late=15), {}, {},
     [("PM", "late 15 min", Mark(True, True, 15))]),
    ("PM threshold is separate", Event("in", at("13:40"), minutes_late=15), {},
     {"unauthorised_after": {"AM": "09:00"}}, [("PM", "late 15 min: present", Mark(True, True, 15))]),
    ("early leaver, no leaver code", Event("out", at("11:00")),
     {AM: Register(AM, is_registered=True, is_present=True), PM: Register(PM)}, {},
     [("AM", "leaving time added", Mark(True, False, leaving_at=at("11:00"))),
      ("PM", "no leaver code", None)]),
    ("early leaver with leaver code", Event("out", at("11:00")),
     {AM: Register(AM, is_registered=True, is_present=True, is_late=True, minutes_late=5), PM: Register(PM)},
     {"leaver_code": "M"},
     [("AM", "leaving time added", Mark(True, True, 5, leaving_at=at("11:00"))),
      ("PM", "PM marked M", Mark(False, False, absence_code_id=104, leaving_at=at("11:00")))]),
    ("early leaver: a coded reason beats the leaver code", Event("out", at("11:00"), reason="G - Holiday"),
     {AM: Register(AM, is_registered=True, is_present=True), PM: Register(PM)}, {"leaver_code": "M"},
     [("AM", "leaving time added", Mark(True, False, comment="Holiday", leaving_at=at("11:00"))),
      ("PM", "PM marked G", Mark(False, False, absence_code_id=105, comment="Holiday", leaving_at=at("11:00")))]),
    ("early leaver: taken PM register left alone", Event("out", at("11:00")),
     {AM: Register(AM, is_registered=True, is_present=True), PM: Register(PM, is_registered=True, absence_code_id=104)},
     {"leaver_code": "M"}, [("AM", "leaving time added", Mark(True, False, leaving_at=at("11:00"))),
                            ("PM", "already taken", None)]),
    ("early leaver in the PM session", Event("out", at("14:30")),
     {PM: Register(PM, is_registered=True, is_present=True)}, {"leaver_code": "M"},
     [("PM", "leaving time added", Mark(True, False, leaving_at=at("14:30")))]),
    ("early leaver, register absent: left alone", Event("out", at("11:00")),
     {AM: Register(AM, is_registered=True, absence_code_id=102), PM: Register(PM)}, {},
     [("AM", "not marked present", None), ("PM", "no leaver code", None)]),
    ("early leaver, out of school: left alone", Event("out", at("11:00")),
     {AM: Register(AM, out_of_school=True), PM: Register(PM, out_of_school=True)}, {"leaver_code": "M"},
     [("AM", "out of school", None), ("PM", "out of school", None)]),
    ("sign-out after the school day", Event("out", at("15:45")), {}, {},
     [(None, "after the end of the school day", None)]),
]


@pytest.mark.parametrize(("name", "event", "registers", "policy", "expected"), CASES, ids=[c[0] for c in CASES])
def test_decision_table(name, event, registers, policy, expected):
    decisions, _ = run(event, registers, **policy)
    assert len(decisions) == len(expected), decisions
    for (label, rule, mark), (want_label, want_rule, want_mark) in zip(decisions, expected):
        assert label == want_label
        assert want_rule in rule, rule
        assert mark == want_mark


def test_unknown_reason_code_falls_back_to_the_clock_with_a_note():
    decisions, notes = run(Event("in", at("08:40"), minutes_late=15, reason="Z9 - Something odd"))
    assert decisions == [("AM", "late 15 min: present, late", Mark(True, True, 15, comment="Something odd"))]
    assert notes == ["reason code Z9 is not an iSAMS code; the clock rule applied"]


LESSON_CASES = [
    ("running lesson, late; finished lesson missed", at("10:10"), {}, [
        ("AM", "late 105 min", Mark(True, True, 105)),
        ("P1", "missed lesson P1: O", Mark(False, False, absence_code_id=102)),
        ("P2", "lesson P2 running: present, late 10 min", Mark(True, True, 10))]),
    ("missed lessons off", at("10:10"), {"mark_missed_lessons": False}, [
        ("AM", "late 105 min", Mark(True, True, 105)),
        ("P2", "running", Mark(True, True, 10))]),
    ("future lessons are not touched", at("08:20"), {}, [("AM", "on time", Mark(True, False))]),
    ("running lesson at its start is not late", at("09:00"), {}, [
        ("AM", "late", Mark(True, True, 35)), ("P1", "running: present", Mark(True, False))]),
]


@pytest.mark.parametrize(("name", "when", "policy", "expected"), LESSON_CASES, ids=[c[0] for c in LESSON_CASES])
def test_lessons_on_the_first_sign_in(name, when, policy, expected):
    late = minutes_late(when, DAY, late_reference="start", pm_starts_at=time(12), tz=LONDON)
    event = Event("in", when, minutes_late=late, first_of_day=True)
    registers = {p.id: Register(p.id) for p in DAY.periods}
    decisions, _ = run(event, registers, lesson_attendance=True, **policy)
    assert [(label, mark) for label, _, mark in decisions] == [(label, mark) for label, _, mark in expected]
    for (_, rule, _), (_, want, _) in zip(decisions, expected):
        assert want in rule


def test_registered_lessons_are_not_rewritten():
    registers = {p.id: Register(p.id) for p in DAY.periods}
    registers[12] = Register(12, is_registered=True, is_present=True)
    decisions, _ = run(Event("in", at("10:10"), minutes_late=100, first_of_day=True), registers,
                       lesson_attendance=True)
    assert ("P1", "lesson P1 already registered", None) in decisions


def test_lessons_only_on_the_first_sign_in_of_the_day():
    registers = {p.id: Register(p.id) for p in DAY.periods}
    decisions, _ = run(Event("in", at("10:10"), minutes_late=100, first_of_day=False), registers,
                       lesson_attendance=True)
    assert [d[0] for d in decisions] == ["AM"]


def test_registers_needed_reads_each_register_once():
    policy = replace(POLICY, lesson_attendance=True)
    first = Event("in", at("10:10"), first_of_day=True)
    assert [p.label for p in registers_needed(first, DAY, policy)] == ["AM", "P1", "P2"]
    assert [p.label for p in registers_needed(Event("out", at("11:00")), DAY, policy)] == ["AM", "PM"]
    assert registers_needed(Event("out", at("15:45")), DAY, policy) == []


def test_no_register_today():
    holiday = Day((), "AM", "PM")
    decisions, _ = decide(Event("in", at("08:40")), holiday, {}, POLICY, CODES)
    assert [(d.period, d.rule, d.mark) for d in decisions] == [(None, "no AM register today", None)]


def test_reason_parsing():
    assert parse_reason("M - Medical appointment") == ("M", "Medical appointment")
    assert parse_reason("Overslept") == (None, "Overslept")
    assert parse_reason("  ") == (None, None)
    assert parse_reason("C1 - Performance abroad") == ("C1", "Performance abroad")


@pytest.mark.parametrize(("now", "register", "rule", "mark"), [
    (at("08:55"), Register(AM), "not finished yet", None),
    (at("09:00"), Register(AM), "not finished yet", None),
    (at("09:10"), Register(AM), "not signed in after AM closed: O", Mark(False, False, absence_code_id=102)),
    (at("09:10"), Register(AM, is_registered=True, is_present=True), "already taken", None),
    (at("09:10"), Register(AM, out_of_school=True), "out of school", None),
    (at("09:10"), Register(AM, future_absence=True), "future absence", None),
])
def test_absence_marking_decision(now, register, rule, mark):
    decision = decide_absence(DAY, register, now, "O", CODES)
    assert rule in decision.rule and decision.mark == mark


@pytest.mark.parametrize(("reference", "when", "expected"), [
    ("start", "08:25", None), ("start", "08:25:01", 1), ("start", "08:40", 15), ("start", "08:40:30", 16),
    ("time", "08:29", None), ("time", "08:45", 15), ("finish", "08:59", None), ("finish", "09:05", 5),
    ("08:00", "08:15", 15), ("start", "13:40", 15),   # PM sign-in: against the PM register
    ("start", "12:00", 215),                           # lunchtime is still the AM session (before PM starts)
])
def test_minutes_late(reference, when, expected):
    assert minutes_late(at(when), DAY, late_reference=reference, pm_starts_at=time(12), tz=LONDON) == expected


def test_minutes_late_in_summer_time_are_wall_clock_minutes():
    summer = school_day("2026-06-10")
    when = datetime.fromisoformat("2026-06-10T08:40").replace(tzinfo=LONDON)   # 07:40 UTC
    assert minutes_late(when, summer, late_reference="start", pm_starts_at=time(12), tz=LONDON) == 15


def test_without_a_pm_register_the_afternoon_starts_at_pm_starts_at():
    am_only = Day((period(11, "AM", "08:25", "08:30", "09:00"),), "AM", "PM")
    assert minutes_late(at("11:59"), am_only, late_reference="start", pm_starts_at=time(12), tz=LONDON) == 214
    assert minutes_late(at("12:01"), am_only, late_reference="start", pm_starts_at=time(12), tz=LONDON) is None
