"""Fixtures for jobs that talk to iSAMS: settings pointed at the simulator, a job context factory."""

from __future__ import annotations

import pytest

from conftest import FakeClock, fresh_database, make_settings
from fixtures_isams import SIM_MONDAY, RecordedSleep

from imlate_tui.db.connection import close_database
from imlate_tui.demo.isams_sim import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from imlate_tui.erp.isams import IsamsClient
from imlate_tui.erp.isams.mis import IsamsMis
from imlate_tui.jobs.context import JobContext
from imlate_tui.services.mis_factory import stored_codes

__all__ = ["erp_settings", "job_context", "sim_clock"]


@pytest.fixture
def erp_settings(tmp_path, isams_server):
    settings = make_settings(tmp_path, erp={"enabled": True, "isams": {
        "base_url": isams_server.base_url, "client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET}})
    fresh_database(settings)
    yield settings
    close_database()


@pytest.fixture
def sim_clock():
    return FakeClock(SIM_MONDAY)


@pytest.fixture
def job_context(erp_settings, sim_clock):
    """job_context(page_size=..., dry_run=...) -> JobContext whose client never really sleeps."""
    made: list[JobContext] = []

    def make(*, page_size: int = 100, dry_run: bool = False) -> JobContext:
        def client(settings):
            isams = settings.erp.isams
            return IsamsMis(IsamsClient(isams.base_url, isams.client_id, isams.client_secret.get_secret_value(),
                                        timezone=settings.erp_tz, page_size=page_size, sleep=RecordedSleep()),
                            stored_codes)
        made.append(JobContext(erp_settings, clock=sim_clock, dry_run=dry_run, client_factory=client))
        return made[-1]
    yield make
    for ctx in made:
        ctx.close()
