"""Helpers of the kiosk visitor tests: a kiosk with a fake scanner and the visitor services, and the
keys a visitor presses."""

from __future__ import annotations

from datetime import datetime, timezone

from imlate_tui.db.models import Person
from imlate_tui.services.scanning import scan_service_for
from imlate_tui.ui.kiosk_app import make_kiosk_app
from kiosk_helpers import FakeScanner, kiosk_settings

SIZES = [(80, 24), (160, 48)]


def visitor_settings(tmp_path, *, printer: str | None = None, **overrides):
    return kiosk_settings(tmp_path, visitors={"badge": {"printer": printer, "folder": str(tmp_path / "badges")}},
                          **overrides)


def add_staff(forename: str, surname: str, email: str | None = None) -> Person:
    now = datetime(2026, 11, 1, tzinfo=timezone.utc)
    return Person.create(kind="staff", forename=forename, surname=surname, email=email,
                         created_at=now, updated_at=now)


def visitor_kiosk(settings, clock, scanner: FakeScanner | None = None):
    scanner = scanner or FakeScanner()
    app = make_kiosk_app(settings, clock=clock, scan_service=scan_service_for(settings, clock),
                         scanner=scanner.factory)
    app.fake_scanner = scanner  # type: ignore[attr-defined]
    return app


async def fill_form(pilot, name="Jane Marlowe", organisation="Acme Lifts", host="okafor", type_steps=1,
                    car="AB12 CDE") -> None:
    """F5, then the form as a visitor types it, up to the notice (not yet accepted)."""
    await pilot.press("f5")
    await pilot.pause()
    await pilot.press(*name, "enter")
    await pilot.press(*organisation, "enter")
    await pilot.press(*host)
    await pilot.pause()
    await pilot.press("enter")
    await pilot.press(*(["right"] * type_steps), "enter")
    await pilot.press(*car, "enter")
    await pilot.pause()


def screen_text(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())
