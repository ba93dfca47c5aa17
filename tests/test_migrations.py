"""`imlate db init` creates, upgrades and re-runs safely."""

import pytest

from conftest import empty_database
from imlate_tui.db import migrations
from imlate_tui.db.connection import close_database, database
from imlate_tui.db.models import SchemaVersion

pytestmark = pytest.mark.db   # run again on PostgreSQL by make test


def test_fresh_database_gets_every_step_and_a_rerun_changes_nothing(settings):
    empty_database(settings)
    assert migrations.migrate() == (0, migrations.LATEST)
    assert migrations.migrate() == (migrations.LATEST, migrations.LATEST)
    assert [v.version for v in SchemaVersion.select().order_by(SchemaVersion.version)] == \
        [n for n, _, _ in migrations.STEPS]
    close_database()


def test_a_version_1_database_is_upgraded_keeping_its_rows(settings, clock):
    empty_database(settings)
    migrations.migrate()
    database.execute_sql("INSERT INTO person (kind, forename, surname, division_ids, active, created_at, updated_at)"
                         " VALUES ('staff', 'Ann', 'Lee', '', TRUE, '2026-01-01 00:00:00', '2026-01-01 00:00:00')")
    # make it look like a database written by version 1
    database.execute_sql("ALTER TABLE person DROP COLUMN photo_id")
    for table in ("attendance_write", "attendance_intent", "job_run", "registration_code", "registration_period",
                  "period_fetch", "year_group_divisions"):
        database.execute_sql(f"DROP TABLE {table}")
    SchemaVersion.delete().where(SchemaVersion.version > 1).execute()
    assert migrations.current_version() == 1
    assert migrations.migrate() == (1, migrations.LATEST)
    assert "photo_id" in {c.name for c in database.get_columns("person")}
    assert {"job_run", "registration_code", "registration_period"} <= set(database.get_tables())
    assert database.execute_sql("SELECT forename FROM person").fetchone()[0] == "Ann"
    close_database()
