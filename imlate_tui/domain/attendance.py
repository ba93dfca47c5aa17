"""The writeback decision (spec §5) and the absence-marking decision (§6), as pure functions.

Given one event (a student's sign-in or early sign-out), the student's registration periods that day,
and the current state of the registers involved, `decide` says, register by register, what to write
and which rule made it so — or why the register is left alone. Every decision carries its rule in
words; the admin view and `imlate attendance show` print them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Mapping
from zoneinfo import ZoneInfo

from imlate_tui.domain.lateness import Day, Period, local_instant, minutes_after, session_of

_REASON = re.compile(r"^\s*([A-Za-z0-9/\\#]{1,3})\s+-\s+(.+?)\s*$")


@dataclass(frozen=True)
class Register:
    """One student's row of one register, as iSAMS reports it."""

    period_id: int
    is_registered: bool = False
    is_present: bool = False
    is_late: bool = False
    minutes_late: int | None = None
    present_code_id: int | None = None
    absence_code_id: int | None = None
    comment: str | None = None
    leaving_at: datetime | None = None
    out_of_school: bool = False
    future_absence: bool = False


@dataclass(frozen=True)
class Mark:
    """What to write to a register (the PUT body in the school's words)."""

    is_present: bool
    is_late: bool
    minutes_late: int | None = None
    present_code_id: int | None = None
    absence_code_id: int | None = None
    comment: str | None = None
    leaving_at: datetime | None = None


@dataclass(frozen=True)
class Decision:
    period: Period | None
    rule: str
    mark: Mark | None = None
    """None: leave the register alone (recorded as skipped, with the rule as the reason)."""


@dataclass(frozen=True)
class CodeBook:
    """iSAMS code dictionaries: code → id."""

    present: Mapping[str, int]
    absence: Mapping[str, int]

    def lookup(self, code: str) -> tuple[str, int] | None:
        if code in self.present:
            return "present", self.present[code]
        if code in self.absence:
            return "absence", self.absence[code]
        return None

    def current_code(self, register: Register, session: str) -> str | None:
        """The code of a taken register; a present mark with no code counts as / (AM) or \\ (PM)."""
        if register.is_present:
            if register.present_code_id is None:
                return "/" if session == "AM" else "\\"
            return _code_by_id(self.present, register.present_code_id)
        if register.absence_code_id is not None:
            return _code_by_id(self.absence, register.absence_code_id)
        return None


def _code_by_id(codes: Mapping[str, int], code_id: int) -> str:
    return next((code for code, i in codes.items() if i == code_id), f"#{code_id}")


@dataclass(frozen=True)
class Policy:
    tz: ZoneInfo
    late_reference: str = "start"
    pm_starts_at: time = time(12, 0)
    present_writeback: bool = True
    present_code: str | None = None
    protected_codes: frozenset[str] = frozenset()
    overridable_codes: frozenset[str] = frozenset({"N", "O"})
    unauthorised_after: Mapping[str, str | None] = field(default_factory=dict)
    unauthorised_code: str = "U"
    leaver_code: str | None = None
    school_day_ends: time = time(15, 30)
    lesson_attendance: bool = True
    mark_missed_lessons: bool = True
    lesson_absence_code: str = "O"


@dataclass(frozen=True)
class Event:
    direction: str
    """"in" or "out"."""
    at: datetime
    minutes_late: int | None = None
    reason: str | None = None
    first_of_day: bool = False


def parse_reason(reason: str | None) -> tuple[str | None, str | None]:
    """"M - Medical appointment" → ("M", "Medical appointment"); "Overslept" → (None, "Overslept")."""
    if not reason or not reason.strip():
        return None, None
    match = _REASON.match(reason)
    return (match.group(1).upper(), match.group(2)) if match else (None, reason.strip())


def is_early_leave(at: datetime, policy: Policy) -> bool:
    return at < local_instant(at, policy.school_day_ends, policy.tz)


def _session_register(day: Day, session: str) -> Period | None:
    return day.am if session == "AM" else day.pm


def registers_needed(event: Event, day: Day, policy: Policy) -> list[Period]:
    """The registers whose current state the decision needs (each is read once)."""
    session = session_of(event.at, day, policy.pm_starts_at, policy.tz)
    needed: list[Period] = []
    if event.direction == "in":
        needed.append(_session_register(day, session))
        if event.first_of_day and policy.lesson_attendance:
            for lesson in day.lessons:
                running = lesson.start <= event.at < lesson.finish
                finished = lesson.finish <= event.at
                if running or (finished and policy.mark_missed_lessons):
                    needed.append(lesson)
    elif is_early_leave(event.at, policy):
        needed.append(_session_register(day, session))
        needed += [p for p in (day.am, day.pm) if p is not None and p.start > event.at]
    return [p for i, p in enumerate(needed) if p is not None and p not in needed[:i]]


def protection(register: Register, session: str, policy: Policy, codes: CodeBook, *,
               allow_present: bool = False) -> str | None:
    """Why a register must be left alone, or None. Office-entered leave beats the kiosk."""
    if register.out_of_school:
        return "protected: out of school (entered by the office)"
    if register.future_absence:
        return "protected: future absence (entered by the office)"
    if not register.is_registered:
        return None
    code = codes.current_code(register, session)
    if register.is_present:
        return None if allow_present else f"already marked present ({code})"
    if code is None or code in policy.overridable_codes:
        return None
    if code.startswith("#"):
        return f"protected: absence code id {code[1:]} is not in the stored dictionary (run codes-sync)"
    if code in policy.protected_codes:
        return f"protected code {code}"
    return None


def _unchanged(mark: Mark, register: Register) -> bool:
    return register.is_registered and (
        mark.is_present, mark.is_late, mark.minutes_late or 0, mark.present_code_id, mark.absence_code_id,
        mark.comment, mark.leaving_at) == (
        register.is_present, register.is_late, register.minutes_late or 0, register.present_code_id,
        register.absence_code_id, register.comment, register.leaving_at)


def _threshold(session: str, period: Period, policy: Policy) -> datetime | None:
    value = policy.unauthorised_after.get(session)
    if value is None:
        return None
    if value == "period.finish":
        return period.finish
    hours, minutes = value.split(":")
    return local_instant(period.start, time(int(hours), int(minutes)), policy.tz)


def _coded_mark(found: tuple[str, int], comment: str | None) -> Mark:
    kind, code_id = found
    if kind == "present":
        return Mark(True, False, present_code_id=code_id, comment=comment)
    return Mark(False, False, absence_code_id=code_id, comment=comment)


def _sign_in(event: Event, session: str, period: Period, policy: Policy, codes: CodeBook,
             notes: list[str]) -> tuple[str, Mark | None]:
    code, comment = parse_reason(event.reason)
    minutes = event.minutes_late
    if code == "L":
        return "reason L: present, late", Mark(True, True, minutes, comment=comment)
    if code is not None:
        found = codes.lookup(code)
        if found is not None:
            return f"reason code {code} ({found[0]})", _coded_mark(found, comment)
        notes.append(f"reason code {code} is not an iSAMS code; the clock rule applied")
    if minutes is None:
        if not policy.present_writeback:
            return "on time; present writeback is off", None
        present_id = None
        if policy.present_code:
            present_id = codes.present.get(policy.present_code)
            if present_id is None:
                notes.append(f"present code {policy.present_code} is not an iSAMS code; iSAMS's own mark used")
        return "on time: present", Mark(True, False, present_code_id=present_id, comment=comment)
    threshold = _threshold(session, period, policy)
    if threshold is not None and event.at > threshold:
        absence_id = codes.absence.get(policy.unauthorised_code)
        if absence_id is not None:
            return (f"late {minutes} min, after the {session} threshold: {policy.unauthorised_code}",
                    Mark(False, True, minutes, absence_code_id=absence_id, comment=comment))
        notes.append(f"unauthorised code {policy.unauthorised_code} is not an iSAMS code; written as late")
    return f"late {minutes} min: present, late", Mark(True, True, minutes, comment=comment)


def _lessons(event: Event, day: Day, registers: Mapping[int, Register], policy: Policy,
             codes: CodeBook) -> list[Decision]:
    out = []
    for lesson in day.lessons:
        register = registers.get(lesson.id)
        running = lesson.start <= event.at < lesson.finish
        finished = lesson.finish <= event.at
        if register is None or not (running or (finished and policy.mark_missed_lessons)):
            continue
        if register.is_registered:
            out.append(Decision(lesson, f"lesson {lesson.label} already registered"))
            continue
        if (why := protection(register, "lesson", policy, codes)) is not None:
            out.append(Decision(lesson, why))
            continue
        if running:
            late = minutes_after(event.at, lesson.time)
            rule = f"lesson {lesson.label} running: present" + (f", late {late} min" if late else "")
            out.append(Decision(lesson, rule, Mark(True, late is not None, late)))
        else:
            absence_id = codes.absence.get(policy.lesson_absence_code)
            if absence_id is None:
                out.append(Decision(lesson, f"missed lesson: code {policy.lesson_absence_code} is not an iSAMS code"))
            else:
                out.append(Decision(lesson, f"missed lesson {lesson.label}: {policy.lesson_absence_code}",
                                    Mark(False, False, absence_code_id=absence_id)))
    return out


def _early_leave(event: Event, day: Day, session: str, registers: Mapping[int, Register], policy: Policy,
                 codes: CodeBook) -> list[Decision]:
    code, comment = parse_reason(event.reason)
    out = []
    for name in ("AM", "PM"):
        period = _session_register(day, name)
        register = registers.get(period.id) if period is not None else None
        if period is None or register is None:
            continue
        if name == session:
            why = protection(register, name, policy, codes, allow_present=True)
            if why is not None:
                out.append(Decision(period, why))
            elif register.is_registered and register.is_present:
                mark = Mark(True, register.is_late, register.minutes_late or None, register.present_code_id,
                            comment=comment or register.comment, leaving_at=event.at)
                out.append(Decision(period, "early leaver: leaving time added, present mark kept", mark))
            else:
                out.append(Decision(period, "early leaver: register not marked present; left alone"))
        elif period.start > event.at:
            if register.is_registered:
                out.append(Decision(period, f"early leaver: {name} register already taken"))
                continue
            if (why := protection(register, name, policy, codes)) is not None:
                out.append(Decision(period, why))
                continue
            use = code if code is not None and codes.lookup(code) else policy.leaver_code
            if use is None:
                out.append(Decision(period, f"early leaver: no leaver code; {name} left for the teacher"))
                continue
            found = codes.lookup(use)
            if found is None:
                out.append(Decision(period, f"early leaver: code {use} is not an iSAMS code"))
                continue
            mark = _coded_mark(found, comment)
            out.append(Decision(period, f"early leaver: {name} marked {use}",
                                Mark(mark.is_present, False, None, mark.present_code_id, mark.absence_code_id,
                                     comment, event.at)))
    return out


def decide(event: Event, day: Day, registers: Mapping[int, Register], policy: Policy,
           codes: CodeBook) -> tuple[list[Decision], list[str]]:
    """Decisions per register for one event, plus notes for the admin view (unknown codes etc.)."""
    notes: list[str] = []
    session = session_of(event.at, day, policy.pm_starts_at, policy.tz)
    if event.direction == "out":
        if not is_early_leave(event.at, policy):
            return [Decision(None, "sign-out after the end of the school day: nothing to write")], notes
        return _early_leave(event, day, session, registers, policy, codes), notes
    period = _session_register(day, session)
    if period is None:
        return [Decision(None, f"no {session} register today")], notes
    decisions = []
    register = registers.get(period.id, Register(period.id))
    why = protection(register, session, policy, codes)
    if why is not None:
        decisions.append(Decision(period, why))
    else:
        rule, mark = _sign_in(event, session, period, policy, codes, notes)
        if mark is not None and _unchanged(mark, register):
            decisions.append(Decision(period, f"{rule}; register already says so"))
        else:
            decisions.append(Decision(period, rule, mark))
    if event.first_of_day and policy.lesson_attendance:
        decisions += _lessons(event, day, registers, policy, codes)
    return decisions, notes


def decide_absence(day: Day, register: Register | None, now: datetime, absence_code: str,
                   codes: CodeBook) -> Decision:
    """Automatic absence marking for a student with no sign-in today (§6)."""
    main = day.am
    if main is None:
        return Decision(None, "no main register today")
    if now <= main.finish:
        return Decision(main, f"main register {main.label} not finished yet")
    if register is None:
        return Decision(main, "register not readable")
    if register.out_of_school or register.future_absence:
        return Decision(main, protection(register, "AM", Policy(tz=ZoneInfo("UTC")), codes) or "protected")
    if register.is_registered:
        return Decision(main, "register already taken")
    absence_id = codes.absence.get(absence_code)
    if absence_id is None:
        return Decision(main, f"absence code {absence_code} is not an iSAMS code (run codes-sync)")
    return Decision(main, f"not signed in after {main.label} closed: {absence_code}",
                    Mark(False, False, absence_code_id=absence_id))
