"""Receptionist actions behind the PIN: manual sign-in/out and assigning an unknown card."""

from __future__ import annotations

import json

import pytest

from imlate_tui.db.models import AuditEntry, Card, Track
from imlate_tui.domain.scanning import Status
from imlate_tui.errors import InvalidInput
from imlate_tui.services.reception import Reception
from imlate_tui.ui.kiosk_app import make_kiosk_app
from imlate_tui.ui.screens.main import MainScreen
from imlate_tui.ui.screens.person_picker import PersonPickerScreen
from imlate_tui.ui.screens.pin import PinScreen
from kiosk_helpers import opened, PIN, add_person, kiosk_settings, settle, text_of, wait_for


@pytest.fixture
def settings(tmp_path):
    return kiosk_settings(tmp_path)


async def test_manual_sign_in_with_pin_and_note(db, clock):
    ada = add_person("Ada", "Lovelace", year=10, form="10C")
    add_person("Bob", "Smith")
    app = make_kiosk_app(db, clock=clock)
    async with app.run_test() as pilot:
        await pilot.press("f3")
        assert isinstance(app.screen, PinScreen)
        await pilot.press(*PIN, "enter")
        await pilot.pause()
        assert isinstance(app.screen, PersonPickerScreen)
        await pilot.press(*"love")
        await wait_for(pilot, lambda: [m.person.name for m in app.screen.matches] == ["Ada Lovelace"])
        await pilot.press("down", "enter")
        await pilot.press(*"lost card", "f5")
        await wait_for(pilot, lambda: Track.select().count() == 1)
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert text_of(app, "#name") == "Ada Lovelace" and text_of(app, "#verdict") == "-> IN"
    track = Track.get()
    assert (track.person_id, track.direction, track.source) == (ada.id, "in", "manual")
    assert (track.actor, track.note) == ("kiosk:reception", "lost card")
    entry = AuditEntry.get()
    assert (entry.actor, entry.action, entry.target) == ("kiosk:reception", "manual_sign_in", f"person:{ada.id}")


async def test_manual_sign_out_of_someone_not_in_is_refused(db, clock):
    add_person("Cat", "Jones")
    app = make_kiosk_app(db, clock=clock)
    async with app.run_test() as pilot:
        await pilot.press("f3", *PIN, "enter")
        await pilot.pause()
        await pilot.press(*"cat", "down", "enter", "f6")
        await wait_for(pilot, lambda: any("cannot sign out" in str(n.message).lower()
                                          for n in app._notifications))
    assert Track.select().count() == 0


async def test_wrong_pin_refuses_the_action(db, clock):
    app = make_kiosk_app(db, clock=clock)
    async with app.run_test() as pilot:
        await pilot.press("f3", *"1357", "enter")
        await pilot.pause()
        assert isinstance(app.screen, PinScreen)
        assert "Wrong PIN" in str(app.screen.query_one("#message").render())
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_actions_locked_without_a_configured_pin(tmp_path, clock):
    with opened(kiosk_settings(tmp_path, pin=False)) as settings:
        app = make_kiosk_app(settings, clock=clock)
        async with app.run_test() as pilot:
            for key in ("f2", "f3"):
                await pilot.press(key)
                assert isinstance(app.screen, PinScreen)
                assert "no admin PIN is set" in str(app.screen.query_one("#locked").render())
                await pilot.press("escape")
                assert isinstance(app.screen, MainScreen)


async def test_assign_the_unknown_card_just_scanned(db, clock):
    dan = add_person("Dan", "Brown")
    app = make_kiosk_app(db, clock=clock)
    async with app.run_test() as pilot:
        await pilot.press(*"NEW42", "enter")
        await settle(pilot)
        assert text_of(app, "#name") == "Card not known"
        await pilot.press("f4", *PIN, "enter")
        await pilot.pause()
        assert isinstance(app.screen, PersonPickerScreen)
        await pilot.press(*"dan br", "down", "enter")
        await wait_for(pilot, lambda: Card.select().count() == 1)
        await pilot.pause()
        await pilot.press(*"new42", "enter")
        await settle(pilot)
        assert text_of(app, "#name") == "Dan Brown" and text_of(app, "#verdict") == "-> IN"
    card = Card.get()
    assert (card.code, card.person_id) == ("NEW42", dan.id)
    entry = AuditEntry.get(AuditEntry.action == "assign_card")
    assert entry.actor == "kiosk:reception" and json.loads(entry.details)["card"] == "NEW42"


async def test_assign_without_an_unknown_scan_says_what_to_do(db, clock):
    app = make_kiosk_app(db, clock=clock)
    async with app.run_test() as pilot:
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert any("Scan the unknown card first" in n.message for n in app._notifications)


def test_reception_refuses_another_owners_card(db, clock):
    add_person("Eve", "Owner", card="TAKEN1")
    other = add_person("Fay", "Other")
    with pytest.raises(InvalidInput, match="already belongs to Eve Owner"):
        Reception(db, clock).assign_card(other.id, "taken1", actor="kiosk:reception")
    assert AuditEntry.select().count() == 0


def test_reception_search_shows_todays_status(db, clock):
    gus = add_person("Gus", "Grey", card="G1")
    add_person("Hal", "Grey", active=False)
    from imlate_tui.services.scanning import ScanService

    ScanService(db, clock).scan("G1")
    matches = Reception(db, clock).search_people("grey")
    assert [(m.person.id, m.status) for m in matches] == [(gus.id, Status.SIGNED_IN)]
    assert Reception(db, clock).search_people("   ") == []
