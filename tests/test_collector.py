"""Full garbage-collection passes wait for a quiet moment on the kiosk (ui/collector.py)."""

from __future__ import annotations

import gc

import pytest

from imlate_tui.ui.collector import QuietCollector
from imlate_tui.ui.kiosk_app import make_kiosk_app
from kiosk_helpers import add_person, wait_for


@pytest.fixture
def collector(monkeypatch):
    saved = gc.get_threshold()
    passes: list[int] = []
    monkeypatch.setattr(gc, "collect", lambda generation=2: passes.append(generation) or 0)
    monkeypatch.setattr(gc, "freeze", lambda: None)
    made = QuietCollector()
    made.passes = passes
    yield made
    made.stop()
    gc.set_threshold(*saved)


def test_full_passes_are_held_back_once_started_and_restored_on_stop(collector):
    young = gc.get_threshold()[:2]
    collector.start()
    assert gc.get_threshold() == (*young, QuietCollector.FULL_EVERY) and gc.isenabled()
    collector.stop()
    assert gc.get_threshold()[2] != QuietCollector.FULL_EVERY


def test_a_quiet_moment_makes_a_full_pass_only_when_one_is_due(collector, monkeypatch):
    collector.start()
    collector.passes.clear()   # the one start() makes before freezing
    monkeypatch.setattr(gc, "get_count", lambda: (5, 3, QuietCollector.QUIET_AFTER - 1))
    assert collector.quiet_moment() is False and collector.passes == []
    monkeypatch.setattr(gc, "get_count", lambda: (5, 3, QuietCollector.QUIET_AFTER))
    assert collector.quiet_moment() is True and collector.passes == [2]


def test_not_started_means_never(collector, monkeypatch):
    monkeypatch.setattr(gc, "get_count", lambda: (0, 0, 10_000))
    assert collector.quiet_moment() is False and collector.passes == []


async def test_the_kiosk_waits_until_no_scan_is_in_flight_and_the_result_is_half_a_second_old(db, clock,
                                                                                             monkeypatch):
    add_person("Ada", "Lovelace", card="ADA1")
    asked: list[bool] = []
    monkeypatch.setattr(QuietCollector, "quiet_moment", lambda self: asked.append(True) or False)
    app = make_kiosk_app(db, clock=clock)
    async with app.run_test() as pilot:
        await pilot.press(*"ADA1", "enter")
        await wait_for(pilot, lambda: app.main.showing_result and app.pending_scans == 0, what="the result")
        asked.clear()
        app.tick()
        assert asked == []                        # the result was drawn just now
        app._last_result -= 0.6
        app.pending_scans = 1                     # a scan in flight
        app.tick()
        assert asked == []
        app.pending_scans = 0
        app.tick()
        assert asked == [True]
