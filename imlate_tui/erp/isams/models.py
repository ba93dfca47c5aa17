"""Typed, read-only views of the iSAMS JSON the product uses (isams-api.md §2).

Field names are snake_case here and camelCase on the wire. Unknown fields are ignored, so a
new iSAMS field never breaks a sync. Datetimes are always aware: offset-less values are read in
the time zone passed as validation context ``{"timezone": ZoneInfo(...)}`` (the client does this).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, ValidationInfo,
                      field_validator)
from pydantic.alias_generators import to_camel

from .timeparse import format_isams_datetime, parse_isams_date, parse_isams_datetime


def _zone(info: ValidationInfo) -> ZoneInfo:
    zone = (info.context or {}).get("timezone")
    if zone is None:
        raise ValueError("no school time zone given to read an iSAMS datetime")
    return zone


def _to_datetime(value: Any, info: ValidationInfo) -> Any:
    if isinstance(value, str) and value.strip():
        return parse_isams_datetime(value, _zone(info))
    if isinstance(value, str):  # iSAMS sometimes sends "" for "no value" (UNVERIFIED)
        return None
    return value


def _to_date(value: Any, info: ValidationInfo) -> Any:
    if isinstance(value, str) and value.strip():
        return parse_isams_date(value, _zone(info))
    if isinstance(value, str):
        return None
    return value


IsamsDateTime = Annotated[datetime, BeforeValidator(_to_datetime)]
OptionalDateTime = Annotated[datetime | None, BeforeValidator(_to_datetime)]
OptionalDate = Annotated[date | None, BeforeValidator(_to_date)]


class IsamsModel(BaseModel):
    model_config = ConfigDict(frozen=True, alias_generator=to_camel, validate_by_name=True,
                              validate_by_alias=True, extra="ignore")


class Student(IsamsModel):
    """One pupil on the roll (``GET /api/students``). ``id`` is the stable key; ``school_id`` goes in paths."""

    id: int
    school_id: str
    forename: str | None = None
    surname: str | None = None
    preferred_name: str | None = None
    middlenames: str | None = None
    full_name: str | None = None
    initials: str | None = None
    title: str | None = None
    gender: str | None = None
    dob: OptionalDate = None
    year_group: int | None = None
    form_group: str | None = None
    academic_house: str | None = None
    boarding_house: str | None = None
    boarding_status: str | None = None
    school_email_address: str | None = None
    enrolment_date: OptionalDate = None
    leaving_date: OptionalDateTime = None
    latest_photo_id: int | None = None
    tutor_employee_id: int | None = None
    system_status: str | None = None
    last_updated: OptionalDateTime = None

    @field_validator("school_id", mode="before")
    @classmethod
    def _school_id_as_text(cls, value: Any) -> Any:
        # Some tenants may send the schoolId as a number; it is a key, so keep its digits as text.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class StudentRoll(BaseModel):
    """The result of walking every page of ``/api/students``.

    ``consistent`` is False when the roll changed under us on every attempt (``totalCount``
    drifted or the unique count did not match it): a sync should then not deactivate students
    that are merely missing from this walk.
    """

    model_config = ConfigDict(frozen=True)

    students: tuple[Student, ...]
    total_count: int
    duplicates: int = 0
    skipped_records: int = 0
    consistent: bool = True


class Employee(IsamsModel):
    """One member of staff (``GET /api/humanresources/employees``); ``id`` is the stable key.

    Only ``id``, ``forename`` and ``surname`` are confirmed by public client code (isams-php requires the
    two names on create); the other names follow the student fields and are UNVERIFIED (docs/isams.md).
    """

    id: int
    forename: str | None = None
    surname: str | None = None
    preferred_name: str | None = None
    title: str | None = None
    school_email_address: str | None = None
    leaving_date: OptionalDateTime = None


class StaffRoll(BaseModel):
    """The result of walking every page of ``/api/humanresources/employees`` (see ``StudentRoll``)."""

    model_config = ConfigDict(frozen=True)

    employees: tuple[Employee, ...]
    total_count: int
    duplicates: int = 0
    skipped_records: int = 0
    consistent: bool = True


class StudentPhoto(BaseModel):
    model_config = ConfigDict(frozen=True)

    content: bytes
    content_type: str


class YearGroup(IsamsModel):
    """A year group; iSAMS keys it by its National Curriculum year (``nc_year``, e.g. 7)."""

    nc_year: int
    name: str | None = None
    code: str | None = None
    tutor_id: int | None = None
    last_updated: OptionalDateTime = None


class Division(IsamsModel):
    """A division (e.g. Lower School); registration periods are defined per division."""

    id: int
    code: str | None = None
    name: str | None = None
    order: int | None = None
    last_updated: OptionalDateTime = None


class RegistrationPeriod(IsamsModel):
    """One register on one date: its id is valid for that date only."""

    id: int
    friendly_name: str | None = None
    registration_type: str | None = None
    registration_rule_id: int | None = None
    start: IsamsDateTime
    time: IsamsDateTime
    finish: IsamsDateTime
    number_of_students: int | None = None
    divisions: tuple[Division, ...] = ()


class RegistrationStatus(IsamsModel):
    """One student's mark in one register (``isRegistered`` is an int: 0 = not yet taken)."""

    school_id: str
    registration_period_id: int
    is_registered: int = 0
    is_present: bool = False
    is_late: bool = False
    number_of_minutes_late: int | None = None
    present_code_id: int | None = None
    absence_code_id: int | None = None
    registration_comment: str | None = None
    leaving_or_left_date_time: OptionalDateTime = None
    is_out_of_school: bool = False
    is_future_absence: bool = False
    alert_sent: bool = False
    parent_notification_sent: bool = False


class AbsenceCode(IsamsModel):
    id: int
    code: str
    name: str | None = None
    description: str | None = None
    display_order: int | None = None
    government_code: str | None = None
    government_code_name: str | None = None
    is_oos_active: bool = Field(default=False, alias="isOOSActive")


class PresentCode(IsamsModel):
    id: int
    code: str
    name: str | None = None
    display_order: int | None = None
    is_ooc_active: bool = Field(default=False, alias="isOOCActive")  # iSAMS spells it OOC here
    show_on_register: bool = True


class RegistrationUpdate(BaseModel):
    """The body of ``PUT /api/registration/register/{periodId}/students/{schoolId}``.

    ``is_present`` and ``is_late`` are always sent; every other field is sent only when it is
    not None (imlate's working recipe omits empty fields, isams-api.md §2.6). It is the full
    desired state of the row, which is what makes a repeated PUT safe.
    """

    model_config = ConfigDict(frozen=True)

    is_present: bool
    is_late: bool
    number_of_minutes_late: int | None = Field(default=None, ge=0)
    present_code_id: int | None = None
    absence_code_id: int | None = None
    registration_comment: str | None = None
    leaving_or_left_date_time: datetime | None = None

    @field_validator("leaving_or_left_date_time")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("leaving_or_left_date_time needs a time zone")
        return value

    def to_body(self, timezone: ZoneInfo) -> dict[str, Any]:
        """The JSON object iSAMS expects, datetimes in the school's zone with their offset."""
        body: dict[str, Any] = {"isPresent": self.is_present, "isLate": self.is_late}
        for name, value in self:
            if name in ("is_present", "is_late") or value is None:
                continue
            if isinstance(value, datetime):
                value = format_isams_datetime(value, timezone)
            body[to_camel(name)] = value
        return body


def describe_validation_error(exc: ValidationError) -> str:
    """Where and what was wrong, never the offending value (it may be a child's name)."""
    first = exc.errors(include_input=False, include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "the body"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"
