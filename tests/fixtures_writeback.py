"""A school day against the simulator: synced students, a scan service with the outbox, a writer."""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from conftest import fresh_database, make_settings
from fixtures_isams import RecordedSleep
from imlate_tui.db import people
from imlate_tui.db.connection import close_database
from imlate_tui.db.models import Person
from imlate_tui.demo.isams_sim import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from imlate_tui.erp.isams import IsamsClient
from imlate_tui.erp.isams.mis import IsamsMis
from imlate_tui.jobs.context import JobContext
from imlate_tui.services.codes_sync import sync_codes
from imlate_tui.services.mis_factory import stored_codes
from imlate_tui.services.scanning import scan_service_for
from imlate_tui.services.student_sync import sync_students
from imlate_tui.services.writeback import Writer

__all__ = ["SchoolDay", "school_day"]
LONDON = ZoneInfo("Europe/London")


class SchoolDay:
    def __init__(self, state, base_url, folder, day: date, **overrides) -> None:
        self.state, self.day = state, day
        self.writers: list[Writer] = []
        erp = {"enabled": True, "isams": {"base_url": base_url, "client_id": DEMO_CLIENT_ID,
                                           "client_secret": DEMO_CLIENT_SECRET}, **overrides.pop("erp", {})}
        self.settings = make_settings(folder, erp=erp, **overrides)
        self.now = self.local("07:00")
        fresh_database(self.settings)
        self.set_time("07:00")
        ctx = JobContext(self.settings, clock=self.clock, client_factory=self.client)
        sync_codes(ctx)
        sync_students(ctx)
        ctx.close()
        self.scans = scan_service_for(self.settings, self.clock)

    def local(self, hhmm: str) -> datetime:
        return datetime.combine(self.day, time.fromisoformat(hhmm), tzinfo=LONDON).astimezone(timezone.utc)

    def clock(self) -> datetime:
        return self.now

    def set_time(self, hhmm: str) -> None:
        self.now = self.local(hhmm)
        self.state.set_now(self.now)

    def client(self, settings=None, retries: int = 1, **options) -> IsamsMis:
        """iSAMS behind the MIS seam, never really sleeping; one retry by default so failure tests stay quick."""
        isams = self.settings.erp.isams
        options.setdefault("sleep", RecordedSleep())
        return IsamsMis(IsamsClient(isams.base_url, isams.client_id, isams.client_secret.get_secret_value(),
                                    timezone=self.settings.erp_tz, max_retries=retries, **options), stored_codes)

    def writer(self, **kw) -> Writer:
        """A writer keeps its MIS connection for life (as the kiosk's does): closed with the school day."""
        self.writers.append(Writer(self.settings, self.client, self.clock, **kw))
        return self.writers[-1]

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

    def close(self) -> None:
        for writer in self.writers:
            writer.close()
        close_database()


@pytest.fixture
def school_day(isams_state, isams_server, tmp_path):
    """school_day(day=date(...), **settings overrides) -> SchoolDay"""
    made = []

    def make(day: date = date(2025, 9, 8), **overrides) -> SchoolDay:
        made.append(SchoolDay(isams_state, isams_server.base_url, tmp_path, day, **overrides))
        return made[-1]
    yield make
    for school in made:
        school.close()
