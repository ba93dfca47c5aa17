"""A student's registration day from the period cache, and translation between the MIS seam and the domain.

The domain decides with code ids from the stored dictionary (``CodeBook``); the seam speaks code letters
(``MarkRead``/``MarkToWrite``). Periods that make no sense (finish before start, a time outside them)
are refused here, one by one with a logged reason, before they are stored: the rest of the day goes on.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Iterable

from imlate_tui.config_basics import parse_hhmm
from imlate_tui.db import registration
from imlate_tui.db.connection import write_transaction
from imlate_tui.db.models import Person, RegistrationPeriod
from imlate_tui.db.registration import PeriodRow
from imlate_tui.domain.attendance import CodeBook, Mark, Policy, Register
from imlate_tui.domain.lateness import Day, Period
from imlate_tui.erp.mis import MarkRead, MarkToWrite, Mis, MisCapabilities, RegisterPeriod

if TYPE_CHECKING:
    from imlate_tui.config import Settings

log = logging.getLogger(__name__)


def policy_of(settings: Settings) -> Policy:
    a = settings.attendance
    return Policy(
        tz=settings.tz, late_reference=a.late_reference, pm_starts_at=parse_hhmm(settings.erp.pm_starts_at),
        present_writeback=a.present_writeback, present_code=a.present_code,
        protected_codes=frozenset(a.protected_codes), overridable_codes=frozenset(a.overridable_codes),
        unauthorised_after={name: s.unauthorised_after for name, s in a.sessions.items()},
        unauthorised_code=a.unauthorised_code, leaver_code=a.leaver_code,
        school_day_ends=parse_hhmm(a.school_day_ends), lesson_attendance=a.lesson_attendance,
        mark_missed_lessons=a.mark_missed_lessons, lesson_absence_code=a.lesson_absence_code)


def code_book() -> CodeBook:
    return CodeBook(present={c.code: c.isams_id for c in registration.codes("present")},
                    absence={c.code: c.isams_id for c in registration.codes("absence")})


def usable_periods(periods: list[RegisterPeriod], division_id: int) -> list[RegisterPeriod]:
    """The periods that make sense; each refused one is logged with its reason (issue 13, item 7)."""
    usable = []
    for p in periods:
        why = None
        if p.finish < p.start:
            why = "finishes before it starts"
        elif not p.start <= p.time <= p.finish:
            why = "its register time is outside its start and finish"
        if why is None:
            usable.append(p)
        else:
            log.warning("register %s (%s) of division %s refused: %s (start %s, time %s, finish %s)",
                        p.id, p.name or p.register_type, division_id, why, p.start.isoformat(),
                        p.time.isoformat(), p.finish.isoformat())
    return usable


def todays_rows(mis: Mis, division_id: int, day: date, settings: Settings) -> list[PeriodRow]:
    """Today's usable periods of one division, as stored rows (only those really on ``day`` locally)."""
    return [PeriodRow(p.id, p.name, p.register_type, p.start, p.time, p.finish)
            for p in usable_periods(mis.registers_today(division_id), division_id)
            if p.start.astimezone(settings.tz).date() == day]


def fetch_periods(mis: Mis, division_id: int, day: date, settings: Settings, now: datetime) -> list:
    """Today's periods of one division from the MIS, stored for the day (iSAMS only gives today's)."""
    rows = todays_rows(mis, division_id, day, settings)
    with write_transaction():
        registration.store_periods(day, division_id, rows, now)
    return registration.periods_on(day, division_id) or []


def day_of(person: Person, day: date, settings: Settings, client: Mis | None = None,
           now: datetime | None = None) -> Day | None:
    """The student's periods that day, or None when they are not known. With a MIS and `now`, a
    division not yet cached for today is fetched (iSAMS answers only for today)."""
    per_division = []
    for division_id in person.divisions:
        cached = registration.periods_on(day, division_id)
        if cached is None:
            if client is None or now is None or now.astimezone(settings.tz).date() != day:
                return None
            cached = fetch_periods(client, division_id, day, settings, now)
        per_division.append([period_of(p) for p in cached])
    return day_from(per_division, settings) if person.divisions else None


def period_of(row: RegistrationPeriod) -> Period:
    return Period(row.isams_id, row.friendly_name, row.registration_type, row.start, row.time, row.finish)


def day_from(per_division: Iterable[Iterable[Period]], settings: Settings) -> Day:
    """A student's day from the periods of each of their divisions (a period shared by two counts once)."""
    periods = {p.id: p for division in per_division for p in division}
    return Day(tuple(sorted(periods.values(), key=lambda p: (p.start, p.id))),
               settings.erp.main_registration_period_type, settings.erp.pm_registration_period_type)


def _code_id(codes: dict[str, int], code: str | None) -> int | None:
    if code is None:
        return None
    if code.startswith("#") and code[1:].isdigit():
        return int(code[1:])
    # Not in this copy of the dictionary (codes-sync ran in between): an id no code has, so the domain
    # treats the register as protected ("not in the stored dictionary") rather than as empty.
    return codes.get(code, -1)


def register_of(read: MarkRead, codes: CodeBook) -> Register:
    """The domain's view of a register row read through the seam."""
    return Register(read.period_id, read.taken, read.present, read.late, read.minutes_late,
                    _code_id(dict(codes.present), read.present_code), _code_id(dict(codes.absence), read.absence_code),
                    read.comment, read.leaving_at, read.out_of_school, read.future_absence)


def _code_of(codes: dict[str, int], code_id: int | None) -> str | None:
    if code_id is None:
        return None
    return next((code for code, i in codes.items() if i == code_id), f"#{code_id}")


def mark_to_write(mark: Mark, codes: CodeBook) -> MarkToWrite:
    return MarkToWrite(present=mark.is_present, late=mark.is_late, minutes_late=mark.minutes_late,
                       present_code=_code_of(dict(codes.present), mark.present_code_id),
                       absence_code=_code_of(dict(codes.absence), mark.absence_code_id),
                       comment=mark.comment, leaving_at=mark.leaving_at)


def fit_to(mark: MarkToWrite, caps: MisCapabilities, mis_name: str, *, lesson: bool,
           leaver_code: bool) -> tuple[MarkToWrite | None, list[str]]:
    """The mark cut down to what this MIS can take, and a note for each thing left out (§5, "what can this
    MIS take"). None when the MIS cannot take this kind of mark at all."""
    if lesson and not caps.lesson_writeback:
        return None, [f"{mis_name}: lesson registers are not written back"]
    if not lesson and not caps.session_marks:
        return None, [f"{mis_name}: session marks are not written back"]
    if leaver_code and not caps.early_leaver_codes:
        return None, [f"{mis_name}: early-leaver codes are not written back"]
    notes = []
    if mark.comment and not caps.comments:
        mark, notes = replace(mark, comment=None), notes + [f"{mis_name}: comments are not written back"]
    if mark.minutes_late and not caps.minutes_late:
        mark, notes = replace(mark, minutes_late=None), notes + [f"{mis_name}: minutes late are not written back"]
    if mark.leaving_at is not None and not caps.leaving_time:
        mark, notes = replace(mark, leaving_at=None), notes + [f"{mis_name}: leaving times are not written back"]
    return mark, notes


def mark_json(mark: MarkToWrite) -> str:
    return json.dumps(asdict(mark), default=str, sort_keys=True)


def applied(sent_json: str | None, read: MarkRead) -> bool:
    """Does the register already show what an earlier, unrecorded write sent? (Restart after a crash.)"""
    if not sent_json:
        return False
    sent = json.loads(sent_json)
    return read.taken and (
        sent.get("present") == read.present and sent.get("late") == read.late
        and sent.get("present_code") == read.present_code and sent.get("absence_code") == read.absence_code
        and (sent.get("minutes_late") or 0) == (read.minutes_late or 0))
