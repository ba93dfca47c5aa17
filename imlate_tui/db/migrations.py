"""Numbered schema steps, applied in order by `imlate db init` (safe to re-run).

Each step runs inside one write transaction together with the version bump, so two processes running
`db init` at once cannot both apply a step: the second waits for the lock, then sees the new version.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from imlate_tui.db.connection import database, is_sqlite, write_transaction
from playhouse.migrate import SchemaMigrator, migrate as apply_operations

from imlate_tui.db.models import ALL_MODELS, ATTENDANCE_MODELS, SYNC_MODELS, AuditEntry, Person, SchemaVersion
from imlate_tui.db.models import KIOSK_MODELS


def _add_missing_column(table: str, field) -> None:
    if field.column_name not in {c.name for c in database.get_columns(table)}:
        apply_operations(SchemaMigrator.from_database(database.obj).add_column(table, field.column_name, field))


def _initial() -> None:
    # Fresh databases get today's models in full; later steps only add what an older database lacks,
    # so every step is safe on both.
    database.create_tables(ALL_MODELS)
    # Expression index so a scan can match a school id case-insensitively without a table scan.
    database.execute_sql("CREATE INDEX IF NOT EXISTS person_school_id_upper ON person (UPPER(school_id))")
    table = AuditEntry._meta.table_name
    if is_sqlite():
        for op in ("UPDATE", "DELETE"):
            database.execute_sql(
                f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")
    else:
        database.execute_sql(
            "CREATE OR REPLACE FUNCTION imlate_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$ LANGUAGE plpgsql")
        database.execute_sql(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION imlate_append_only()")


def _sync_tables() -> None:
    database.create_tables(SYNC_MODELS)
    _add_missing_column("person", Person.photo_id)


def _attendance_tables() -> None:
    database.create_tables(ATTENDANCE_MODELS)


def _staff_employee_id() -> None:
    # Fresh databases already have it from the model (step 1); an older one gets the column, then the
    # unique index under the name create_tables gives it, so both end up the same.
    _add_missing_column("person", Person.isams_employee_id)
    database.execute_sql("CREATE UNIQUE INDEX IF NOT EXISTS person_isams_employee_id ON person (isams_employee_id)")


def _kiosk_pin_lockout() -> None:
    database.create_tables(KIOSK_MODELS)  # CREATE TABLE IF NOT EXISTS: safe on any database


STEPS: list[tuple[int, str, Callable[[], None]]] = [
    (1, "people, cards, tracks, audit log", _initial),
    (2, "job runs, registration codes and periods, stored photo id", _sync_tables),
    (3, "attendance outbox and the record of register writes", _attendance_tables),
    (4, "iSAMS employee id on people, for staff sync", _staff_employee_id),
    (6, "kiosk PIN lockout kept across restarts", _kiosk_pin_lockout),
]
LATEST = STEPS[-1][0]


def current_version() -> int:
    if not database.table_exists(SchemaVersion._meta.table_name):
        return 0
    row = SchemaVersion.select().order_by(SchemaVersion.version.desc()).first()
    return row.version if row else 0


def migrate() -> tuple[int, int]:
    """Apply pending steps; returns (version before, version after)."""
    with write_transaction():
        database.create_tables([SchemaVersion])
        before = current_version()
        for version, _title, step in STEPS:
            if version > before:
                step()
                SchemaVersion.create(version=version, applied_at=datetime.now(timezone.utc))
        return before, current_version()
