"""Stored iSAMS registration data: code dictionaries, year-group divisions, today's periods."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from imlate_tui.db.models import PeriodFetch, RegistrationCode, RegistrationPeriod, YearGroupDivisions


@dataclass(frozen=True)
class CodeRow:
    isams_id: int
    code: str
    name: str
    government_code: str | None = None


def replace_codes(kind: str, rows: list[CodeRow], now: datetime) -> None:
    """Swap in a complete, freshly fetched dictionary (the caller holds a write transaction)."""
    RegistrationCode.delete().where(RegistrationCode.kind == kind).execute()
    RegistrationCode.insert_many([
        {"kind": kind, "isams_id": r.isams_id, "code": r.code, "name": r.name,
         "government_code": r.government_code, "synced_at": now} for r in rows]).execute() if rows else None


def codes(kind: str) -> list[RegistrationCode]:
    return list(RegistrationCode.select().where(RegistrationCode.kind == kind).order_by(RegistrationCode.code))


def code_id(kind: str, code: str) -> int | None:
    row = RegistrationCode.get_or_none((RegistrationCode.kind == kind) & (RegistrationCode.code == code))
    return row.isams_id if row else None


def division_map() -> dict[int, list[int]]:
    return {row.nc_year: row.ids for row in YearGroupDivisions.select()}


def store_divisions(nc_year: int, division_ids: list[int], now: datetime) -> None:
    ids = ",".join(str(d) for d in sorted(set(division_ids)))
    (YearGroupDivisions.insert(nc_year=nc_year, division_ids=ids, fetched_at=now)
     .on_conflict(conflict_target=[YearGroupDivisions.nc_year],
                  update={YearGroupDivisions.division_ids: ids, YearGroupDivisions.fetched_at: now})
     .execute())


@dataclass(frozen=True)
class PeriodRow:
    isams_id: int
    friendly_name: str | None
    registration_type: str | None
    start: datetime
    time: datetime
    finish: datetime


_stored = 0


def stores_so_far() -> int:
    """How many times this process stored periods: a copy taken before a change here is stale after it
    (other processes' stores show in `scan_path.PERIODS_MARKER`)."""
    return _stored


def store_periods(day: date, division_id: int, rows: list[PeriodRow], now: datetime) -> None:
    """Replace the day's periods of one division (the caller holds a write transaction)."""
    global _stored
    _stored += 1
    RegistrationPeriod.delete().where((RegistrationPeriod.local_date == day)
                                      & (RegistrationPeriod.division_id == division_id)).execute()
    if rows:
        RegistrationPeriod.insert_many([
            {"local_date": day, "division_id": division_id, "isams_id": r.isams_id,
             "friendly_name": r.friendly_name, "registration_type": r.registration_type,
             "start": r.start, "time": r.time, "finish": r.finish} for r in rows]).execute()
    (PeriodFetch.insert(local_date=day, division_id=division_id, fetched_at=now)
     .on_conflict(conflict_target=[PeriodFetch.local_date, PeriodFetch.division_id],
                  update={PeriodFetch.fetched_at: now}).execute())


def periods_on(day: date, division_id: int) -> list[RegistrationPeriod] | None:
    """The division's periods for the day, or None when they were never fetched for that day."""
    fetched = PeriodFetch.get_or_none((PeriodFetch.local_date == day) & (PeriodFetch.division_id == division_id))
    if fetched is None:
        return None
    return list(RegistrationPeriod.select()
                .where((RegistrationPeriod.local_date == day) & (RegistrationPeriod.division_id == division_id))
                .order_by(RegistrationPeriod.start, RegistrationPeriod.isams_id))
