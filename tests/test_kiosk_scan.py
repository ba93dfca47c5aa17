"""The scan path on the kiosk: typed or scanner input -> recorded -> the big result -> back to idle."""

from __future__ import annotations

import pytest

from imlate_tui.db.models import Track
from imlate_tui.services.scanning import ScanService
from imlate_tui.ui.kiosk_app import make_kiosk_app
from imlate_tui.ui.status import KioskStatus
from imlate_tui.ui.screens.main import MainScreen
from kiosk_helpers import opened, FakeScanner, add_person, kiosk_settings, settle, text_of, wait_for


@pytest.fixture
def settings(tmp_path):
    return kiosk_settings(tmp_path)


async def scan(pilot, code: str) -> None:
    await pilot.press(*code, "enter")
    await settle(pilot)


async def test_scan_shows_name_group_and_signed_in(db, clock):
    ada = add_person("Ada", "Lovelace", card="CARD1", year=9, form="9B")
    app = make_kiosk_app(db, clock=clock)
    async with app.run_test() as pilot:
        assert not app.main.showing_result
        await scan(pilot, "card1")
        assert app.main.showing_result
        assert text_of(app, "#name") == "Ada Lovelace"
        assert text_of(app, "#group") == "Year 9 - 9B"
        assert text_of(app, "#verdict") == "-> IN"
        assert app.main.query_one("#band").has_class("-in")
        assert text_of(app, "#late") == ""
    track = Track.get()
    assert (track.person_id, track.direction, track.source) == (ada.id, "in", "keyboard")


async def test_late_sign_in_shows_minutes(db, clock):
    add_person("Ben", "Ng", card="CARD2")
    service = ScanService(db, clock, lateness=lambda person, at: 12)
    app = make_kiosk_app(db, clock=clock, scan_service=service)
    async with app.run_test() as pilot:
        await scan(pilot, "CARD2")
        assert text_of(app, "#verdict") == "-> IN"
        assert text_of(app, "#late") == "12 MIN LATE"


async def test_unknown_card_asks_to_see_reception(db, clock):
    app = make_kiosk_app(db, clock=clock)
    async with app.run_test() as pilot:
        await scan(pilot, "NOPE99")
        assert text_of(app, "#name") == "Card not known"
        assert text_of(app, "#verdict") == "SEE RECEPTION"
        assert "F4" in text_of(app, "#hint")
        assert app.last_unknown_code == "NOPE99"
    assert Track.select().count() == 0


async def test_inactive_person_is_sent_to_reception(db, clock):
    add_person("Old", "Boy", card="CARD3", active=False)
    app = make_kiosk_app(db, clock=clock)
    async with app.run_test() as pilot:
        await scan(pilot, "CARD3")
        assert text_of(app, "#name") == "Old Boy"
        assert text_of(app, "#group") == "is no longer active"
        assert text_of(app, "#verdict") == "SEE RECEPTION"


async def test_repeat_inside_window_then_sign_out(db, clock):
    add_person("Cy", "Ode", card="CARD4")
    app = make_kiosk_app(db, clock=clock)
    async with app.run_test() as pilot:
        await scan(pilot, "CARD4")
        clock.advance(seconds=3)
        await scan(pilot, "CARD4")
        assert text_of(app, "#verdict") == "ALREADY IN"
        clock.advance(seconds=60)
        await scan(pilot, "CARD4")
        assert text_of(app, "#verdict") == "OUT <-"
        assert app.main.query_one("#band").has_class("-out")
    assert [t.direction for t in Track.select().order_by(Track.id)] == ["in", "out"]


async def test_result_returns_to_idle_after_result_seconds(tmp_path, clock):
    with opened(kiosk_settings(tmp_path, result_seconds=1.0)) as settings:
        add_person("Di", "Ray", card="CARD5")
        app = make_kiosk_app(settings, clock=clock)
        async with app.run_test() as pilot:
            await scan(pilot, "CARD5")
            assert app.main.showing_result
            await wait_for(pilot, lambda: not app.main.showing_result)
            assert "Scan your card" in text_of(app, "#prompt")


async def test_new_scan_replaces_result_at_once(db, clock):
    add_person("Eve", "One", card="CARD6")
    add_person("Fay", "Two", card="CARD7")
    app = make_kiosk_app(db, clock=clock)
    async with app.run_test() as pilot:
        await scan(pilot, "CARD6")
        assert text_of(app, "#name") == "Eve One"
        await scan(pilot, "CARD7")
        assert text_of(app, "#name") == "Fay Two"


async def test_on_a_large_screen_the_next_scan_moves_nothing(db, clock):
    """At 160x48 the name and minutes late keep the room of their largest letters: late after on time,
    a short name after one in smaller letters, nothing below them moves, so a scan's frame is a repaint
    of the panel and not a layout of the screen. On the 80x24 console they take only what they show."""
    add_person("Bo", "Li", card="SHORT")                        # block letters at scale 3
    add_person("Maximiliana", "Featherstonehaugh", card="LONG")  # smaller letters
    service = ScanService(db, clock, lateness=lambda person, at: 12 if person.forename == "Bo" else None)
    app = make_kiosk_app(db, clock=clock, scan_service=service)
    async with app.run_test(size=(160, 48)) as pilot:
        await scan(pilot, "LONG")
        assert text_of(app, "#late") == ""
        places = {name: app.main.query_one(name).region for name in ("#name", "#group", "#late", "#hint")}
        await scan(pilot, "SHORT")
        assert text_of(app, "#late") == "12 MIN LATE"
        assert text_of(app, "#name") == "Bo Li"
        assert {name: app.main.query_one(name).region for name in places} == places
    async with make_kiosk_app(db, clock=clock, scan_service=service).run_test(size=(80, 24)) as pilot:
        await scan(pilot, "LONG")
        assert pilot.app.main.query_one("#late").region.height == 0


async def test_the_clock_the_status_line_and_a_typed_card_lay_nothing_out(db, clock, monkeypatch):
    """The clock ticks every second and the status line is polled every few: setting the same words
    again, or new words of the same height, must not lay the whole screen out (4-8 ms at 160x48, and a
    scan's result that came with one waited behind it: 14 of 400 frames in bench/bench_kiosk.py)."""
    layouts: list[str] = []
    real = MainScreen._refresh_layout

    def counted(screen, *args, **kwargs):
        layouts.append("layout")
        return real(screen, *args, **kwargs)

    monkeypatch.setattr(MainScreen, "_refresh_layout", counted)
    app = make_kiosk_app(db, clock=clock)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        before = len(layouts)
        for typed in ("1", "12", "123"):
            app.tick()
            app.main.show_status(f"Scanner: keyboard input  |  iSAMS: off  |  {typed}")
            app.main.show_typed(typed)
            await settle(pilot)
        assert str(app.main.query_one("#typed").render()) == "Card: 123_"
        assert str(app.main.query_one("#status").render()).endswith("|  123")
        assert len(layouts) == before


@pytest.mark.parametrize(("keys", "title"), [
    (["x"] * 65 + ["enter"], "Scan too long"),
    (["a", "b", "ctrl+a", "c", "enter"], "Unreadable scan"),
    (["enter"], "Empty scan"),
])
async def test_garbage_input_gets_a_clear_message(db, clock, keys, title):
    app = make_kiosk_app(db, clock=clock)
    async with app.run_test() as pilot:
        await pilot.press(*keys)
        await settle(pilot)
        assert app.main.showing_result
        assert text_of(app, "#name") == title
        assert text_of(app, "#verdict") == "TRY AGAIN"
    assert Track.select().count() == 0


async def test_typed_characters_are_echoed_then_cleared(db, clock):
    app = make_kiosk_app(db, clock=clock)
    async with app.run_test() as pilot:
        await pilot.press(*"AB1")
        assert text_of(app, "#typed") == "Card: AB1_"
        await pilot.press("enter")
        await settle(pilot)
        assert text_of(app, "#typed") == ""


async def test_scanner_thread_scans_are_recorded_in_arrival_order(tmp_path, clock):
    with opened(kiosk_settings(tmp_path, scanner={"repeat_window_seconds": 0})) as settings:
        add_person("Gus", "Eight", card="CARD8")
        scanner = FakeScanner()
        app = make_kiosk_app(settings, clock=clock, scanner=scanner.factory)
        async with app.run_test() as pilot:
            scanner.emit("CARD8", "CARD8", "CARD8")
            for _ in range(300):
                await pilot.pause(0.01)
                if Track.select().count() == 3 and app.pending_scans == 0:
                    break
            assert text_of(app, "#verdict") == "-> IN"
            assert "scanner connected: Fake Scanner" in text_of(app, "#status")
            # Keys typed on the kiosk are not scans when the scanner is read directly.
            await pilot.press(*"CARD8", "enter")
            await settle(pilot)
        assert [t.direction for t in Track.select().order_by(Track.id)] == ["in", "out", "in"]
        assert {t.source for t in Track.select()} == {"scanner"}


async def test_status_line_shows_provider_snapshot(db, clock):
    app = make_kiosk_app(db, clock=clock, status=lambda: KioskStatus("unreachable", 3))
    async with app.run_test() as pilot:
        await pilot.pause()
        line = text_of(app, "#status")
        assert "Scanner: keyboard input" in line
        assert "iSAMS: unreachable" in line and "3 writebacks pending" in line


async def test_default_status_is_isams_off(db, clock):
    app = make_kiosk_app(db, clock=clock)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert text_of(app, "#status") == "Scanner: keyboard input  |  iSAMS: off"
        assert isinstance(app.screen, MainScreen)
        assert text_of(app, "#school") == "Hillside School"
        assert text_of(app, "#date") == "Tuesday 24 November 2026"
