"""A school day against the simulator: synced students, a scan service with the outbox, a writer."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from mis_day import MisDay, days_of
from fixtures_isams import RecordedSleep
from imlate_tui.db import people
from imlate_tui.db.models import Person
from imlate_tui.demo.isams_sim import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from imlate_tui.erp.isams import IsamsClient
from imlate_tui.erp.isams.mis import IsamsMis
from imlate_tui.services.mis_factory import stored_codes

__all__ = ["SchoolDay", "school_day"]


class SchoolDay(MisDay):
    def __init__(self, state, base_url, folder, day: date, **overrides) -> None:
        erp = {"enabled": True, "isams": {"base_url": base_url, "client_id": DEMO_CLIENT_ID,
                                           "client_secret": DEMO_CLIENT_SECRET}, **overrides.pop("erp", {})}
        super().__init__(state, folder, day, erp, **overrides)

    def set_simulator_time(self, now: datetime) -> None:
        self.state.set_now(now)

    def client(self, settings=None, retries: int = 1, **options) -> IsamsMis:
        """iSAMS behind the MIS seam, never really sleeping; one retry by default so failure tests stay quick."""
        isams = self.settings.erp.isams
        options.setdefault("sleep", RecordedSleep())
        return IsamsMis(IsamsClient(isams.base_url, isams.client_id, isams.client_secret.get_secret_value(),
                                    timezone=self.settings.erp_tz, max_retries=retries, **options), stored_codes)

    def student(self, division: int = 3, skip: int = 0) -> str:
        """A student of that division whose AM and PM rows are plain (no office leave)."""
        periods = {p["friendlyName"]: p["id"] for p in self.state.today_periods(division)}
        found = 0
        for s in self.state.students:
            if {7: 3, 8: 3, 9: 3, 10: 4, 11: 4, 12: 6, 13: 6}[s["yearGroup"]] != division:
                continue
            rows = [self.state.register_row(periods[n], s["schoolId"]) for n in ("AM", "PM")]
            if all(r and not r["isOutOfSchool"] and not r["isFutureAbsence"] for r in rows):
                if found == skip:
                    person = Person.get(Person.school_id == s["schoolId"])
                    people.assign_card(person, f"CARD-{s['schoolId']}", self.now)
                    return s["schoolId"]
                found += 1
        raise LookupError("no plain student")

    def period_id(self, name: str, division: int = 3) -> int:
        return next(p["id"] for p in self.state.today_periods(division) if p["friendlyName"] == name)

    def scan(self, school_id: str, hhmm: str):
        self.set_time(hhmm)
        return self.scans.scan(f"CARD-{school_id}", source="scanner")

    def writes(self, school_id: str) -> list:
        names = {p["id"]: p["friendlyName"] for d in (3, 4, 6) for p in self.state.today_periods(d)}
        return [(names.get(w.period_id, w.period_id), w.body) for w in self.state.writes if w.school_id == school_id]

@pytest.fixture
def school_day(isams_state, isams_server, tmp_path):
    """school_day(day=date(...), **settings overrides) -> SchoolDay"""
    yield from days_of(lambda day, **overrides: SchoolDay(isams_state, isams_server.base_url, tmp_path, day,
                                                          **overrides))
