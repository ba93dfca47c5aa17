"""Numbered schema steps, applied in order by `imlate db init` (safe to re-run).

Each step runs inside one write transaction together with the version bump, so two processes running
`db init` at once cannot both apply a step: the second waits for the lock, then sees the new version.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from imlate_tui.db.connection import database, is_sqlite, write_transaction

from imlate_tui.db.models import (ALL_MODELS, ATTENDANCE_MODELS, BUDGET_MODELS, SYNC_MODELS, AttendanceIntent,
                                  AttendanceWrite, AuditEntry, JobRun, Person, SchemaVersion, Track)
from imlate_tui.db.models import JOURNAL_MODELS
from imlate_tui.db.models import KIOSK_MODELS


def _add_missing_column(table: str, field) -> None:
    if field.column_name not in {c.name for c in database.get_columns(table)}:
        # imported here: every command checks the schema version, few ever add a column
        from playhouse.migrate import SchemaMigrator, migrate as apply_operations

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


def _fencing_and_budget() -> None:
    database.create_tables(BUDGET_MODELS)
    _add_missing_column("attendance_intent", AttendanceIntent.claim_token)
    _add_missing_column("attendance_write", AttendanceWrite.mark)
    _add_missing_column("attendance_write", AttendanceWrite.claim_token)


def _job_run_outcome_fits_interrupted() -> None:
    """Also step 5: job_run.outcome widened to 20 characters for "interrupted" (PostgreSQL enforces
    lengths; SQLite does not), and job_run.process, to tell a reused pid. Both idempotent."""
    if not is_sqlite():
        database.execute_sql("ALTER TABLE job_run ALTER COLUMN outcome TYPE VARCHAR(20)")
    _add_missing_column("job_run", JobRun.process)


def _audit_truly_append_only() -> None:
    """Close the two ways round the row triggers of step 1 (fresh databases get this step too).

    PostgreSQL: `TRUNCATE` fires no row triggers, so a statement-level BEFORE TRUNCATE trigger refuses
    it. SQLite: `INSERT OR REPLACE` with an existing id deletes that row without firing DELETE triggers
    (unless recursive_triggers is on), so a BEFORE INSERT trigger refuses an id already present.
    These stop any client of the database (an admin's SQL shell included) from rewriting history by
    accident or casually; someone allowed to drop triggers can still do so, which is why the
    database's owner should not be the account people log in with (docs/deploy.md)."""
    _job_run_outcome_fits_interrupted()
    table = AuditEntry._meta.table_name
    if is_sqlite():
        database.execute_sql(
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_replace BEFORE INSERT ON {table} "
            f"WHEN EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id) "
            f"BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")
        return
    database.execute_sql(
        "CREATE OR REPLACE FUNCTION imlate_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$ LANGUAGE plpgsql")
    database.execute_sql(
        f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '{table}_no_truncate' "
        f"AND tgrelid = '{table}'::regclass) THEN "
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION imlate_append_only(); END IF; END $$")


def _forwarded_scans() -> None:
    database.create_tables(JOURNAL_MODELS)   # IF NOT EXISTS: safe on any database


def _corrections() -> None:
    # Voided scans stay in the table (who voided them, when, why); corrected intents say so.
    for field in (Track.voided_at, Track.voided_by, Track.void_reason):
        _add_missing_column("track", field)
    _add_missing_column("attendance_intent", AttendanceIntent.correction)


def _office_tables() -> None:
    # Lost cards and fire roll calls (own module, so merges stay simple). create_tables is
    # IF NOT EXISTS, so this is safe on a fresh database and on one that already has them.
    from imlate_tui.db.office_models import OFFICE_MODELS

    database.create_tables(OFFICE_MODELS)


def _visitors() -> None:
    from imlate_tui.db.visitor_models import VISITOR_MODELS

    _add_missing_column("person", Person.email)
    database.create_tables(VISITOR_MODELS)


def _queued_writes() -> None:
    _add_missing_column("attendance_write", AttendanceWrite.reference)
    _add_missing_column("attendance_write", AttendanceWrite.check_at)


def _kiosk_pin_lockout() -> None:
    database.create_tables(KIOSK_MODELS)  # CREATE TABLE IF NOT EXISTS: safe on any database


STEPS: list[tuple[int, str, Callable[[], None]]] = [
    (1, "people, cards, tracks, audit log", _initial),
    (2, "job runs, registration codes and periods, stored photo id", _sync_tables),
    (3, "attendance outbox and the record of register writes", _attendance_tables),
    (4, "iSAMS employee id on people, for staff sync", _staff_employee_id),
    (5, "audit log: no TRUNCATE (PostgreSQL), no INSERT OR REPLACE over a row (SQLite); room for "
        "an 'interrupted' job run", _audit_truly_append_only),
    (6, "kiosk PIN lockout kept across restarts", _kiosk_pin_lockout),
    (7, "voided tracks and corrected attendance intents", _corrections),
    (8, "revoked (lost) cards and fire roll calls", _office_tables),
    (9, "visitors: visits, expected visitors, watch list, host-email outbox; staff email", _visitors),
    (10, "writeback fencing tokens, neutral marks, the MIS request budget", _fencing_and_budget),
    (11, "keys of scans forwarded from kiosks' local journals", _forwarded_scans),
    (12, "queued writes (Wonde writeback ids) followed to their end", _queued_writes),
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
