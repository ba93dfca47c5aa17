"""The audit log cannot be emptied or rewritten: not by UPDATE or DELETE (step 1), nor by PostgreSQL's
TRUNCATE or SQLite's INSERT OR REPLACE (step 5), on a fresh database and on one migrated to step 5."""

import pytest
from peewee import IntegrityError, InternalError, OperationalError

from imlate_tui.db import audit, migrations
from imlate_tui.db.connection import database, is_sqlite
from imlate_tui.db.models import AuditEntry, SchemaVersion

REFUSED = (IntegrityError, InternalError, OperationalError)   # SQLite and PostgreSQL say it differently


def one_entry(clock) -> AuditEntry:
    return audit.record(at=clock(), actor="jsmith", action="manual_sign_in", target="person:1")


def assert_history_cannot_be_rewritten(entry: AuditEntry) -> None:
    if is_sqlite():
        with pytest.raises(REFUSED, match="append-only"):
            database.execute_sql("INSERT OR REPLACE INTO audit_entry (id, at, actor, client, action, target, details)"
                                 " VALUES (?, '2026-01-01 00:00:00', 'mallory', '', 'nothing', '', '')", (entry.id,))
    else:
        with database.atomic():
            with pytest.raises(REFUSED, match="append-only"):
                database.execute_sql("TRUNCATE audit_entry")
        with database.atomic():
            with pytest.raises(REFUSED, match="append-only"):
                database.execute_sql("INSERT INTO audit_entry (id, at, actor, client, action, target, details) "
                                     "VALUES (%s, '2026-01-01', 'mallory', '', 'x', '', '') "
                                     "ON CONFLICT (id) DO UPDATE SET actor = 'mallory'", (entry.id,))
    assert [(e.id, e.actor) for e in AuditEntry.select()] == [(entry.id, "jsmith")]


def test_a_fresh_database_refuses(db, clock):
    assert_history_cannot_be_rewritten(one_entry(clock))


def test_new_entries_still_go_in(db, clock):
    first, second = one_entry(clock), one_entry(clock)
    assert second.id > first.id and AuditEntry.select().count() == 2


def drop_step_5_triggers() -> None:
    if is_sqlite():
        database.execute_sql("DROP TRIGGER audit_entry_no_replace")
    else:
        database.execute_sql("DROP TRIGGER audit_entry_no_truncate ON audit_entry")


def test_step_5_adds_the_triggers_to_an_older_database_and_reruns_safely(db, clock):
    drop_step_5_triggers()   # as a database made by the previous version
    SchemaVersion.delete().where(SchemaVersion.version >= 5).execute()
    entry = one_entry(clock)
    assert migrations.migrate() == (4, migrations.LATEST)
    assert_history_cannot_be_rewritten(entry)
    SchemaVersion.delete().where(SchemaVersion.version >= 5).execute()
    assert migrations.migrate() == (4, migrations.LATEST)   # the step itself re-runs without error
    assert_history_cannot_be_rewritten(entry)
