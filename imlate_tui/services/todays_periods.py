"""The day's registration periods as the scan needs them: read once per day per division.

Every student sign-in needs the student's registers (lateness), but the periods only change when
codes-sync (or the writer) stores a day's periods again. So a copy is kept per division for the day,
and dropped when the day changes or when the store changed: this process's own stores bump
`registration.stores_so_far()`, and any process's store changes `scan_path.PERIODS_MARKER` (the count
and the latest fetch time of the day's `period_fetch` rows), one indexed read per sign-in instead of
two queries per division.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from imlate_tui.db import registration, scan_path
from imlate_tui.db.models import Person
from imlate_tui.domain.lateness import Day, Period
from imlate_tui.services.registers import day_from, period_of

if TYPE_CHECKING:
    from imlate_tui.config import Settings


class TodaysPeriods:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._seen: tuple | None = None
        self._divisions: dict[int, tuple[Period, ...] | None] = {}
        self._days: dict[str, Day | None] = {}
        self.reads = 0
        """Division reads so far (one per division per day while nothing changes)."""

    def day_of(self, person: Person, day: date) -> Day | None:
        """The student's periods that day from the cache, or None when they are not known."""
        if not person.division_ids:
            return None
        seen = (day, registration.stores_so_far(), scan_path.periods_marker(day))
        if seen != self._seen:
            self._seen, self._divisions, self._days = seen, {}, {}
        if person.division_ids not in self._days:
            self._days[person.division_ids] = self._build(person.divisions, day)
        return self._days[person.division_ids]

    def _build(self, divisions: list[int], day: date) -> Day | None:
        for division_id in divisions:
            if division_id not in self._divisions:
                rows = registration.periods_on(day, division_id)
                self.reads += 1
                self._divisions[division_id] = None if rows is None else tuple(period_of(r) for r in rows)
        per_division = [self._divisions[d] for d in divisions]
        if any(periods is None for periods in per_division):
            return None
        return day_from(per_division, self.settings)
