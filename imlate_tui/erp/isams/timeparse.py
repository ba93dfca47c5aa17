"""Lenient reading and strict writing of iSAMS datetimes.

iSAMS REST timestamps are ISO-8601, usually with an offset; the Batch API and possibly some
REST fields send local times without one (isams-api.md §2.0, UNVERIFIED). An offset-less value
is read in the school's time zone (``erp.timezone``), never in the machine's.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def parse_isams_datetime(value: str, timezone: ZoneInfo) -> datetime:
    """An aware datetime from ``2025-09-08T08:30:00+01:00``, ``…Z``, ``…08:30:00.1234567`` or a bare date."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)  # 3.11 accepts 7-digit .NET fractions (truncated to 6)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone)
    return parsed


def parse_isams_date(value: str, timezone: ZoneInfo) -> date:
    """A calendar date from ``2012-03-04`` or a midnight datetime (offset or not), read in ``timezone``."""
    text = value.strip()
    if len(text) == 10:
        return date.fromisoformat(text)
    return parse_isams_datetime(text, timezone).astimezone(timezone).date()


def format_isams_datetime(value: datetime, timezone: ZoneInfo) -> str:
    """``2025-09-08T13:10:00+01:00``: an aware instant shown in the school's zone, with its offset."""
    if value.tzinfo is None:
        raise ValueError("refusing to send a datetime without a time zone to iSAMS")
    return value.astimezone(timezone).isoformat(timespec="seconds")
