"""Migration step 8 (lost cards, roll calls) on a database made before it, and re-run safely."""

from __future__ import annotations

from imlate_tui.db import migrations
from imlate_tui.db.connection import database
from imlate_tui.db.models import SchemaVersion
from imlate_tui.db.office_models import OFFICE_MODELS, RevokedCard


def test_step_8_adds_the_tables_to_an_older_database(db):
    database.drop_tables(OFFICE_MODELS)
    SchemaVersion.delete().where(SchemaVersion.version >= 8).execute()   # as made by a version before step 8
    assert migrations.current_version() == 7
    assert not database.table_exists(RevokedCard._meta.table_name)
    assert migrations.migrate() == (7, migrations.LATEST)               # later steps are safe to re-run too
    assert all(database.table_exists(m._meta.table_name) for m in OFFICE_MODELS)
    assert migrations.migrate() == (migrations.LATEST, migrations.LATEST)


def test_step_8_is_safe_on_a_database_that_has_the_tables(db):
    SchemaVersion.delete().where(SchemaVersion.version >= 8).execute()
    assert migrations.migrate() == (7, migrations.LATEST)     # CREATE TABLE IF NOT EXISTS: nothing breaks
