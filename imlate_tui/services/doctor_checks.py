"""The single checks behind `imlate doctor`. Each takes what it observed (or a seam that observes it)
and returns one `Check`; `services.doctor` runs them in order and prints them.

Every external thing is a parameter — the command runner (`timedatectl`), the disk-usage call, the
input-device listing and opening, the iSAMS client factory, the scheduler lock — so tests drive
every branch with fakes.
"""

from __future__ import annotations

import os
import pwd
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from imlate_tui.erp.mis import Mis, MisAuthError, MisBadResponse, MisError, MisPermissionError, MisUnavailable
from imlate_tui.scanner.device import (DEVICE_GONE_ERRNOS, PERMISSION_FIX, DeviceSpec, ListDevices, OpenDevice,
                                       resolve)

if TYPE_CHECKING:
    from imlate_tui.config import Settings


class Level(StrEnum):
    OK = "OK"
    WARN = "WARN"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Check:
    name: str
    level: Level
    message: str
    fix: str = ""
    """What to do about a WARN or FAIL, as a sentence; empty for OK."""


RunCommand = Callable[[Sequence[str]], tuple[int, str]]
"""Run a command, return (exit status, stdout); raise OSError when it cannot be run."""
DiskUsage = Callable[[str], Any]
"""`shutil.disk_usage`: something with `.total` and `.free` in bytes."""

DISK_FAIL_BYTES = 100 * 1024 ** 2
DISK_WARN_BYTES = 1024 ** 3
DISK_WARN_FRACTION = 0.05
CLOCK_EARLIEST_YEAR = 2024   # a clock before this is a thin client that booted without a real-time clock
CLOCK_SKEW = timedelta(minutes=5)


def _user() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return f"uid {os.geteuid()}"


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit in ("B", "KB") else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


def journal_check(mode: str) -> Check:
    if mode.lower() == "wal":
        return Check("database journal", Level.OK, "SQLite in WAL mode")
    return Check("database journal", Level.FAIL, f"SQLite journal mode is {mode!r}, not WAL: the kiosk and the "
                 "scheduler will block each other", "keep the database on a local disk (WAL does not work on "
                 "network shares) that the imlate user can write, then start imlate once (it switches to WAL)")


def integrity_check(problems: list[str]) -> Check:
    if problems == ["ok"]:
        return Check("database integrity", Level.OK, "quick_check ok")
    return Check("database integrity", Level.FAIL, f"SQLite reports damage: {'; '.join(problems[:3])}",
                 "stop the kiosk and scheduler, back up the file, then restore the last good backup "
                 "(or try `sqlite3 DB .recover`)")


def disk_check(folder: Path, disk_usage: DiskUsage) -> Check:
    existing = _nearest_existing(folder)
    try:
        usage = disk_usage(str(existing))
    except OSError as exc:
        return Check("disk space", Level.WARN, f"cannot read free space of {existing}: {exc.strerror or exc}",
                     "check the folder exists and is readable")
    text = f"{_size(usage.free)} free of {_size(usage.total)} on {existing}"
    if usage.free < DISK_FAIL_BYTES:
        return Check("disk space", Level.FAIL, text, "free space now: scans fail when the disk is full "
                     "(old logs: `journalctl --vacuum-size=100M`; old data: set retention.days)")
    if usage.free < DISK_WARN_BYTES or usage.free < usage.total * DISK_WARN_FRACTION:
        return Check("disk space", Level.WARN, text, "free some space soon (logs, old photos, retention.days)")
    return Check("disk space", Level.OK, text)


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def files_check(settings: Settings, access: Callable[[Path, int], bool] = os.access) -> Check:
    """The log file and the photos folder can be written (the CLI silently drops logs it cannot write)."""
    log_file, photos = settings.path(settings.logging.file), settings.path(settings.photos_dir)
    problems = [str(p) for p in (log_file, photos)
                if not access(p if p.exists() else _nearest_existing(p), os.W_OK)]
    if problems:
        return Check("log and photos", Level.WARN, f"not writable by {_user()}: {', '.join(problems)}",
                     "give the imlate user write access (`chown -R imlate: FOLDER`); run doctor as that user "
                     "to be sure")
    return Check("log and photos", Level.OK, f"{log_file} and {photos} writable")


def scanner_check(settings: Settings, list_devices: ListDevices, open_device: OpenDevice) -> Check:
    source, device = settings.scanner.source, settings.scanner.device
    if source == "keyboard":
        return Check("scanner", Level.OK, "keyboard-wedge input (scanner.source: keyboard)")
    if not device:
        if source == "evdev":
            return Check("scanner", Level.FAIL, "scanner.source is evdev but scanner.device is not set",
                         "set scanner.device to the /dev/input/by-id/… path or vendor:product of the scanner")
        return Check("scanner", Level.OK, "keyboard-wedge input (no scanner.device set)")
    # auto falls back to typed keys when the device is missing; evdev waits for it: a failure either way,
    # but with auto the kiosk still works (keys also reach the console, no exclusive grab).
    missing = Level.WARN if source == "auto" else Level.FAIL
    try:
        spec = DeviceSpec.parse(device)
        found = resolve(spec, list_devices)
        if found.path is None:
            if found.permission_denied:
                return Check("scanner", Level.FAIL, f"scanner {device} not readable by {_user()}", PERMISSION_FIX)
            return Check("scanner", missing, f"scanner {device} not found",
                         "plug it in, or fix scanner.device (see `ls -l /dev/input/by-id/`)")
        opened = open_device(found.path)
    except ValueError as exc:
        return Check("scanner", Level.FAIL, str(exc), "fix scanner.device")
    except ImportError:
        return Check("scanner", missing, "the evdev module is not installed", "reinstall imlate (deploy/install.sh)")
    except PermissionError:
        return Check("scanner", Level.FAIL, f"scanner {device} not readable by {_user()}", PERMISSION_FIX)
    except OSError as exc:
        if exc.errno in DEVICE_GONE_ERRNOS:
            return Check("scanner", missing, f"scanner {device} not found",
                         "plug it in, or fix scanner.device (see `ls -l /dev/input/by-id/`)")
        return Check("scanner", Level.FAIL, f"scanner {device} cannot be opened: {exc.strerror or exc}",
                     "unplug and replug the scanner; check `dmesg` for USB errors")
    try:
        opened.close()
    except OSError:
        pass
    return Check("scanner", Level.OK, f"scanner {device} found at {found.path}, readable by {_user()}")


def clock_check(settings: Settings, now: datetime, newest_record: datetime | None) -> Check:
    local = now.astimezone(settings.tz)
    shown = f"{local:%Y-%m-%d %H:%M %Z} in {settings.timezone}"
    if now.year < CLOCK_EARLIEST_YEAR:
        return Check("clock", Level.FAIL, f"the clock says {shown}", "set the time before scanning (every track "
                     "is stamped with it): `timedatectl set-ntp true`, and check the network reaches NTP")
    if newest_record is not None and newest_record - now > CLOCK_SKEW:
        return Check("clock", Level.FAIL, f"the clock says {shown}, behind the newest record "
                     f"({newest_record.astimezone(settings.tz):%Y-%m-%d %H:%M %Z})",
                     "fix the clock (`timedatectl set-ntp true`); on several kiosks, sync them all to one NTP server")
    return Check("clock", Level.OK, shown)


NTP_COMMAND = ("timedatectl", "show", "-p", "NTPSynchronized", "--value")


def ntp_check(run_command: RunCommand) -> Check:
    try:
        status, out = run_command(NTP_COMMAND)
    except (OSError, TimeoutError) as exc:
        return Check("NTP", Level.WARN, f"synchronisation unknown (timedatectl not available: "
                     f"{getattr(exc, 'strerror', None) or exc})", "make sure the clock is synchronised some other way")
    answer = out.strip().lower()
    if status != 0 or answer not in ("yes", "no"):
        return Check("NTP", Level.WARN, "synchronisation unknown (timedatectl gave no answer; no systemd?)",
                     "make sure the clock is synchronised some other way")
    if answer == "yes":
        return Check("NTP", Level.OK, "clock synchronised (timedatectl)")
    return Check("NTP", Level.WARN, "clock not synchronised", "`timedatectl set-ntp true` (systemd-timesyncd) "
                 "and let the box reach an NTP server; minutes late depend on the clock")


_ISAMS_FAILURES: dict[type[MisError], tuple[str, str]] = {
    MisAuthError: ("credentials refused: ",
                     "fix erp.isams.client_id / IMLATE_ERP__ISAMS__CLIENT_SECRET (and erp.isams.scope)"),
    MisPermissionError: ("permission missing: ",
                           "grant the REST API client the registration modules in iSAMS's API Services Manager"),
    MisUnavailable: ("cannot reach {url}: ", "check the network, a proxy or firewall, and erp.isams.base_url"),
    MisBadResponse: ("unexpected answer from {url}: ", "check erp.isams.base_url points at the school's iSAMS host"),
}
"""What an iSAMS error means for doctor: the start of the message, and the fix."""


def isams_check(settings: Settings, client_factory: Callable[[Settings], Mis], budget: str | None = None) -> Check:
    isams = settings.erp.isams
    if not settings.erp.enabled:
        return Check("iSAMS", Level.OK, "integration off (erp.enabled: false)")
    if settings.erp.provider == "wonde":
        from imlate_tui.services.doctor_wonde import wonde_check

        return wonde_check(settings, client_factory, budget)
    if not isams.client_id or not isams.client_secret.get_secret_value():
        return Check("iSAMS", Level.FAIL, "no credentials", "set erp.isams.client_id and "
                     "IMLATE_ERP__ISAMS__CLIENT_SECRET (from iSAMS's API Services Manager)")
    try:
        client = client_factory(settings)
    except Exception as exc:   # a bad base_url surfaces here; the message is what a person needs
        return Check("iSAMS", Level.FAIL, f"cannot set up the client: {exc}", "fix erp.isams.base_url")
    try:
        codes = [c for c in client.attendance_codes() if c.kind == "absence"]
    except MisError as exc:
        prefix, fix = next((v for kind, v in _ISAMS_FAILURES.items() if isinstance(exc, kind)),
                           ("", "check the erp.isams settings"))
        return Check("iSAMS", Level.FAIL, prefix.format(url=isams.base_url) + str(exc), fix)
    finally:
        client.close()
    spent = f"; request budget: {budget}" if budget else ""
    return Check("iSAMS", Level.OK, f"{isams.base_url} reached, credentials accepted ({len(codes)} absence codes)"
                 f"{spent}")


STALE_BEAT_SECONDS = 180   # three missed heartbeats (jobs.scheduler.HEARTBEAT_SECONDS)


def lock_check(settings: Settings, lock_factory: Callable[[Settings], Any], now: datetime | None = None) -> Check:
    mode = settings.schedule.mode
    if mode == "off":
        return Check("scheduler", Level.WARN, "schedule.mode is off: no jobs run (sync, writeback, retention)",
                     "set schedule.mode to embedded (the kiosk runs jobs) or external (imlate-scheduler.service)")
    try:
        lock = lock_factory(settings)
        holder = lock.holder()
        beat = lock.last_beat() if holder and hasattr(lock, "last_beat") else None
    except Exception as exc:   # PostgreSQL unreachable, lock file unreadable: say so, do not crash
        return Check("scheduler", Level.FAIL, f"cannot read the scheduler lock: {exc}",
                     "check the database is reachable and the lock file next to it is readable")
    if holder and beat is not None and now is not None and (now - beat).total_seconds() > STALE_BEAT_SECONDS:
        return Check("scheduler", Level.FAIL, f"lock held by {holder}, but its scheduler has not run since "
                     f"{beat.astimezone(settings.tz):%Y-%m-%d %H:%M} (schedule.mode: {mode}): no jobs are running",
                     "restart that process (`systemctl restart imlate-scheduler` or imlate-kiosk); its log "
                     "file says why the scheduler stopped")
    if holder:
        return Check("scheduler", Level.OK, f"lock held by {holder}")
    where = ("start `imlate-scheduler.service` (`systemctl start imlate-scheduler`)" if mode == "external"
             else "start the kiosk (`systemctl start imlate-kiosk`): schedule.mode embedded runs jobs in it")
    return Check("scheduler", Level.WARN, f"nobody holds the scheduler lock: scheduled jobs are not running "
                 f"(schedule.mode: {mode})", where)


def waiting_scans_check(settings: Settings) -> Check | None:
    """With PostgreSQL: scans in this kiosk's local journal not yet forwarded to the server."""
    if settings.database.url.startswith("sqlite:"):
        return None
    from imlate_tui.db.journal import waiting_scans

    path = settings.path(settings.kiosk.journal)
    waiting = waiting_scans(path)
    if not waiting:
        return Check("scans waiting", Level.OK, f"none waiting for PostgreSQL in {path}")
    return Check("scans waiting", Level.WARN, f"{waiting} scan{'s' if waiting != 1 else ''} in {path} waiting "
                 f"for PostgreSQL", "the kiosk forwards them once it reaches the server: check the server and network")
