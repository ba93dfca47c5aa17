"""Shared fixtures: a settings object on a temporary SQLite file, a controllable clock.

Other areas keep their fixtures in tests/fixtures_<area>.py and import them here in one line.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from imlate_tui.config import Settings
from imlate_tui.db import migrations
from imlate_tui.db.connection import close_database, open_database


class FakeClock:
    """A clock tests move by hand: `clock.now = …` or `clock.advance(seconds=…)`."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def make_settings(tmp_path: Path, **overrides) -> Settings:
    data = {"database": {"url": f"sqlite:///{tmp_path / 'test.db'}"},
            "photos_dir": str(tmp_path / "photos"), "logging": {"file": str(tmp_path / "imlate.log")}}
    data.update(overrides)
    return Settings(**data, base_dir=tmp_path)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def db(settings: Settings):
    """The settings' database opened and migrated; closed afterwards."""
    open_database(settings.database.url, settings.base_dir)
    migrations.migrate()
    yield settings
    close_database()


@pytest.fixture
def clock() -> FakeClock:
    # A Tuesday in term time, 08:00 in London (GMT in November).
    return FakeClock(datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc))
from fixtures_isams import *  # noqa: F401,F403
from fixtures_sync import *  # noqa: F401,F403
from fixtures_writeback import *  # noqa: F401,F403
