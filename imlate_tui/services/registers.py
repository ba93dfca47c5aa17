"""A student's registration day from the period cache, and translation between iSAMS and domain terms."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import TYPE_CHECKING, Iterable

from imlate_tui.config import Settings, parse_hhmm
from imlate_tui.db import registration
from imlate_tui.db.connection import write_transaction
from imlate_tui.db.models import Person, RegistrationPeriod
from imlate_tui.db.registration import PeriodRow
from imlate_tui.domain.attendance import CodeBook, Mark, Policy, Register
from imlate_tui.domain.lateness import Day, Period

if TYPE_CHECKING:
    from imlate_tui.erp.isams import IsamsClient, RegistrationStatus, RegistrationUpdate

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


def fetch_periods(client: "IsamsClient", division_id: int, day: date, settings: Settings,
                  now: datetime) -> list:
    """Today's periods of one division from iSAMS, stored for the day (iSAMS only gives today's)."""
    rows = [PeriodRow(p.id, p.friendly_name, p.registration_type, p.start, p.time, p.finish)
            for p in client.list_registration_periods(division_id)
            if p.start.astimezone(settings.tz).date() == day]
    with write_transaction():
        registration.store_periods(day, division_id, rows, now)
    return registration.periods_on(day, division_id) or []


def day_of(person: Person, day: date, settings: Settings, client: "IsamsClient | None" = None,
           now: datetime | None = None) -> Day | None:
    """The student's periods that day, or None when they are not known. With a client and `now`, a
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


def register_of(status: "RegistrationStatus") -> Register:
    return Register(status.registration_period_id, status.is_registered > 0, status.is_present, status.is_late,
                    status.number_of_minutes_late, status.present_code_id, status.absence_code_id,
                    status.registration_comment, status.leaving_or_left_date_time, status.is_out_of_school,
                    status.is_future_absence)


def update_of(mark: Mark) -> "RegistrationUpdate":
    from imlate_tui.erp.isams import RegistrationUpdate

    return RegistrationUpdate(is_present=mark.is_present, is_late=mark.is_late,
                              number_of_minutes_late=mark.minutes_late, present_code_id=mark.present_code_id,
                              absence_code_id=mark.absence_code_id, registration_comment=mark.comment,
                              leaving_or_left_date_time=mark.leaving_at)


def applied(mark_body: dict, register: Register) -> bool:
    """Does the register already show what an earlier, unrecorded PUT sent? (Restart after a crash.)"""
    return register.is_registered and (
        mark_body.get("isPresent") == register.is_present and mark_body.get("isLate") == register.is_late
        and mark_body.get("presentCodeId") == register.present_code_id
        and mark_body.get("absenceCodeId") == register.absence_code_id
        and (mark_body.get("numberOfMinutesLate") or 0) == (register.minutes_late or 0))
