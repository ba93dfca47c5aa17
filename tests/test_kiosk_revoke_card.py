"""F7 at the kiosk, behind the PIN: revoke a lost card (and give the new one), at 80x24 and 45x25.
The lost card scanned afterwards records nothing and says it was reported lost."""

from __future__ import annotations

import pytest

from imlate_tui.db.models import AuditEntry, Card, Track
from imlate_tui.db.office_models import RevokedCard
from imlate_tui.ui.kiosk_app import make_kiosk_app
from imlate_tui.ui.screens.main import MainScreen
from imlate_tui.ui.screens.pin import PinScreen
from imlate_tui.ui.screens.revoke_card import RevokeCardScreen
from kiosk_helpers import PIN, FakeScanner, add_person, kiosk_settings, settle, text_of, wait_for

SIZES = [(80, 24), (45, 25)]


@pytest.fixture
def settings(tmp_path):
    return kiosk_settings(tmp_path)


def said(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def open_revoke(pilot) -> RevokeCardScreen:
    await pilot.press("f7")
    assert isinstance(pilot.app.screen, PinScreen)
    await pilot.press(*PIN, "enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, RevokeCardScreen)
    return pilot.app.screen


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_revoke_with_a_replacement_then_the_lost_card_is_refused(db, clock, size):
    ada = add_person("Ada", "Lovelace", card="ADA-1", year=10, form="10C")
    add_person("Adam", "Smith", card="ADAM-1")
    scanner = FakeScanner()
    app = make_kiosk_app(db, clock=clock, scanner=scanner.factory)
    async with app.run_test(size=size) as pilot:
        screen = await open_revoke(pilot)
        await pilot.press(*"ada")
        await pilot.pause()
        assert [c[2] for c in screen.choices] == ["ADA-1", "ADAM-1"]   # Down enters the list at the first
        await pilot.press("down", "enter")
        await pilot.pause()
        assert "Revoke Ada Lovelace's card ADA-1" in str(screen.query_one("#chosen").render())
        await pilot.press(*"ada-2", "enter")
        await wait_for(pilot, lambda: any("ADA-2 now belongs to Ada Lovelace" in m for m in said(app)))
        assert isinstance(app.screen, MainScreen)
        assert said(app)[-1] == "Card ADA-1 revoked; card ADA-2 now belongs to Ada Lovelace"

        scanner.emit("ADA-1")
        await wait_for(pilot, lambda: text_of(app, "#verdict") == "SEE RECEPTION")
        await settle(pilot)
        assert text_of(app, "#subtitle") == "This card was reported lost - please see reception"
        assert text_of(app, "#name") == "Card reported lost"
        assert text_of(app, "#group") == "Card ADA-1"
        assert Track.select().count() == 0
        scanner.emit("ADA-2")
        await wait_for(pilot, lambda: text_of(app, "#verdict") == "-> IN")
        assert text_of(app, "#name") == "Ada Lovelace"
    assert [c.code for c in Card.select().where(Card.person == ada.id)] == ["ADA-2"]
    lost = RevokedCard.get()
    assert (lost.code, lost.person_id, lost.revoked_by) == ("ADA-1", ada.id, "kiosk:reception")
    assert [e.action for e in AuditEntry.select().order_by(AuditEntry.id)] == ["revoke_card", "assign_card"]


async def test_revoke_without_a_replacement_and_escape_changes_nothing(db, clock):
    add_person("Ada", "Lovelace", card="ADA-1")
    app = make_kiosk_app(db, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_revoke(pilot)
        await pilot.press(*"ada", "escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen) and RevokedCard.select().count() == 0
        await open_revoke(pilot)
        await pilot.press(*"ada", "down", "enter", "enter")
        await wait_for(pilot, lambda: "Card ADA-1 revoked" in said(app))
    assert Card.select().count() == 0 and RevokedCard.get().code == "ADA-1"


async def test_a_wrong_pin_opens_nothing(db, clock):
    add_person("Ada", "Lovelace", card="ADA-1")
    app = make_kiosk_app(db, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f7", *"0000", "enter")
        await pilot.pause()
        assert isinstance(app.screen, PinScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    assert Card.get().code == "ADA-1" and RevokedCard.select().count() == 0
