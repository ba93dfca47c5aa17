"""iSAMS fixtures: the simulator on 127.0.0.1:0 in a thread, and a client pointed at it.

The client's ``sleep`` only records what it was asked to wait, so retry tests run instantly and
assert on the delays the client chose; its ``clock`` is a number tests move by hand.
"""

from __future__ import annotations

import random
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from imlate_tui.demo.isams_sim import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, SimConfig, SimState, SimulatorServer
from imlate_tui.erp.isams import IsamsClient

__all__ = ["LONDON", "SIM_MONDAY", "HandClock", "RecordedSleep", "isams_clock", "isams_client",
           "isams_server", "isams_sleep", "isams_state", "make_isams_client"]

LONDON = ZoneInfo("Europe/London")
# Monday 8 September 2025, 07:00 UTC = 08:00 BST: a school day, before the AM register.
SIM_MONDAY = datetime(2025, 9, 8, 7, 0, tzinfo=timezone.utc)


class RecordedSleep:
    """Stands in for time.sleep: remembers each requested wait, waits for none of them."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


class HandClock:
    """A monotonic clock (seconds) that only moves when a test moves it."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        self.value += seconds


@pytest.fixture
def isams_state() -> SimState:
    return SimState(SimConfig(student_count=60, now=SIM_MONDAY))


@pytest.fixture
def isams_server(isams_state: SimState):
    with SimulatorServer(isams_state, host="127.0.0.1", port=0) as server:
        yield server


@pytest.fixture
def isams_sleep() -> RecordedSleep:
    return RecordedSleep()


@pytest.fixture
def isams_clock() -> HandClock:
    return HandClock()


@pytest.fixture
def make_isams_client(isams_server: SimulatorServer, isams_sleep: RecordedSleep, isams_clock: HandClock):
    """``make_isams_client(**overrides)``: an ``IsamsClient`` on the simulator, closed after the test."""
    made: list[IsamsClient] = []

    def make(**overrides) -> IsamsClient:
        options = dict(timezone=LONDON, sleep=isams_sleep, clock=isams_clock, rng=random.Random(4),
                       timeout=2.0, page_size=25)
        options.update(overrides)
        base_url = options.pop("base_url", isams_server.base_url)
        client_id = options.pop("client_id", DEMO_CLIENT_ID)
        client_secret = options.pop("client_secret", DEMO_CLIENT_SECRET)
        client = IsamsClient(base_url, client_id, client_secret, **options)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def isams_client(make_isams_client) -> IsamsClient:
    return make_isams_client()
