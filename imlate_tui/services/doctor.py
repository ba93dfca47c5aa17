"""`imlate doctor`: is this box ready? One line per check — OK / WARN / FAIL with the fix.

Checks, in order: config, database (reachable, schema up to date), database integrity (SQLite
`quick_check`), database journal (WAL on SQLite), disk space, log and photos (writable), scanner (device and permissions, as the
user running doctor), clock (time zone, plausible, not behind the newest record), NTP (`timedatectl`
when available, else "unknown"), iSAMS (reachability and credentials, when `erp.enabled`) and the
scheduler lock (who holds it). The exit status is non-zero when any check FAILs (`exit_status`).

Doctor never creates a database: a missing SQLite file is a FAIL telling you to run `imlate db init`.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Sequence

from imlate_tui.clock import Clock, utc_now
from imlate_tui.config import Settings, config_path, load_settings
from imlate_tui.db import migrations
from imlate_tui.db.connection import close_database, database, is_sqlite, open_database, sqlite_path
from imlate_tui.db.models import JobRun, Track
from imlate_tui.erp.mis import Mis
from imlate_tui.errors import ConfigError, DatabaseUnavailable
from imlate_tui.jobs.lock import scheduler_lock
from imlate_tui.scanner.device import ListDevices, OpenDevice, list_input_devices, open_input_device
from imlate_tui.services.doctor_checks import (Check, DiskUsage, Level, RunCommand, clock_check, disk_check,
                                               files_check, integrity_check, isams_check, journal_check,
                                               lock_check, ntp_check, scanner_check)

__all__ = ["Check", "Level", "doctor", "exit_status", "format_report", "run_checks"]


def run_command(args: Sequence[str]) -> tuple[int, str]:
    """The default `RunCommand`: a short-lived subprocess with a time-out."""
    try:
        done = subprocess.run(list(args), capture_output=True, text=True, timeout=5, check=False)
    except subprocess.TimeoutExpired:
        raise TimeoutError(f"{args[0]} did not answer within 5 s") from None
    return done.returncode, done.stdout


def doctor_client(settings: Settings) -> Mis:
    """The configured MIS, answering quickly: one attempt, a short time-out (doctor is interactive)."""
    from imlate_tui.services.mis_factory import connect_mis

    timeout = min(settings.erp.isams.timeout_seconds, 10.0)
    return connect_mis(settings, "check", max_retries=0, timeout=timeout, deadline=timeout)


def config_check(settings: Settings, source: Path | None) -> Check:
    where = f"{source}" if source is not None else "built-in defaults (no config file)"
    notes, fixes = [], []
    if settings.retention.days is None:
        notes.append("retention.days not set (attendance data kept for ever)")
        fixes.append("set retention.days to the school's retention period")
    if settings.kiosk.admin_pin_hash is None:
        notes.append("no kiosk admin PIN")
        fixes.append("run `imlate kiosk set-pin`")
    if notes:
        return Check("config", Level.WARN, f"{where}: {'; '.join(notes)}", "; ".join(fixes))
    return Check("config", Level.OK, f"{where} is valid")


def doctor(explicit_config: str | None = None, **seams: Any) -> list[Check]:
    """Load the config (a load error is the one FAIL line) and run every check; `seams` as `run_checks`."""
    path = config_path(explicit_config)
    try:
        settings = load_settings(explicit_config)
    except ConfigError as exc:
        return [Check("config", Level.FAIL, f"{path}: {exc}".replace("\n", "; "),
                      "fix the keys named (compare with the documented config.yaml), then `imlate config check`")]
    return run_checks(settings, config_file=path.resolve() if path.exists() else None, **seams)


def run_checks(settings: Settings, *, config_file: Path | None = None, clock: Clock = utc_now,
               run_command: RunCommand = run_command, disk_usage: DiskUsage = shutil.disk_usage,
               client_factory: Callable[[Settings], Mis] = doctor_client,
               list_devices: ListDevices = list_input_devices, open_device: OpenDevice = open_input_device,
               lock_factory: Callable[[Settings], Any] = scheduler_lock) -> list[Check]:
    database_checks, clock_line = _database_checks(settings, clock)
    return [config_check(settings, config_file), *database_checks,
            disk_check(_data_folder(settings), disk_usage), files_check(settings),
            scanner_check(settings, list_devices, open_device),
            clock_line, ntp_check(run_command),
            isams_check(settings, client_factory, _budget_line(settings, clock)),
            lock_check(settings, lock_factory)]


def _budget_line(settings: Settings, clock: Clock) -> str | None:
    """The request budget used in the last hour, for the MIS line; None when it cannot be read."""
    if not settings.erp.enabled:
        return None
    from imlate_tui.services.request_budget import budget_use

    opened_here = database.obj is None or database.is_closed()
    try:
        if opened_here:
            open_database(settings.database.url, settings.base_dir)
        return budget_use(settings, clock()).describe()
    except Exception:   # no database, an old schema: the other checks say why
        return None
    finally:
        if opened_here:
            close_database()


def _data_folder(settings: Settings) -> Path:
    """Where local data is written: the SQLite file's folder, else the log file's (photos live nearby)."""
    url = settings.database.url
    if url.startswith("sqlite:///"):
        return sqlite_path(url, settings.base_dir).parent
    return settings.path(settings.logging.file).parent


def _database_checks(settings: Settings, clock: Clock) -> tuple[list[Check], Check]:
    """(database, database integrity, database journal), and the clock check, which compares the clock
    with the newest record when the database can be read."""
    url = settings.database.url
    where = str(sqlite_path(url, settings.base_dir)) if url.startswith("sqlite:///") else "PostgreSQL"
    not_checked = [Check(name, Level.WARN, "not checked: the database is not available", "fix the database first")
                   for name in ("database integrity", "database journal")]
    if url.startswith("sqlite:///") and not Path(where).exists():
        return ([Check("database", Level.FAIL, f"no database at {where}", "run `imlate db init`"), *not_checked],
                clock_check(settings, clock(), None))
    opened_here = database.obj is None or database.is_closed()
    try:
        if opened_here:
            open_database(url, settings.base_dir)
    except DatabaseUnavailable as exc:
        return ([Check("database", Level.FAIL, str(exc), "fix database.url, the server or the file permissions"),
                 *not_checked], clock_check(settings, clock(), None))
    try:
        return [_schema_check(where), *_engine_checks()], clock_check(settings, clock(), _newest_record())
    finally:
        if opened_here:
            close_database()


def _schema_check(where: str) -> Check:
    version = migrations.current_version()
    if version < migrations.LATEST:
        return Check("database", Level.FAIL, f"{where}: schema {version}, this version needs {migrations.LATEST}",
                     "run `imlate db init` (safe to re-run)")
    if version > migrations.LATEST:
        return Check("database", Level.WARN, f"{where}: schema {version} is newer than this program "
                     f"({migrations.LATEST})", "upgrade imlate on this terminal to match the others")
    return Check("database", Level.OK, f"{where}: schema {version}")


def _engine_checks() -> list[Check]:
    if not is_sqlite():
        database.execute_sql("SELECT 1")
        return [Check("database integrity", Level.OK, "PostgreSQL answers (the server keeps its own integrity)"),
                Check("database journal", Level.OK, "PostgreSQL manages its own write-ahead log")]
    problems = [row[0] for row in database.execute_sql("PRAGMA quick_check").fetchall()]
    mode = database.execute_sql("PRAGMA journal_mode").fetchone()[0]
    return [integrity_check(problems), journal_check(mode)]


def _newest_record() -> datetime | None:
    if migrations.current_version() < 2:
        return None
    # Ordered to use the (local_date, at) index and the primary key rather than scan for a MAX.
    track = Track.select(Track.at).order_by(Track.local_date.desc(), Track.at.desc()).first()
    run = JobRun.select(JobRun.started_at).order_by(JobRun.id.desc()).first()
    return max((t for t in (track and track.at, run and run.started_at) if t is not None), default=None)


def format_report(checks: list[Check]) -> str:
    width = max(len(c.name) for c in checks)
    lines = [f"{c.level.value:<4}  {c.name:<{width}}  {c.message}" + (f" — fix: {c.fix}" if c.fix else "")
             for c in checks]
    counts = {level: sum(1 for c in checks if c.level is level) for level in Level}
    lines.append(f"{counts[Level.FAIL]} FAIL, {counts[Level.WARN]} WARN, {counts[Level.OK]} OK")
    return "\n".join(lines)


def exit_status(checks: list[Check]) -> int:
    return 1 if any(c.level is Level.FAIL for c in checks) else 0
