"""`imlate report range --from --to`: one row per person per school-local day they were seen.

Decisions:

- A person with no track on a day has no row that day (the daily report lists who did not come).
  Everyone is included — students, staff, visitors, and people since deactivated (history stays).
- **Minutes on site** are the sum of the day's closed IN→OUT intervals, measured between the stored
  UTC instants, so a clock-change day counts real elapsed time (a 00:30→03:30 stay on the spring-forward
  night is 120 minutes, not 180). The total is rounded down to whole minutes.
- A sign-in with no sign-out after it that day (forgot to sign out, or still here) adds nothing to
  the minutes, and `still_signed_in` says `yes`. **last_out** is the day's last sign-out, blank when
  there was none. We do not invent a leaving time (the end of the school day would be a guess that
  looks like data).
- A sign-out with no sign-in before it (cannot happen with the alternation rule, but imported data may
  have it) closes nothing and adds nothing; it still counts as the day's last out.
- `first_in` / `last_out` are school-local times in ISO 8601 with their UTC offset; `date` is the
  school-local day as an ISO date. The CSV has a header row.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby
from typing import Iterable, Iterator
from zoneinfo import ZoneInfo

from imlate_tui.db import reporting
from imlate_tui.db.models import Person, Track
from imlate_tui.errors import InvalidInput
from imlate_tui.services import csv_cells

CSV_COLUMNS = ["date", "school_id", "name", "kind", "year_group", "form_group", "first_in", "last_out",
               "minutes_on_site", "sign_ins", "still_signed_in"]


@dataclass(frozen=True)
class PersonDay:
    day: date
    person: Person
    first_in: datetime | None
    last_out: datetime | None
    minutes_on_site: int
    sign_ins: int
    still_signed_in: bool
    """The day's last track is a sign-in: that stay has no end and is not counted."""


def summarise_day(day: date, person: Person, tracks: Iterable[Track]) -> PersonDay:
    """One person's day from their tracks in time order."""
    first_in = last_out = opened = None
    seconds = 0.0
    sign_ins = 0
    for t in tracks:
        if t.direction == "in":
            sign_ins += 1
            first_in = first_in or t.at
            opened = opened or t.at   # a second IN without an OUT between keeps the earlier start
        else:
            last_out = t.at
            if opened is not None:
                seconds += (t.at - opened).total_seconds()
                opened = None
    return PersonDay(day, person, first_in, last_out, int(seconds // 60), sign_ins, opened is not None)


def person_days(first: date, last: date) -> Iterator[PersonDay]:
    """Rows by day, then surname; checked at once (not on first iteration) so a bad range fails early."""
    if last < first:
        raise InvalidInput(f"--to {last.isoformat()} is before --from {first.isoformat()}")
    return _summaries(reporting.tracks_between(first, last))


def _summaries(rows: Iterator[Track]) -> Iterator[PersonDay]:
    for (day, _person_id), tracks in groupby(rows, key=lambda t: (t.local_date, t.person_id)):
        tracks = list(tracks)
        yield summarise_day(day, tracks[0].person, tracks)


def range_csv(rows: Iterable[PersonDay], tz: ZoneInfo) -> str:
    buf = io.StringIO()
    writer = csv_cells.writer(buf)
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        p = r.person
        writer.writerow([r.day.isoformat(), p.school_id or "", p.display_name, p.kind,
                         "" if p.year_group is None else p.year_group, p.form_group or "",
                         r.first_in.astimezone(tz).isoformat() if r.first_in else "",
                         r.last_out.astimezone(tz).isoformat() if r.last_out else "",
                         r.minutes_on_site, r.sign_ins, "yes" if r.still_signed_in else "no"])
    return buf.getvalue()


def range_text(rows: Iterable[PersonDay], tz: ZoneInfo) -> str:
    lines = [f"{'Date':<10} {'Name':<28} {'Kind':<8} {'First in':>8} {'Last out':>8} {'Minutes':>7}"]
    for r in rows:
        first = r.first_in.astimezone(tz).strftime("%H:%M") if r.first_in else ""
        last = r.last_out.astimezone(tz).strftime("%H:%M") if r.last_out else ""
        note = "  (still signed in)" if r.still_signed_in else ""
        lines.append(f"{r.day.isoformat():<10} {r.person.display_name[:28]:<28} {r.person.kind:<8} "
                     f"{first:>8} {last:>8} {r.minutes_on_site:>7}{note}")
    return "\n".join(lines)
