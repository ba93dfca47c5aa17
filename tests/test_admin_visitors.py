"""The admin view's visitors screen (F10): on site, expected, host-email outcomes, watch list, reprint;
operators only for changes, each audit-logged."""

from __future__ import annotations

from datetime import date, datetime, timezone

from imlate_tui.db.models import AuditEntry, Person
from imlate_tui.db.visitor_models import ExpectedVisit, HostNotification, WatchEntry
from imlate_tui.services.visitor_badges import print_badge
from imlate_tui.services.visitors import VisitorDetails, Visitors
from imlate_tui.ui.admin.visitors import VisitorsScreen
from admin_helpers import OPERATOR, VIEWER, admin_app, admin_settings, column, names, text, wait_for
from kiosk_helpers import opened


def seed(settings, clock):
    now = datetime(2026, 11, 1, tzinfo=timezone.utc)
    host = Person.create(kind="staff", forename="Helen", surname="Okafor", email="h@hillside.example",
                         created_at=now, updated_at=now)
    visitors = Visitors(settings, clock)
    signed = visitors.sign_in(VisitorDetails("Jane Marlowe", "Acme Lifts", host.id, "contractor",
                                             notice_accepted=True), actor="k")
    print_badge(signed.visit_id, settings)   # no printer set up: the failure is kept on the visit
    visitors.expect("Sam Lee", "Ofsted", "Helen Okafor", date(2026, 11, 24), actor="office")
    return signed


async def test_the_lists_an_officer_sees(tmp_path, clock):
    with opened(admin_settings(tmp_path)) as settings:
        signed = seed(settings, clock)
        HostNotification.update(status="failed", attempts=20, last_error="ConnectionRefusedError: refused").execute()
        app = admin_app(settings, clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f12")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, VisitorsScreen)
            table = screen.query_one("DataTable")
            assert names(table) == ["08:00"] and column(table, 1) == ["Jane Marlowe"]
            assert column(table, 5) == [signed.badge] and column(table, 6) == ["no"]
            assert "NOT printed: no badge printer is set up" in text(screen, "#visitors-detail")
            await pilot.press("e")
            assert names(table) == ["Sam Lee"] and column(table, 4) == ["not yet"]
            await pilot.press("m")
            assert column(table, 1) == ["h@hillside.example"] and column(table, 2) == ["failed"]
            assert "ConnectionRefusedError" in column(table, 5)[0]


async def test_operator_changes_are_audited_and_a_viewer_changes_nothing(tmp_path, clock):
    with opened(admin_settings(tmp_path)) as settings:
        seed(settings, clock)
        HostNotification.update(status="failed").execute()
        app = admin_app(settings, clock, user=VIEWER)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f12", "m", "r")
            await pilot.press("w", "a")
            await pilot.pause()
        assert HostNotification.get().status == "failed" and WatchEntry.select().count() == 0

        app = admin_app(settings, clock, user=OPERATOR)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("f12", "m", "r")
            await pilot.pause()
            assert HostNotification.get().status == "pending"
            await pilot.press("w", "a", *"Barred Person", "enter", "enter", *"court order", "enter")
            await pilot.pause()
            assert names(app.screen.query_one("DataTable")) == ["Barred Person"]
            await pilot.press("d", "y")
            await pilot.pause()
            assert WatchEntry.get().active is False
            await pilot.press("e", "a", *"Ann Other", "enter", *"Supply Co", "enter", *"okafor", "enter",
                              *"2026-11-25", "enter")
            await pilot.pause()
            assert ExpectedVisit.get(ExpectedVisit.name == "Ann Other").local_date == date(2026, 11, 25)
            await pilot.press("o", "p")
            assert await wait_for(pilot, lambda: AuditEntry.select().where(
                AuditEntry.action == "visitors.reprint").exists(), 15) is not None
        actions = [(e.actor, e.action) for e in AuditEntry.select().where(AuditEntry.actor == OPERATOR)
                   .order_by(AuditEntry.id)]
        assert actions == [(OPERATOR, "visitors.retry_email"), (OPERATOR, "watch_list.add"),
                           (OPERATOR, "watch_list.remove"), (OPERATOR, "visitors.expect"),
                           (OPERATOR, "visitors.reprint")]
