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


def test_step_7_adds_the_void_columns_to_an_older_database_keeping_its_tracks(settings):
    empty_database(settings)
    migrations.migrate()
    database.execute_sql("INSERT INTO person (kind, forename, surname, division_ids, active, created_at, updated_at)"
                         " VALUES ('staff', 'Ann', 'Lee', '', TRUE, '2026-01-01 00:00:00', '2026-01-01 00:00:00')")
    database.execute_sql("INSERT INTO track (person_id, at, local_date, direction, source, terminal) "
                         "SELECT id, '2026-01-05 08:00:00', '2026-01-05', 'in', 'scanner', '' FROM person")
    for table, column in (("track", "voided_at"), ("track", "voided_by"), ("track", "void_reason"),
                          ("attendance_intent", "correction")):
        database.execute_sql(f"ALTER TABLE {table} DROP COLUMN {column}")
    SchemaVersion.delete().where(SchemaVersion.version >= 7).execute()
    before = migrations.current_version()
    assert before < 7
    assert migrations.migrate() == (before, migrations.LATEST)
    assert {"voided_at", "voided_by", "void_reason"} <= {c.name for c in database.get_columns("track")}
    assert "correction" in {c.name for c in database.get_columns("attendance_intent")}
    assert database.execute_sql("SELECT direction, voided_at FROM track").fetchone() == ("in", None)
    assert migrations.migrate() == (migrations.LATEST, migrations.LATEST)
    close_database()
