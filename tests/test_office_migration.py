"""Migration step 8 (lost cards, roll calls) on a database made before it, and re-run safely."""

from __future__ import annotations

from imlate_tui.db import migrations
from imlate_tui.db.connection import database
from imlate_tui.db.models import SchemaVersion
from imlate_tui.db.office_models import OFFICE_MODELS, RevokedCard


def test_step_8_adds_the_tables_to_an_older_database(db):
    database.drop_tables(OFFICE_MODELS)
    SchemaVersion.delete().where(SchemaVersion.version == 8).execute()
    assert migrations.current_version() == 4
    assert not database.table_exists(RevokedCard._meta.table_name)
    assert migrations.migrate() == (4, 8)
    assert all(database.table_exists(m._meta.table_name) for m in OFFICE_MODELS)
    assert migrations.migrate() == (8, 8)


def test_step_8_is_safe_on_a_database_that_has_the_tables(db):
    SchemaVersion.delete().where(SchemaVersion.version == 8).execute()
    assert migrations.migrate() == (4, 8)     # CREATE TABLE IF NOT EXISTS: nothing breaks
