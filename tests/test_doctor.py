"""`imlate doctor`: every check's OK / WARN / FAIL with fakes, then real runs on a temp config and database."""

from __future__ import annotations

import errno
import os
from collections import namedtuple
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from conftest import make_settings
from imlate_tui.config import Settings
from imlate_tui.db import migrations
from imlate_tui.db.connection import write_transaction
from imlate_tui.db.models import SchemaVersion, Track
from imlate_tui.erp.mis import AttendanceCode
from imlate_tui.demo.isams_sim import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from imlate_tui.erp.isams.errors import IsamsBadResponse, IsamsPermissionError, IsamsUnavailable
from imlate_tui.jobs.lock import scheduler_lock
from imlate_tui.scanner.device import DeviceInfo
from imlate_tui.services import doctor_checks as checks
from imlate_tui.services.doctor import Check, Level, config_check, doctor, exit_status, format_report, run_checks
from reports_seed import person, track

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)
Usage = namedtuple("Usage", "total used free")
GB = 1024 ** 3


def with_(settings: Settings, section: str, **values) -> Settings:
    return settings.model_copy(update={section: getattr(settings, section).model_copy(update=values)})


# -- config and the database -----------------------------------------------------------------------

def test_config_warns_about_unset_retention_and_pin(tmp_path):
    plain = make_settings(tmp_path)
    tidy = make_settings(tmp_path, retention={"days": 400}, kiosk={"admin_pin_hash": "x"})
    warn = config_check(plain, None)
    assert warn.level is Level.WARN and "retention.days not set" in warn.message and "set-pin" in warn.fix
    assert config_check(tidy, tmp_path / "config.yaml").level is Level.OK


def test_a_broken_config_is_one_fail_line(tmp_path):
    bad = tmp_path / "config.yaml"
    bad.write_text("scanner:\n  sourse: evdev\n")
    [check] = doctor(str(bad))
    assert check.level is Level.FAIL and "scanner.sourse: unknown key" in check.message
    assert exit_status([check]) == 1


def test_journal_and_integrity_verdicts():
    assert checks.journal_check("wal").level is Level.OK
    assert checks.journal_check("delete").level is Level.FAIL
    assert checks.integrity_check(["ok"]).level is Level.OK
    damaged = checks.integrity_check(["*** in database main ***", "Page 7 is never used"])
    assert damaged.level is Level.FAIL and "Page 7" in damaged.message and "backup" in damaged.fix


def test_missing_sqlite_file_is_not_created(tmp_path):
    settings = make_settings(tmp_path, database={"url": f"sqlite:///{tmp_path / 'none.db'}"})
    found = {c.name: c for c in _run(settings)}
    assert found["database"].level is Level.FAIL and "imlate db init" in found["database"].fix
    assert found["database integrity"].level is Level.WARN
    assert not (tmp_path / "none.db").exists()


def test_unreachable_postgres_fails(tmp_path):
    settings = make_settings(tmp_path, database={"url": "postgresql://imlate@127.0.0.1:1/nothing"})
    found = {c.name: c for c in _run(settings, lock_factory=lambda s: FakeLock("pid 1"))}
    assert found["database"].level is Level.FAIL and "cannot connect to PostgreSQL" in found["database"].message


def test_schema_behind_and_ahead(db):
    with write_transaction():
        SchemaVersion.delete().where(SchemaVersion.version == migrations.LATEST).execute()
    assert _by_name(_run(db))["database"].level is Level.FAIL
    with write_transaction():
        SchemaVersion.create(version=migrations.LATEST + 1, applied_at=NOW)
    ahead = _by_name(_run(db))["database"]
    assert ahead.level is Level.WARN and "newer than this program" in ahead.message


def test_disk_space_levels(tmp_path):
    def usage(free):
        return lambda path: Usage(100 * GB, 0, free)

    assert checks.disk_check(tmp_path, usage(20 * GB)).level is Level.OK
    assert checks.disk_check(tmp_path, usage(3 * GB)).level is Level.WARN          # under 5 %
    assert checks.disk_check(tmp_path, usage(50 * 1024 ** 2)).level is Level.FAIL
    seen = []
    checks.disk_check(tmp_path / "not" / "yet", lambda p: seen.append(p) or Usage(100 * GB, 0, 50 * GB))
    assert seen == [str(tmp_path)]                                                  # nearest existing folder

    def broken(path):
        raise PermissionError(errno.EACCES, "Permission denied")
    assert checks.disk_check(tmp_path, broken).level is Level.WARN


def test_log_and_photos_must_be_writable(tmp_path):
    settings = make_settings(tmp_path)
    asked = []
    ok = checks.files_check(settings, lambda path, mode: asked.append(path) or True)
    assert ok.level is Level.OK and asked == [tmp_path, tmp_path]          # neither exists yet: their folder
    (tmp_path / "imlate.log").write_text("")
    denied = checks.files_check(settings, lambda path, mode: path.name != "imlate.log")
    assert denied.level is Level.WARN and str(tmp_path / "imlate.log") in denied.message and "chown" in denied.fix


# -- scanner ---------------------------------------------------------------------------------------

class FakeDevice:
    def close(self) -> None:
        pass


def scanner(tmp_path, source="auto", device="ffff:0035", devices=(), opens=FakeDevice):
    settings = make_settings(tmp_path, scanner={"source": source, "device": device})

    def open_device(path):
        if isinstance(opens, BaseException):
            raise opens
        return opens()
    return checks.scanner_check(settings, lambda: list(devices), open_device)


SCANNER = DeviceInfo("/dev/input/event5", "Barcode Scanner", 0xFFFF, 0x0035)


@pytest.mark.parametrize("source, device, devices, opens, level, words", [
    ("keyboard", "ffff:0035", (), FakeDevice, Level.OK, "keyboard-wedge"),
    ("auto", None, (), FakeDevice, Level.OK, "no scanner.device"),
    ("evdev", None, (), FakeDevice, Level.FAIL, "not set"),
    ("auto", "ffff:0035", (SCANNER,), FakeDevice, Level.OK, "found at /dev/input/event5"),
    ("auto", "ffff:0035", (), FakeDevice, Level.WARN, "not found"),
    ("evdev", "ffff:0035", (), FakeDevice, Level.FAIL, "not found"),
    ("auto", "ffff:0035", (DeviceInfo("/dev/input/event3", readable=False),), FakeDevice, Level.FAIL, "not readable"),
    ("auto", "/dev/input/by-id/usb-scanner", (), PermissionError(errno.EACCES, "denied"), Level.FAIL, "not readable"),
    ("evdev", "/dev/input/by-id/usb-scanner", (), OSError(errno.ENOENT, "gone"), Level.FAIL, "not found"),
    ("auto", "/dev/input/by-id/usb-scanner", (), OSError(errno.EIO, "I/O error"), Level.FAIL, "cannot be opened"),
    ("auto", "/dev/input/by-id/usb-scanner", (), ImportError("evdev"), Level.WARN, "evdev module"),
])
def test_scanner_branches(tmp_path, source, device, devices, opens, level, words):
    check = scanner(tmp_path, source, device, devices, opens)
    assert check.level is level and words in check.message
    if level is not Level.OK:
        assert check.fix
    if "not readable" in words:
        assert "udev rule" in check.fix


# -- clock and NTP ---------------------------------------------------------------------------------

def test_clock_levels(tmp_path):
    settings = make_settings(tmp_path)
    ok = checks.clock_check(settings, NOW, NOW - timedelta(hours=1))
    assert ok.level is Level.OK and ok.message == "2026-11-24 08:00 GMT in Europe/London"
    assert checks.clock_check(settings, datetime(1970, 1, 1, tzinfo=timezone.utc), None).level is Level.FAIL
    behind = checks.clock_check(settings, NOW, NOW + timedelta(hours=2))
    assert behind.level is Level.FAIL and "behind the newest record (2026-11-24 10:00 GMT)" in behind.message


def test_clock_behind_a_recorded_scan_is_found_in_the_database(db):
    track(person("Ada", "Byron"), NOW + timedelta(days=1), "in")
    assert _by_name(_run(db))["clock"].level is Level.FAIL
    assert Track.select().count() == 1


def test_ntp_levels():
    def answering(status, out):
        return lambda args: (status, out)

    def missing(args):
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", args[0])
    assert checks.ntp_check(answering(0, "yes\n")).level is Level.OK
    no = checks.ntp_check(answering(0, "no\n"))
    assert no.level is Level.WARN and "not synchronised" in no.message and "set-ntp" in no.fix
    assert "unknown" in checks.ntp_check(missing).message
    assert "unknown" in checks.ntp_check(answering(1, "")).message
    seen = []
    checks.ntp_check(lambda args: seen.append(tuple(args)) or (0, "yes"))
    assert seen == [("timedatectl", "show", "-p", "NTPSynchronized", "--value")]


# -- iSAMS and the scheduler lock ------------------------------------------------------------------

class FakeClient:
    def __init__(self, error=None):
        self.error, self.closed = error, False

    def attendance_codes(self):
        if self.error:
            raise self.error
        return [AttendanceCode("absence", "O", 1), AttendanceCode("absence", "N", 2)]

    def close(self):
        self.closed = True


@pytest.mark.parametrize("error, words", [
    (IsamsUnavailable("no answer"), "cannot reach"),
    (IsamsPermissionError("403"), "permission missing"),
    (IsamsBadResponse("not JSON"), "unexpected answer"),
])
def test_isams_failures_with_fakes(tmp_path, error, words):
    settings = make_settings(tmp_path, erp={"enabled": True, "isams": {"client_id": "a", "client_secret": "b"}})
    client = FakeClient(error)
    check = checks.isams_check(settings, lambda s: client)
    assert check.level is Level.FAIL and words in check.message and check.fix and client.closed


def test_isams_off_and_without_credentials(tmp_path):
    assert checks.isams_check(make_settings(tmp_path), lambda s: pytest.fail("no client when off")).level is Level.OK
    bare = make_settings(tmp_path, erp={"enabled": True})
    check = checks.isams_check(bare, lambda s: pytest.fail("no client without credentials"))
    assert check.level is Level.FAIL and "CLIENT_SECRET" in check.fix


class FakeLock:
    def __init__(self, holder=None, error=None):
        self._holder, self.error = holder, error

    def holder(self):
        if self.error:
            raise self.error
        return self._holder


def test_scheduler_lock_levels(tmp_path):
    settings = make_settings(tmp_path, schedule={"mode": "external"})
    held = checks.lock_check(settings, lambda s: FakeLock("pid 42 on kiosk-1 since 2026-11-24 07:00 UTC"))
    assert held.level is Level.OK and "pid 42 on kiosk-1" in held.message
    nobody = checks.lock_check(settings, lambda s: FakeLock())
    assert nobody.level is Level.WARN and "imlate-scheduler" in nobody.fix
    broken = checks.lock_check(settings, lambda s: FakeLock(error=OSError("refused")))
    assert broken.level is Level.FAIL and "refused" in broken.message
    off = checks.lock_check(with_(settings, "schedule", mode="off"), lambda s: pytest.fail("not asked"))
    assert off.level is Level.WARN


def test_format_report_and_exit_status():
    found = [Check("config", Level.OK, "config.yaml is valid"),
             Check("NTP", Level.WARN, "clock not synchronised", "timedatectl set-ntp true"),
             Check("database", Level.FAIL, "no database at /x.db", "run `imlate db init`")]
    assert format_report(found).splitlines() == [
        "OK    config    config.yaml is valid",
        "WARN  NTP       clock not synchronised — fix: timedatectl set-ntp true",
        "FAIL  database  no database at /x.db — fix: run `imlate db init`",
        "1 FAIL, 1 WARN, 1 OK",
    ]
    assert exit_status(found) == 1 and exit_status(found[:2]) == 0


# -- real runs -------------------------------------------------------------------------------------

def _run(settings: Settings, **seams) -> list[Check]:
    defaults = dict(clock=lambda: NOW, run_command=lambda args: (0, "yes"),
                    disk_usage=lambda path: Usage(100 * GB, 0, 50 * GB), list_devices=lambda: [],
                    open_device=lambda path: FakeDevice(), lock_factory=lambda s: FakeLock("pid 1"))
    defaults.update(seams)
    return run_checks(settings, **defaults)


def _by_name(found: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in found}


def _config_file(tmp_path: Path, settings: Settings, **extra) -> Path:
    data = {"database": {"url": settings.database.url}, "photos_dir": str(tmp_path / "photos"),
            "logging": {"file": str(tmp_path / "imlate.log")}, "retention": {"days": 400},
            "kiosk": {"admin_pin_hash": "set"}, "scanner": {"source": "keyboard"}, **extra}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_real_run_on_a_temp_config_and_the_simulator(db, tmp_path, isams_server):
    erp = {"enabled": True, "isams": {"base_url": isams_server.base_url, "client_id": DEMO_CLIENT_ID,
                                       "client_secret": DEMO_CLIENT_SECRET}}
    config = _config_file(tmp_path, db, erp=erp)
    holder = scheduler_lock(db)
    assert holder.try_acquire(NOW)
    try:
        found = doctor(str(config))   # real clock, timedatectl, disk, device listing, iSAMS client and lock
    finally:
        holder.release()
    names = [c.name for c in found]
    on_postgres = [] if db.database.url.startswith("sqlite:") else ["scans waiting"]   # the kiosk's local journal
    assert names == ["config", "database", "database integrity", "database journal", "disk space",
                     "log and photos", "scanner", "clock", "NTP", "iSAMS", "scheduler", *on_postgres]
    levels = {c.name: c.level for c in found}
    assert all(levels[n] is Level.OK for n in ("config", "database", "database integrity", "database journal",
                                               "log and photos", "scanner", "clock", "iSAMS", "scheduler")), \
        format_report(found)
    assert levels["NTP"] in (Level.OK, Level.WARN)
    assert "credentials accepted" in _by_name(found)["iSAMS"].message
    assert f"pid {os.getpid()}" in _by_name(found)["scheduler"].message
    assert exit_status(found) == 0 or levels["disk space"] is Level.FAIL


def test_real_run_with_bad_credentials_and_no_server(db, tmp_path, isams_server):
    erp = {"enabled": True, "isams": {"base_url": isams_server.base_url, "client_id": DEMO_CLIENT_ID,
                                       "client_secret": "wrong"}}
    refused = _by_name(doctor(str(_config_file(tmp_path, db, erp=erp)), lock_factory=lambda s: FakeLock("x")))
    assert refused["iSAMS"].level is Level.FAIL and "credentials refused" in refused["iSAMS"].message
    erp["isams"].update(base_url="http://127.0.0.1:1", client_secret=DEMO_CLIENT_SECRET)
    down = _by_name(doctor(str(_config_file(tmp_path, db, erp=erp)), lock_factory=lambda s: FakeLock("x")))
    assert down["iSAMS"].level is Level.FAIL and "cannot reach" in down["iSAMS"].message
