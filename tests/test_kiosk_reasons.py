"""Reasons after a late sign-in or an early sign-out: number key, arrows, reason barcode, timeout."""

from __future__ import annotations

from datetime import timedelta

import pytest

from imlate_tui.db.models import AuditEntry, Track
from imlate_tui.services.reception import reason_question
from imlate_tui.services.scanning import Outcome, PersonView, ScanResult, ScanService
from imlate_tui.ui.kiosk_app import make_kiosk_app
from imlate_tui.ui.screens.main import MainScreen
from imlate_tui.ui.widgets.reason_panel import reason_number
from kiosk_helpers import FakeScanner, add_person, kiosk_settings, settle, text_of, type_slowly, wait_for

LATE = ["L - Bus late", "M - Medical appointment", "Overslept"]
LEAVING = ["M - Medical appointment", "Unwell"]


@pytest.fixture
def settings(tmp_path):
    return kiosk_settings(tmp_path, attendance={"reasons": {
        "late": LATE, "leaving": LEAVING, "timeout_seconds": 3,
        "prompt_on_late": True, "prompt_on_leaving": True}})


@pytest.fixture
def late_app(db, clock):
    add_person("Ivy", "Late", card="LATE1")
    add_person("Jo", "Next", card="NEXT1")
    service = ScanService(db, clock, lateness=lambda person, at: 12)
    return make_kiosk_app(db, clock=clock, scan_service=service)


def asking(app) -> bool:
    return isinstance(app.screen, MainScreen) and app.main.question.is_open


async def late_scan(pilot) -> None:
    await pilot.press(*"LATE1", "enter")
    await settle(pilot)
    assert asking(pilot.app)
    assert Track.select().count() == 1  # recorded before the question
    assert text_of(pilot.app, "#late") == "12 MIN LATE"


async def wait_reason(pilot) -> str | None:
    for _ in range(300):
        reason = Track.get().reason
        if reason is not None:
            return reason
        await pilot.pause(0.01)
    return None


async def test_number_key_picks_the_reason(late_app):
    async with late_app.run_test() as pilot:
        await late_scan(pilot)
        await type_slowly(pilot, "2")
        assert not asking(late_app)
        assert await wait_reason(pilot) == "M - Medical appointment"
    assert AuditEntry.get(AuditEntry.action == "set_reason").actor == "kiosk:reception"


async def test_arrows_and_enter_pick_the_reason(late_app):
    async with late_app.run_test() as pilot:
        await late_scan(pilot)
        await type_slowly(pilot, "down", "down", "enter")
        assert await wait_reason(pilot) == "Overslept"


async def test_typed_reason_barcode_picks_the_reason(late_app):
    async with late_app.run_test() as pilot:
        await late_scan(pilot)
        await pilot.press(*"REASON:2", "enter")
        assert await wait_reason(pilot) == "M - Medical appointment"
        assert Track.select().count() == 1  # the barcode was not taken for a card


async def test_scanned_reason_barcode_picks_the_reason(settings, db, clock):
    add_person("Kim", "Late", card="LATE2")
    scanner = FakeScanner()
    app = make_kiosk_app(db, clock=clock, scanner=scanner.factory,
                         scan_service=ScanService(db, clock, lateness=lambda p, at: 5))
    async with app.run_test() as pilot:
        scanner.emit("LATE2")
        for _ in range(300):
            await pilot.pause(0.01)
            if asking(app):
                break
        scanner.emit("reason:3")
        assert await wait_reason(pilot) == "Overslept"


async def test_no_answer_means_no_reason(late_app):
    async with late_app.run_test() as pilot:
        await late_scan(pilot)
        await pilot.pause(0.5)
        assert asking(late_app) and late_app.main.showing_result  # the result stays while it asks
        await wait_for(pilot, lambda: not asking(late_app))
        await settle(pilot)
    assert Track.get().reason is None


async def test_another_card_closes_the_question_and_is_recorded(late_app):
    async with late_app.run_test() as pilot:
        await late_scan(pilot)
        await pilot.press(*"NEXT1", "enter")
        await settle(pilot)
        assert text_of(late_app, "#name") == "Jo Next"
        assert asking(late_app)  # Jo is late too
    assert Track.select().count() == 2 and Track.get(Track.id == 1).reason is None


async def test_early_leaver_is_asked_why(db, clock):
    add_person("Lou", "Early", card="EARLY1")
    app = make_kiosk_app(db, clock=clock)
    async with app.run_test() as pilot:
        await pilot.press(*"EARLY1", "enter")
        await settle(pilot)
        assert not asking(app)  # on time: no question
        clock.advance(hours=3)
        await pilot.press(*"EARLY1", "enter")
        await settle(pilot)
        assert asking(app)
        assert "leaving early" in str(app.main.question.render())
        await type_slowly(pilot, "2")
        for _ in range(300):
            if Track.get(Track.direction == "out").reason:
                break
            await pilot.pause(0.01)
    assert Track.get(Track.direction == "out").reason == "Unwell"


def _result(settings, outcome, *, kind="student", late=None, at=None):
    person = PersonView(1, "A B", None, kind, 9, "9B", None)
    return ScanResult(outcome, at, person, "X", late, 7)


def test_reason_question_rules(settings, clock):
    morning, evening = clock(), clock() + timedelta(hours=8)  # 08:00 and 16:00 London
    assert reason_question(_result(settings, Outcome.SIGNED_IN, late=3, at=morning), settings).kind == "late"
    assert reason_question(_result(settings, Outcome.SIGNED_IN, at=morning), settings) is None
    assert reason_question(_result(settings, Outcome.SIGNED_IN, kind="staff", late=3, at=morning), settings) is None
    assert reason_question(_result(settings, Outcome.SIGNED_OUT, at=morning), settings).kind == "leaving"
    assert reason_question(_result(settings, Outcome.SIGNED_OUT, at=evening), settings) is None
    assert reason_question(_result(settings, Outcome.ALREADY_SIGNED_OUT, at=morning), settings) is None
    off = settings.model_copy(update={"attendance": settings.attendance.model_copy(update={
        "reasons": settings.attendance.reasons.model_copy(update={"prompt_on_late": False})})})
    assert reason_question(_result(off, Outcome.SIGNED_IN, late=3, at=morning), off) is None


def test_reason_number_parses_printed_cards():
    assert reason_number("REASON:2") == 2
    assert reason_number(" reason:12 ") == 12
    assert reason_number("REASON:") is None and reason_number("CARD1") is None
