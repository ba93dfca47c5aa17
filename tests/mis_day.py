"""What a test's school day against a MIS simulator has, whichever the road (iSAMS or Wonde): settings
pointing at the simulator, a fresh database synced from it at 07:00, a clock set by hand (the
simulator's too), scans, and writers that keep their MIS connection until the day is closed."""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import Callable
from zoneinfo import ZoneInfo

from conftest import fresh_database, make_settings
from imlate_tui.db.connection import close_database
from imlate_tui.jobs.context import JobContext
from imlate_tui.services.codes_sync import sync_codes
from imlate_tui.services.scanning import scan_service_for
from imlate_tui.services.student_sync import sync_students
from imlate_tui.services.writeback import Writer

LONDON = ZoneInfo("Europe/London")


class MisDay:
    def __init__(self, state, folder, day: date, erp: dict, **overrides) -> None:
        self.state, self.day = state, day
        self.writers: list[Writer] = []
        self.settings = make_settings(folder, erp=erp, **overrides)
        fresh_database(self.settings)
        self.set_time("07:00")
        ctx = JobContext(self.settings, clock=self.clock, client_factory=self.client)
        sync_codes(ctx)
        sync_students(ctx)
        ctx.close()
        self.scans = scan_service_for(self.settings, self.clock)

    def client(self, settings=None, retries: int = 1, **options):
        raise NotImplementedError

    def set_simulator_time(self, now: datetime) -> None:
        raise NotImplementedError

    def local(self, hhmm: str) -> datetime:
        return datetime.combine(self.day, time.fromisoformat(hhmm), tzinfo=LONDON).astimezone(timezone.utc)

    def clock(self) -> datetime:
        return self.now

    def set_time(self, hhmm: str) -> None:
        self.now = self.local(hhmm)
        self.set_simulator_time(self.now)

    def writer(self, **kw) -> Writer:
        """A writer keeps its MIS connection for life (as the kiosk's does): closed with the school day."""
        self.writers.append(Writer(self.settings, self.client, self.clock, **kw))
        return self.writers[-1]

    def close(self) -> None:
        for writer in self.writers:
            writer.close()
        close_database()


def days_of(make: Callable[..., MisDay]):
    """The body of a fixture that hands out school days (`make(day, **overrides)`) and closes them after."""
    made: list[MisDay] = []

    def one(day: date = date(2025, 9, 8), **overrides) -> MisDay:
        made.append(make(day, **overrides))
        return made[-1]
    yield one
    for school in made:
        school.close()
