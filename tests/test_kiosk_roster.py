"""The receptionist's roster: counts, filters, search and live updates from scans."""

from __future__ import annotations

import pytest

from imlate_tui.db.models import Track
from imlate_tui.domain.scanning import Status
from imlate_tui.services.scanning import PersonView, ScanService
from imlate_tui.ui.kiosk_app import make_kiosk_app
from imlate_tui.ui.screens.main import MainScreen
from imlate_tui.ui.screens.person_picker import PersonPickerScreen
from imlate_tui.ui.screens.roster import RosterScreen
from kiosk_helpers import PIN, FakeScanner, add_person, kiosk_settings


@pytest.fixture
def settings(tmp_path):
    return kiosk_settings(tmp_path)


@pytest.fixture
def school(db, clock):
    people = {
        "ann": add_person("Ann", "Able", card="A1", year=7, form="7A"),
        "bea": add_person("Bea", "Baker", card="B1", year=7, form="7B"),
        "cal": add_person("Cal", "Cole", card="C1", year=8, form="8A"),
        "dee": add_person("Dee", "Dunn", card="D1", kind="staff"),
    }
    service = ScanService(db, clock)
    service.scan("A1")
    service.scan("B1")
    clock.advance(minutes=5)
    service.scan("B1")  # Bea is out again
    return people


def names(screen: RosterScreen) -> list[str]:
    table = screen.table
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


def counts(screen: RosterScreen) -> str:
    return str(screen.query_one("#counts").render())


async def open_roster(pilot) -> RosterScreen:
    await pilot.press("f2", *PIN, "enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, RosterScreen)
    return pilot.app.screen


async def test_roster_lists_everyone_with_counts(school, db, clock):
    app = make_kiosk_app(db, clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_roster(pilot)
        assert names(screen) == ["Ann Able", "Bea Baker", "Cal Cole", "Dee Dunn"]
        assert counts(screen) == "In 1   Out 1   Not signed 2"
        row = screen.table.get_row(str(school["ann"].id))
        assert [str(c) for c in row] == ["Ann Able", "Signed In", "08:00", "7", "7A"]
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_filters_by_status_year_and_form(school, db, clock):
    app = make_kiosk_app(db, clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_roster(pilot)
        await pilot.press("f5")
        assert names(screen) == ["Ann Able"]
        await pilot.press("f5")
        assert names(screen) == ["Bea Baker"]
        await pilot.press("f5")
        assert names(screen) == ["Cal Cole", "Dee Dunn"]
        await pilot.press("f5", "f6")  # status All, year 7
        assert names(screen) == ["Ann Able", "Bea Baker"]
        assert counts(screen) == "In 1   Out 1   Not signed 0"
        await pilot.press("f7")  # form 7A
        assert names(screen) == ["Ann Able"]
        await pilot.press("f6")  # year 8, form reset
        assert names(screen) == ["Cal Cole"]
        assert "Year: 8 (F6)" in str(screen.query_one("#filters").render())


async def test_type_to_search_by_name(school, db, clock):
    app = make_kiosk_app(db, clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_roster(pilot)
        await pilot.press(*"bak")
        assert names(screen) == ["Bea Baker"]
        await pilot.press("backspace", "backspace", "backspace", *"e")
        assert names(screen) == ["Ann Able", "Bea Baker", "Cal Cole", "Dee Dunn"]
        await pilot.press(*"e d")
        assert names(screen) == ["Dee Dunn"]


async def test_scans_update_the_roster_live(school, db, clock):
    scanner = FakeScanner()
    app = make_kiosk_app(db, clock=clock, scanner=scanner.factory)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_roster(pilot)
        await pilot.press("f5")  # Signed In only
        clock.advance(minutes=20)
        scanner.emit("C1", "A1")
        for _ in range(300):
            await pilot.pause(0.01)
            if Track.select().count() == 5 and app.pending_scans == 0:
                break
        await pilot.pause()
        assert names(screen) == ["Cal Cole"]  # Ann signed out and left the filter; Cal joined it
        assert str(screen.table.get_row(str(school["cal"].id))[2]) == "08:25"
        assert counts(screen) == "In 1   Out 2   Not signed 1"
        assert screen.table.entries[school["ann"].id].status is Status.SIGNED_OUT


async def test_a_scan_updates_the_row_and_the_counts_in_the_same_refresh(school, db, clock):
    app = make_kiosk_app(db, clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_roster(pilot)
        cal = school["cal"]
        view = PersonView(id=cal.id, name="Cal Cole", school_id=None, kind="student", year_group=8,
                          form_group="8A", photo_path=None)
        screen.record(view, Status.SIGNED_IN, clock())   # no turn of the event loop after it
        assert str(screen.table.get_row(str(cal.id))[1]) == "Signed In"
        assert counts(screen) == "In 2   Out 1   Not signed 1"


async def test_enter_on_a_row_opens_manual_sign_in_for_that_person(school, db, clock):
    app = make_kiosk_app(db, clock=clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_roster(pilot)
        await pilot.press(*"cole", "enter")
        await pilot.pause()
        assert isinstance(app.screen, PersonPickerScreen)
        assert app.screen.chosen.person.id == school["cal"].id
        await pilot.press(*"forgot card", "f5")
        for _ in range(300):
            await pilot.pause(0.01)
            if Track.select().where(Track.source == "manual").count():
                break
        await pilot.pause()
        assert isinstance(app.screen, RosterScreen)
        assert str(app.screen.table.get_row(str(school["cal"].id))[1]) == "Signed In"
