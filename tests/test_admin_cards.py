"""Revoking a lost card and giving a replacement from `imlate admin` (person screen, `k`), at 80x24
and at 45x25 (a phone over SSH); operators only, audit-logged."""

from __future__ import annotations

import pytest

from admin_helpers import CLIENT, OPERATOR, VIEWER, admin_app, admin_settings, database_state, record_notifications
from imlate_tui.db.models import AuditEntry, Card
from imlate_tui.db.office_models import RevokedCard
from imlate_tui.services.scanning import Outcome, ScanService
from imlate_tui.ui.admin.cards import CardsDialog
from imlate_tui.ui.admin.dialogs import CardDialog, NoteDialog
from imlate_tui.ui.admin.person import PersonScreen
from kiosk_helpers import add_person

SIZES = [(80, 24), (45, 25)]


@pytest.fixture
def settings(tmp_path):
    return admin_settings(tmp_path, scanner={"repeat_window_seconds": 0})


@pytest.fixture
def ann(db, clock):
    person = add_person("Ann", "Able", card="A1", year=7, form="7A")
    ScanService(db, clock).scan("A1")
    return person


async def open_cards(pilot) -> CardsDialog:
    await pilot.press(*"ann", "enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, PersonScreen)
    await pilot.press("k")
    await pilot.pause()
    assert isinstance(pilot.app.screen, CardsDialog)
    return pilot.app.screen


def options(dialog: CardsDialog) -> list[str]:
    ol = dialog.query_one("OptionList")
    return [str(ol.get_option_at_index(i).prompt) for i in range(ol.option_count)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_operator_revokes_a_lost_card_and_gives_a_new_one(ann, db, clock, size):
    app = admin_app(db, clock)
    said = record_notifications(app)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        dialog = await open_cards(pilot)
        assert options(dialog) == ["A1  in use since 01 Nov 2026"]
        assert dialog.query_one("#title").render().plain == "Cards of Ann Able"

        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, NoteDialog)
        assert "Revoke Ann Able's card A1?" in str(app.screen.query_one("#title").render())
        await pilot.press(*"lost on bus", "enter")
        await pilot.pause()
        assert app.screen is dialog
        assert options(dialog) == [f"A1  REVOKED 24 Nov 2026 by {OPERATOR}", "No card in use: N gives one"]
        assert said[-1] == ("Card A1 revoked: scanned, it now says it was reported lost", "information")
        assert ScanService(db, clock).scan("A1").result is Outcome.REVOKED_CARD

        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, CardDialog)
        await pilot.press(*"a2", "enter")
        await pilot.pause()
        assert options(dialog)[0] == "A2  in use since 24 Nov 2026"
        assert said[-1] == ("Card A2 now belongs to Ann Able", "information")
        assert ScanService(db, clock).scan("A2").result is Outcome.SIGNED_OUT

        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PersonScreen)
        assert "Cards: A2" in str(app.screen.query_one("#person-day").render())

    lost = RevokedCard.get()
    assert (lost.code, lost.person_id, lost.revoked_by, lost.client, lost.note) == (
        "A1", ann.id, OPERATOR, CLIENT, "lost on bus")
    actions = [(e.action, e.actor, e.client) for e in AuditEntry.select().order_by(AuditEntry.id)]
    assert actions == [("revoke_card", OPERATOR, CLIENT), ("assign_card", OPERATOR, CLIENT)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_a_read_only_user_sees_the_cards_but_cannot_revoke(ann, db, clock, size):
    app = admin_app(db, clock, user=VIEWER)
    said = record_notifications(app)
    before = database_state()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        dialog = await open_cards(pilot)
        assert options(dialog) == ["A1  in use since 01 Nov 2026"]
        for key in ("r", "n"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is dialog
            assert said[-1] == (f"read-only: your user {VIEWER} is not in admin.operators", "warning")
    assert database_state() == before and RevokedCard.select().count() == 0
    assert Card.get().code == "A1"


async def test_escape_in_the_note_keeps_the_card(ann, db, clock):
    app = admin_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        dialog = await open_cards(pilot)
        await pilot.press("r")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is dialog and options(dialog) == ["A1  in use since 01 Nov 2026"]
    assert RevokedCard.select().count() == 0
