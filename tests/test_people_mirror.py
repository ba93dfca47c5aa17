"""The PostgreSQL kiosk's offline copy of people, cards and today's last tracks (services/scan_journal.py):
a refresh from the server leaves out revoked cards and voided scans, and keeps a scan noted meanwhile."""

from __future__ import annotations

import pytest

from imlate_tui.db.models import Track
from imlate_tui.domain.scanning import Direction, LastTrack, school_date
from imlate_tui.services.cards import revoke_card
from imlate_tui.services.corrections import Corrections
from imlate_tui.services.scan_journal import PeopleMirror
from imlate_tui.services.scanning import ScanService
from kiosk_helpers import add_person

pytestmark = pytest.mark.db


def test_a_refresh_forgets_revoked_cards_and_voided_scans(db, clock):
    ada = add_person("Ada", "Lovelace", card="ADA1")
    scans = ScanService(db, clock)
    scans.scan("ADA1")
    day = school_date(clock(), db.tz)
    mirror = PeopleMirror()
    mirror.refresh(day)
    assert mirror.person("ADA1", False).id == ada.id
    assert mirror.last_on(ada.id, day).direction is Direction.IN

    Corrections(db, clock, scans).void(Track.get().id, "friend scanned the card", actor="office")
    revoke_card(db, "ADA1", now=clock(), actor="office")
    mirror.refresh(day)
    assert mirror.person("ADA1", False) is None      # offline, the lost card is unknown
    assert mirror.last_on(ada.id, day) is None       # the next scan is a sign-in, as on the server


def test_a_scan_noted_while_a_refresh_reads_is_kept(db, clock, monkeypatch):
    ada = add_person("Ada", "Lovelace", card="ADA1")
    day = school_date(clock(), db.tz)
    mirror = PeopleMirror()
    reading = Track.select

    def select_then_scan(*args, **kwargs):   # this kiosk records a scan just as the refresh reads tracks
        mirror.note(ada.id, day, LastTrack(Direction.IN, clock()))
        return reading(*args, **kwargs)

    monkeypatch.setattr(Track, "select", select_then_scan)
    mirror.refresh(day)
    assert mirror.last_on(ada.id, day) == LastTrack(Direction.IN, clock())
