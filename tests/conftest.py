"""Shared fixtures: a settings object on a temporary database, a controllable clock.

The database is a temporary SQLite file, or — when IMLATE_TEST_DATABASE_URL names a PostgreSQL
database (`make test` runs the database tests a second time that way) — that database, emptied for
each test. Tests that use a database get the `db` marker automatically.

Other areas keep their fixtures in tests/fixtures_<area>.py and import them here in one line.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from imlate_tui.config import Settings
from imlate_tui.db import migrations
from imlate_tui.db.connection import close_database, database, is_sqlite, open_database


class FakeClock:
    """A clock tests move by hand: `clock.now = …` or `clock.advance(seconds=…)`."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


TEST_DATABASE_URL = os.environ.get("IMLATE_TEST_DATABASE_URL")
DB_FIXTURES = {"db", "erp_settings", "job_context", "school_day"}


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


def make_settings(tmp_path: Path, **overrides) -> Settings:
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'test.db'}"
    data = {"database": {"url": url},
            "photos_dir": str(tmp_path / "photos"), "logging": {"file": str(tmp_path / "imlate.log")}}
    data.update(overrides)
    return Settings(**data, base_dir=tmp_path)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


def empty_database(settings: Settings) -> None:
    """Open the settings' database with nothing in it (PostgreSQL is shared between tests)."""
    open_database(settings.database.url, settings.base_dir)
    if not is_sqlite():
        database.execute_sql("DROP SCHEMA public CASCADE")
        database.execute_sql("CREATE SCHEMA public")


def fresh_database(settings: Settings) -> None:
    """Open the settings' database, empty, and migrated."""
    empty_database(settings)
    migrations.migrate()


@pytest.fixture
def db(settings: Settings):
    """The settings' database opened and migrated; closed afterwards."""
    fresh_database(settings)
    yield settings
    close_database()


@pytest.fixture
def clock() -> FakeClock:
    # A Tuesday in term time, 08:00 in London (GMT in November).
    return FakeClock(datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc))
from fixtures_isams import *  # noqa: F401,F403
from fixtures_sync import *  # noqa: F401,F403
from fixtures_writeback import *  # noqa: F401,F403
from fixtures_visitors import *  # noqa: F401,F403


class WriteCounter(logging.Handler):
    """Counts the INSERT/UPDATE/DELETE statements peewee sends, on any backend."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        sql = record.msg[0] if isinstance(record.msg, tuple) else str(record.msg)
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            self.count += 1


@pytest.fixture
def writes_counted():
    """writes_counted.count: database writes made while the test runs."""
    logger = logging.getLogger("peewee")
    counter, level = WriteCounter(), logger.level
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)
    yield counter
    logger.removeHandler(counter)
    logger.setLevel(level)
from fixtures_wonde import *  # noqa: F401,F403


class KeyPace:
    """A key clock for the kiosk: each reading is `step` seconds after the last. Pilot key presses come
    a few milliseconds apart in real time, which an open dialog would take for a card reader's burst;
    the default step makes every key a person's, so tests never depend on how fast the machine is.
    Tests of reader bursts set `step` small (`app.key_clock = KeyPace(0.002)`)."""

    def __init__(self, step: float = 0.5) -> None:
        self.step = step
        self.now = 0.0

    def __call__(self) -> float:
        self.now += self.step
        return self.now


@pytest.fixture(autouse=True)
def keys_at_a_persons_pace(monkeypatch):
    from imlate_tui.ui import keys

    monkeypatch.setattr(keys, "KEY_CLOCK", KeyPace())


@pytest.fixture(autouse=True, scope="session")
def config_cache_in_a_temporary_folder(tmp_path_factory):
    """Commands keep the validated config in $XDG_CACHE_HOME/imlate (config_cache.py): in a test
    run that is a folder of its own, never the user's ~/.cache (subprocesses inherit it too)."""
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before
