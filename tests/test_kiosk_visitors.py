"""The visitor flow at the kiosk, driven by keys through Textual's pilot at 80x24 and 160x48:
walk-in, repeat visitor, expected visitor, watch-list match, printer failure (real CUPS), badge-scan
sign-out, time-out, and a card scanned while the form is open."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from imlate_tui.db.models import Card, Person, Track
from imlate_tui.db.visitor_models import ExpectedVisit, HostNotification, Visit, WatchAlert, WatchEntry
from imlate_tui.services.visitors import VisitorDetails, Visitors
from imlate_tui.ui.screens.main import MainScreen
from imlate_tui.ui.screens.pin import PinScreen
from imlate_tui.ui.screens.visitor import VisitorScreen
from kiosk_helpers import PIN, add_person, opened, reader_types, text_of, wait_for
from visitor_kiosk_helpers import SIZES, add_staff, fill_form, screen_text, visitor_kiosk, visitor_settings

pytestmark = pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])


@pytest.fixture
def kiosk_db(tmp_path):
    with opened(visitor_settings(tmp_path)) as settings:
        add_staff("Helen", "Okafor", "h.okafor@hillside.example")
        add_staff("Peter", "Brown", "p.brown@hillside.example")
        yield settings


def done(app) -> bool:
    return isinstance(app.screen, VisitorScreen) and app.screen.step == "done"


async def test_walk_in_signs_in_prints_and_queues_the_host_email(kiosk_db, clock, size):
    app = visitor_kiosk(kiosk_db, clock)
    async with app.run_test(size=size) as pilot:
        assert "Visitor? press F5" in text_of(app, "#visitor-hint")
        await fill_form(pilot)
        assert app.screen.step == "notice"
        assert "Safeguarding" in screen_text(app.screen, "#notice-text")
        await pilot.press("enter")
        await wait_for(pilot, lambda: done(app), what="sign-in")
        text = screen_text(app.screen, "#done-text")
        assert "Welcome, Jane Marlowe. You are signed in at 08:00 to see Helen Okafor." in text
        assert "no badge printer is set up" in screen_text(app.screen, "#print-line")
        await pilot.press("enter")
        assert isinstance(app.screen, MainScreen)
    visit = Visit.get()
    assert (visit.person.display_name, visit.organisation, visit.visit_type, visit.car_registration,
            visit.host_name, visit.source) == ("Jane Marlowe", "Acme Lifts", "contractor", "AB12 CDE",
                                               "Helen Okafor", "kiosk")
    assert visit.notice_accepted_at == clock.now
    assert Track.get().direction == "in"
    assert HostNotification.get().to_address == "h.okafor@hillside.example"


async def test_a_repeat_visitor_is_welcomed_back_and_not_created_twice(kiosk_db, clock, size):
    first = Visitors(kiosk_db, clock).sign_in(VisitorDetails("Jane Marlowe", "Acme Lifts", None, notice_accepted=True),
                                              actor="k")
    Track.delete().execute()   # yesterday's visit, as far as today's status goes
    app = visitor_kiosk(kiosk_db, clock)
    async with app.run_test(size=size) as pilot:
        await fill_form(pilot, name="jane marlowe", organisation="ACME LIFTS", host="brown")
        await pilot.press("enter")
        await wait_for(pilot, lambda: done(app), what="sign-in")
        assert "Welcome back, Jane Marlowe" in screen_text(app.screen, "#done-text")
        assert first.badge in screen_text(app.screen, "#done-text")
    assert Person.select().where(Person.kind == "visitor").count() == 1
    assert Visit.select().count() == 2


async def test_an_expected_visitor_arrives_by_choosing_their_name_and_accepting(kiosk_db, clock, size):
    Visitors(kiosk_db, clock).expect("Sam Lee", "Ofsted", "Peter Brown", date(2026, 11, 24), actor="office")
    app = visitor_kiosk(kiosk_db, clock)
    async with app.run_test(size=size) as pilot:
        await pilot.press("f5")
        await pilot.pause()
        await pilot.press("enter")          # the first (only) expected visitor
        assert app.screen.step == "notice"
        await pilot.press("enter")          # the notice
        await wait_for(pilot, lambda: done(app), what="sign-in")
        assert "Sam Lee. You are signed in at 08:00 to see Peter Brown" in screen_text(app.screen, "#done-text")
    assert ExpectedVisit.get().arrived_visit_id == Visit.get().id


async def test_a_watch_list_match_waits_for_reception_and_the_pin(kiosk_db, clock, size):
    WatchEntry.create(name="Jane Marlowe", reason="barred", created_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    app = visitor_kiosk(kiosk_db, clock)
    async with app.run_test(size=size) as pilot:
        await fill_form(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.step == "wait", what="watch-list wait")
        assert "reception will be with you" in screen_text(app.screen, "#wait-text")
        assert Track.select().count() == 0
        await pilot.press("enter")
        assert isinstance(app.screen, PinScreen)
        await pilot.press(*PIN, "enter")
        await wait_for(pilot, lambda: done(app), what="sign-in after PIN")
    alert = WatchAlert.get()
    assert (alert.decision, alert.decided_by) == ("allowed", "kiosk:reception (PIN)")
    assert alert.visit_id == Visit.get().id and Track.select().count() == 1


async def test_a_watch_list_match_turned_away_is_recorded_and_not_signed_in(kiosk_db, clock, size):
    WatchEntry.create(name="Jane Marlowe", created_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    app = visitor_kiosk(kiosk_db, clock)
    async with app.run_test(size=size) as pilot:
        await fill_form(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.step == "wait", what="watch-list wait")
        await pilot.press("f8", *PIN, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen), what="back to idle")
    assert WatchAlert.get().decision == "refused" and Track.select().count() == 0


async def test_a_stopped_printer_never_blocks_the_sign_in_and_reception_reprints(tmp_path, clock, badge_printer, size):
    badge_printer.admin("cupsdisable", badge_printer.queue)
    with opened(visitor_settings(tmp_path, printer=badge_printer.queue)) as settings:
        add_staff("Helen", "Okafor")
        app = visitor_kiosk(settings, clock)
        async with app.run_test(size=size) as pilot:
            await fill_form(pilot)
            await pilot.press("enter")
            await wait_for(pilot, lambda: done(app), what="sign-in")
            line = screen_text(app.screen, "#print-line")
            assert "could not be printed" in line and "stopped" in line and "Reception will print it" in line
            assert Track.get().direction == "in"
            badge_printer.admin("cupsenable", badge_printer.queue)
            await pilot.press("r", *PIN, "enter")
            await wait_for(pilot, lambda: "printing" in screen_text(app.screen, "#print-line"), what="reprint")
        await wait_for(pilot, lambda: len(badge_printer.printed()) == 1, what="the job file")
        assert Visit.get().badge_printed


async def test_scanning_the_badge_signs_the_visitor_out(kiosk_db, clock, size):
    signed = Visitors(kiosk_db, clock).sign_in(VisitorDetails("Jane Marlowe", "Acme", None, notice_accepted=True),
                                               actor="k")
    clock.advance(minutes=50)
    app = visitor_kiosk(kiosk_db, clock)
    async with app.run_test(size=size) as pilot:
        app.fake_scanner.emit(signed.badge)
        await wait_for(pilot, lambda: app.main.showing_result, what="scan result")
        assert text_of(app, "#name") == "Jane Marlowe" and text_of(app, "#verdict") == "OUT <-"
    assert Visit.get().left_at == clock.now


async def test_the_form_times_out_to_idle(kiosk_db, clock, size):
    app = visitor_kiosk(kiosk_db, clock)
    async with app.run_test(size=size) as pilot:
        await pilot.press("f5", *"Jane")
        assert isinstance(app.screen, VisitorScreen)
        short_time_out(app.screen)
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen), what="time-out")
    assert Track.select().count() == 0 and Person.select().where(Person.kind == "visitor").count() == 0


def short_time_out(screen: VisitorScreen) -> None:
    """From now on the form gives up after 0.3 s without a key (the config minimum is 10 s)."""
    screen.settings.visitors.form_timeout_seconds = 0.3
    screen._restart_timer()


async def test_a_card_scanned_while_the_form_is_open_is_still_a_scan(kiosk_db, clock, size):
    add_person("Ada", "Lovelace", card="ADA1")
    app = visitor_kiosk(kiosk_db, clock)
    async with app.run_test(size=size) as pilot:
        await pilot.press("f5", *"Jane")
        app.fake_scanner.emit("ADA1")
        await wait_for(pilot, lambda: Track.select().count() == 1 and app.pending_scans == 0, what="scan recorded")
        assert isinstance(app.screen, VisitorScreen)   # the visitor's typing is kept
        # The last typed key reaches the form one burst gap after it was pressed (it might have begun a
        # card); the scan may have been recorded before that.
        await wait_for(pilot, lambda: app.screen.query_one("#name").value == "Jane", what="typing kept")
    assert Card.get(Card.code == "ADA1").person.tracks.get().direction == "in"


async def test_a_keyboard_wedge_burst_in_the_form_is_a_scan_not_typing(kiosk_db, clock, size):
    add_person("Ada", "Lovelace", card="ADA1")
    app = visitor_kiosk(kiosk_db, clock)
    async with app.run_test(size=size) as pilot:
        await pilot.press("f5", *"Jane")                 # a visitor typing at a person's pace
        await reader_types(pilot, "ADA1")                # then a card reader types its code and Enter
        await wait_for(pilot, lambda: Track.select().count() == 1 and app.pending_scans == 0, what="scan recorded")
        assert isinstance(app.screen, VisitorScreen)
        assert app.screen.query_one("#name").value == "Jane"   # nothing of the card landed in the form
    assert Card.get(Card.code == "ADA1").person.tracks.get().direction == "in"


async def test_the_kiosk_emails_the_host_at_once_without_waiting_for_the_mail_server(tmp_path, clock, smtp_server,
                                                                                    size):
    smtp = {"host": "127.0.0.1", "port": smtp_server.port, "from_address": "reception@hillside.example",
            "starttls": False}
    with opened(visitor_settings(tmp_path, notifications={"smtp": smtp})) as settings:
        add_staff("Helen", "Okafor", "h.okafor@hillside.example")
        app = visitor_kiosk(settings, clock)
        async with app.run_test(size=size) as pilot:
            await fill_form(pilot)
            await pilot.press("enter")
            await wait_for(pilot, lambda: done(app), what="sign-in")
            await wait_for(pilot, lambda: len(smtp_server.messages) == 1, what="the host's email")
            await wait_for(pilot, lambda: HostNotification.get().status == "sent", what="marked sent")
        assert b"Subject: Your visitor has arrived: Jane Marlowe (Acme Lifts)" in smtp_server.messages[0]
        assert len(smtp_server.messages) == 1


async def test_the_form_waits_while_a_pin_prompt_is_open_then_times_out(kiosk_db, clock, size):
    WatchEntry.create(name="Jane Marlowe", created_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    app = visitor_kiosk(kiosk_db, clock)
    async with app.run_test(size=size) as pilot:
        await fill_form(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.step == "wait", what="watch-list wait")
        form = app.screen
        await pilot.press("enter")
        assert isinstance(app.screen, PinScreen)
        short_time_out(form)
        await pilot.pause(1.0)                      # well past the form's time-out
        assert isinstance(app.screen, PinScreen) and app.screen_stack[-2] is form
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen), what="time-out after the prompt")
    assert WatchAlert.get().decision == "pending" and Track.select().count() == 0

