"""A revoked card at the scan service: nothing recorded, the result says so, and a known card's scan
does not even look at the revoked cards (the hot path is unchanged)."""

from __future__ import annotations

import logging

import pytest

from imlate_tui.db.models import Track
from imlate_tui.services.cards import revoke_card
from imlate_tui.services.scanning import Outcome, ScanService
from kiosk_helpers import add_person


class SqlLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.sql: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.sql.append(record.msg[0] if isinstance(record.msg, tuple) else str(record.msg))


@pytest.fixture
def sql_log():
    logger, handler = logging.getLogger("peewee"), SqlLog()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_revoked_card_scan(db, clock, sql_log):
    ann = add_person("Ann", "Able", card="A1")
    add_person("Bob", "Best", card="B1")
    revoke_card(db, "a1", now=clock(), actor="office")
    scans = ScanService(db, clock)

    sql_log.sql.clear()
    assert scans.scan("B1").result is Outcome.SIGNED_IN
    assert not [q for q in sql_log.sql if "revoked_card" in q]       # a known card never asks

    sql_log.sql.clear()
    result = scans.scan(" a1 ")
    assert (result.result, result.code, result.track_id, result.person.id) == (Outcome.REVOKED_CARD, "A1", None, ann.id)
    assert result.message == "this card was reported lost — please see reception"
    assert result.as_json()["result"] == "revoked_card"
    assert len([q for q in sql_log.sql if "revoked_card" in q]) == 1
    assert Track.select().where(Track.person == ann.id).count() == 0
    assert scans.scan("NOBODY").result is Outcome.UNKNOWN_CARD
