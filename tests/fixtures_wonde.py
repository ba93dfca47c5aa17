"""A school day through Wonde: the Wonde simulator on 127.0.0.1, synced students, scans, a writer."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from mis_day import MisDay, days_of
from imlate_tui.db import people
from imlate_tui.db.models import Person
from imlate_tui.demo.wonde_sim import DEMO_SCHOOL_ID, DEMO_WONDE_TOKEN, WondeConfig, WondeSimulator, WondeState
from imlate_tui.services.mis_factory import connect_mis

__all__ = ["WondeDay", "wonde_day", "wonde_state", "wonde_server"]
# The iSAMS simulator's times (AM 08:25–09:00, PM 13:25–14:00), so the scenarios read the same.
SESSIONS = {"AM": {"starts_at": "08:25", "closes_at": "09:00"}, "PM": {"starts_at": "13:25", "closes_at": "14:00"}}


@pytest.fixture
def wonde_state() -> WondeState:
    return WondeState(WondeConfig(now=datetime(2025, 9, 8, 6, 0, tzinfo=timezone.utc)))


@pytest.fixture
def wonde_server(wonde_state):
    with WondeSimulator(wonde_state) as server:
        yield server


class WondeDay(MisDay):
    def __init__(self, state: WondeState, base_url: str, folder, day: date, **overrides) -> None:
        erp = {"enabled": True, "provider": "wonde",
               "wonde": {"base_url": base_url, "school_id": DEMO_SCHOOL_ID, "token": DEMO_WONDE_TOKEN},
               **overrides.pop("erp", {})}
        attendance = overrides.pop("attendance", {})
        sessions = {name: {**SESSIONS[name], **attendance.get("sessions", {}).get(name, {})} for name in SESSIONS}
        attendance = {"lesson_attendance": False, **attendance, "sessions": sessions}
        super().__init__(state, folder, day, erp, attendance=attendance, **overrides)

    def set_simulator_time(self, now: datetime) -> None:
        self.state.clock.set_now(now)

    def client(self, settings=None, retries: int = 1, **options):
        """Wonde behind the MIS seam, built as the product builds it, never really sleeping."""
        options.setdefault("sleep", lambda seconds: None)
        return connect_mis(self.settings, "writeback", self.clock, max_retries=retries, **options)

    def student(self, skip: int = 0) -> str:
        """A student's MIS id (ImLate's school id), with a card."""
        source = self.state.students[skip]
        person = Person.get(Person.school_id == source["mis_id"])
        people.assign_card(person, f"CARD-{source['mis_id']}", self.now)
        return source["mis_id"]

    def wonde_id(self, school_id: str) -> str:
        return next(s["id"] for s in self.state.students if s["mis_id"] == school_id)

    def scan(self, school_id: str, hhmm: str):
        self.set_time(hhmm)
        return self.scans.scan(f"CARD-{school_id}", source="scanner")

    def writes(self, school_id: str) -> list[tuple[str, dict]]:
        """What the MIS applied for this student: (session, fields with the code as a letter)."""
        wonde_id = self.wonde_id(school_id)
        out = []
        for record in self.state.applied:
            if record["student_id"] != wonde_id:
                continue
            fields = {k: v for k, v in record.items() if k in ("minutes_late", "comment")}
            fields["code"] = self.state.code(record["attendance_code_id"])["code"]
            out.append((record.get("session") or record.get("lesson_id"), fields))
        return out

@pytest.fixture
def wonde_day(wonde_state, wonde_server, tmp_path):
    """wonde_day(day=date(...), **settings overrides) -> WondeDay"""
    yield from days_of(lambda day, **overrides: WondeDay(wonde_state, wonde_server.base_url, tmp_path, day,
                                                         **overrides))
