"""``IsamsMis``: iSAMS behind the provider-neutral ``Mis`` seam (``imlate_tui.erp.mis``).

A thin adapter over ``IsamsClient``: iSAMS models become the seam's data classes, and code letters
become iSAMS code ids (and back) through the stored code dictionary codes-sync keeps. iSAMS takes
everything ImLate writes (session and lesson registers, comments, minutes late, leaving times), and its
register reads are live.
"""

from __future__ import annotations

import logging
from datetime import datetime

from imlate_tui.erp.mis import (AttendanceCode, CodeDictionary, MarkRead, MarkToWrite, MisCapabilities,
                                MisRejected, Photo, RegisterPeriod, Roll, RollEmployee, RollStudent,
                                WriteReceipt)

from .client import IsamsClient
from .models import Employee, RegistrationStatus, RegistrationUpdate, Student

log = logging.getLogger(__name__)

ISAMS_CAPABILITIES = MisCapabilities()   # iSAMS takes every kind of mark ImLate writes


def roll_student(s: Student) -> RollStudent:
    return RollStudent(mis_id=s.id, school_id=s.school_id, forename=s.forename, surname=s.surname,
                       preferred_name=s.preferred_name, full_name=s.full_name, year_group=s.year_group,
                       form_group=s.form_group, leaving_date=s.leaving_date, photo_version=s.latest_photo_id)


def roll_employee(e: Employee) -> RollEmployee:
    return RollEmployee(mis_id=e.id, forename=e.forename, surname=e.surname, preferred_name=e.preferred_name,
                        leaving_date=e.leaving_date, email=e.school_email_address)


class _Codes:
    """Code letter ↔ iSAMS id, from the stored dictionary; read again once when something is not in it."""

    def __init__(self, source: CodeDictionary) -> None:
        self._source = source
        self._by_id: dict[tuple[str, int], str] = {}
        self._by_code: dict[tuple[str, str], int] = {}
        self._loaded = False

    def _load(self) -> None:
        codes = self._source()
        self._by_id = {(c.kind, c.mis_id): c.code for c in codes}
        self._by_code = {(c.kind, c.code): c.mis_id for c in codes}
        self._loaded = True

    def code(self, kind: str, code_id: int | None) -> str | None:
        if code_id is None:
            return None
        if not self._loaded or (kind, code_id) not in self._by_id:
            self._load()
        return self._by_id.get((kind, code_id), f"#{code_id}")

    def id(self, kind: str, code: str | None) -> int | None:
        if code is None:
            return None
        if code.startswith("#") and code[1:].isdigit():
            return int(code[1:])   # an id read from iSAMS that the dictionary did not know: kept as it was
        if not self._loaded or (kind, code) not in self._by_code:
            self._load()
        found = self._by_code.get((kind, code))
        if found is None:
            raise MisRejected(f"{code} is not an iSAMS {kind} code (run codes-sync)")
        return found


class IsamsMis:
    """iSAMS as a ``Mis``. Owns its ``IsamsClient`` (one connection pool, one token until it expires)."""

    name = "iSAMS"
    capabilities = ISAMS_CAPABILITIES

    def __init__(self, client: IsamsClient, codes: CodeDictionary) -> None:
        self.client = client
        self._codes = _Codes(codes)

    def __enter__(self) -> IsamsMis:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    # -- the roll ----------------------------------------------------------------------------------

    def students(self, changed_since: datetime | None = None) -> Roll:
        """The whole roll every time: iSAMS's REST API has no delta read that ImLate relies on."""
        roll = self.client.list_students()
        return Roll(people=tuple(roll_student(s) for s in roll.students), total_count=roll.total_count,
                    duplicates=roll.duplicates, skipped_records=roll.skipped_records, consistent=roll.consistent)

    def staff(self) -> Roll:
        roll = self.client.list_employees()
        return Roll(people=tuple(roll_employee(e) for e in roll.employees), total_count=roll.total_count,
                    duplicates=roll.duplicates, skipped_records=roll.skipped_records, consistent=roll.consistent)

    def photo(self, school_id: str) -> Photo | None:
        found = self.client.get_current_photo(school_id)
        return None if found is None else Photo(found.content, found.content_type)

    # -- structure and codes -----------------------------------------------------------------------

    def year_groups(self) -> list[int]:
        return [yg.nc_year for yg in self.client.list_year_groups()]

    def divisions(self, nc_year: int) -> list[int]:
        return [d.id for d in self.client.list_divisions(nc_year)]

    def attendance_codes(self) -> list[AttendanceCode]:
        absence = [AttendanceCode("absence", c.code, c.id, c.name or "", c.government_code)
                   for c in self.client.list_absence_codes()]
        present = [AttendanceCode("present", c.code, c.id, c.name or "") for c in self.client.list_present_codes()]
        return absence + present

    # -- registers ---------------------------------------------------------------------------------

    def registers_today(self, division_id: int) -> list[RegisterPeriod]:
        return [RegisterPeriod(p.id, p.friendly_name, p.registration_type, p.start, p.time, p.finish)
                for p in self.client.list_registration_periods(division_id)]

    def read_mark(self, period_id: int, school_id: str) -> MarkRead:
        return self.mark_of(self.client.get_registration_status(period_id, school_id))

    def mark_of(self, status: RegistrationStatus) -> MarkRead:
        return MarkRead(
            period_id=status.registration_period_id, taken=status.is_registered > 0, present=status.is_present,
            late=status.is_late, minutes_late=status.number_of_minutes_late,
            present_code=self._codes.code("present", status.present_code_id),
            absence_code=self._codes.code("absence", status.absence_code_id),
            comment=status.registration_comment, leaving_at=status.leaving_or_left_date_time,
            out_of_school=status.is_out_of_school, future_absence=status.is_future_absence)

    def write_mark(self, period_id: int, school_id: str, mark: MarkToWrite) -> WriteReceipt:
        self.client.put_registration_status(period_id, school_id, self.update_of(mark))
        return WriteReceipt("applied")

    def update_of(self, mark: MarkToWrite) -> RegistrationUpdate:
        return RegistrationUpdate(is_present=mark.present, is_late=mark.late,
                                  number_of_minutes_late=mark.minutes_late,
                                  present_code_id=self._codes.id("present", mark.present_code),
                                  absence_code_id=self._codes.id("absence", mark.absence_code),
                                  registration_comment=mark.comment, leaving_or_left_date_time=mark.leaving_at)

    def writeback_outcome(self, reference: str) -> tuple[str, str | None]:
        return "applied", None   # iSAMS applies a write before it answers: nothing is ever queued

    def request_body(self, mark: MarkToWrite) -> dict:
        return self.update_of(mark).to_body(self.client.timezone)
