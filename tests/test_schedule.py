"""The schedule: default triggers across a week and the clock changes, misfires, one scheduler at a time."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from conftest import make_settings
from imlate_tui.jobs.scheduler import build_scheduler, job_triggers, next_fire_times

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def triggers(tmp_path):
    return job_triggers(make_settings(tmp_path, erp={"enabled": True}))


def week_of(trigger, start):
    end = start + timedelta(days=7)
    times = []
    for t in next_fire_times(trigger, start, 10_000):
        if t >= end:
            break
        times.append(t)
    return times


def test_iSAMS_jobs_are_not_scheduled_when_the_integration_is_off(tmp_path):
    assert set(job_triggers(make_settings(tmp_path))) == {"retention", "auto-signout", "notifications"}   # the jobs without iSAMS


def test_default_jobs_across_an_ordinary_week(triggers):
    monday = datetime(2026, 11, 23, tzinfo=LONDON)   # a Monday–Friday with no bank holiday
    expected = {
        "student-sync": (["07:00", "09:00", "11:00", "13:00", "15:00", "17:00"]),
        "photo-sync": ["05:00"],
        "codes-sync": [f"{h:02d}:00" for h in range(7, 18)],
    }
    for name, clock_times in expected.items():
        times = week_of(triggers[name], monday)
        by_day = Counter(t.strftime("%a") for t in times)
        assert by_day == {d: len(clock_times) for d in ("Mon", "Tue", "Wed", "Thu", "Fri")}, name
        assert sorted({t.strftime("%H:%M") for t in times}) == clock_times, name


def test_absence_marking_hourly_at_ten_past_from_eight_to_twelve(triggers):
    times = week_of(triggers["absence-marking"], datetime(2026, 11, 23, tzinfo=LONDON))
    assert len(times) == 25 and {t.strftime("%a") for t in times} == {"Mon", "Tue", "Wed", "Thu", "Fri"}
    assert sorted({t.strftime("%H:%M") for t in times}) == ["08:10", "09:10", "10:10", "11:10", "12:10"]


def test_writeback_every_minute_every_day(triggers):
    saturday = datetime(2026, 11, 28, 10, 0, 30, tzinfo=LONDON)
    times = next_fire_times(triggers["writeback"], saturday, 3)
    assert [t.strftime("%a %H:%M:%S") for t in times] == ["Sat 10:01:00", "Sat 10:02:00", "Sat 10:03:00"]


def test_weekdays_by_name_not_crontab_numbers(triggers):
    """APScheduler 3's crontab 1-5 would be Tuesday–Saturday; ours never fires at weekends."""
    friday_evening = datetime(2026, 11, 27, 18, 0, tzinfo=LONDON)
    assert next_fire_times(triggers["student-sync"], friday_evening, 1)[0] == datetime(2026, 11, 30, 7, 0, tzinfo=LONDON)


@pytest.mark.parametrize(("friday", "friday_offset", "monday_offset"), [
    (datetime(2026, 3, 27, 12, tzinfo=LONDON), 0, 1),    # clocks go forward on Sunday 29 March
    (datetime(2026, 10, 23, 12, tzinfo=LONDON), 1, 0),   # clocks go back on Sunday 25 October
])
def test_clock_change_weekends_keep_school_wall_clock_times(triggers, friday, friday_offset, monday_offset):
    for name, expected in (("student-sync", ["Fri 13:00", "Fri 15:00", "Fri 17:00", "Mon 07:00"]),
                           ("codes-sync", ["Fri 12:00", "Fri 13:00", "Fri 14:00", "Fri 15:00", "Fri 16:00", "Fri 17:00",
                                           "Mon 07:00"])):
        times = next_fire_times(triggers[name], friday, len(expected))
        assert [t.strftime("%a %H:%M") for t in times] == expected
        assert times[0].utcoffset() == timedelta(hours=friday_offset)
        assert times[-1].utcoffset() == timedelta(hours=monday_offset)   # 07:00 on the clock, not 06:00 or 08:00
    photo = next_fire_times(triggers["photo-sync"], friday, 1)[0]
    assert photo.strftime("%a %H:%M") == "Mon 05:00" and photo.utcoffset() == timedelta(hours=monday_offset)


def test_a_run_missed_within_the_grace_time_still_runs(tmp_path):
    settings = make_settings(tmp_path, schedule={"misfire_grace_seconds": 900})
    scheduler = build_scheduler(settings, run=lambda name, trigger: None)
    ran, skipped = threading.Event(), threading.Event()
    late = datetime.now(timezone.utc) - timedelta(minutes=5)        # the machine was busy or asleep
    too_late = datetime.now(timezone.utc) - timedelta(minutes=20)
    scheduler.add_job(ran.set, "date", run_date=late, id="late")
    scheduler.add_job(skipped.set, "date", run_date=too_late, id="too-late")
    scheduler.start()
    try:
        assert ran.wait(10)
        assert not skipped.wait(0.5)
    finally:
        scheduler.shutdown(wait=True)


def start_scheduler(config):
    return subprocess.Popen([sys.executable, "-m", "imlate_tui", "--config", str(config), "scheduler"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def read_until(proc, text, timeout=20.0):
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line:
            seen.append(line)
            if text in line:
                return seen
    raise AssertionError(f"{text!r} not seen; got {seen}")


@pytest.mark.slow
def test_two_schedulers_only_one_schedules_and_the_other_takes_over(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  url: sqlite:///{tmp_path}/imlate.db\nschedule:\n  lock_retry_seconds: 0.5\n")
    assert subprocess.run([sys.executable, "-m", "imlate_tui", "--config", str(config), "db", "init"],
                          capture_output=True).returncode == 0
    first = start_scheduler(config)
    read_until(first, "scheduling")
    second = start_scheduler(config)
    try:
        lines = read_until(second, "another scheduler is running")
        assert f"pid {first.pid}" in lines[-1]
        first.send_signal(signal.SIGKILL)             # the holder dies without cleaning up
        first.wait(10)
        started = time.monotonic()
        read_until(second, "scheduling")
        assert time.monotonic() - started < 60         # the bound; here it is ~0.5 s
        second.send_signal(signal.SIGTERM)             # systemd's stop: a clean exit
        assert second.wait(10) == 0
        assert "stopping" in second.stdout.read()
    finally:
        for proc in (first, second):
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
            proc.stdout.close()
            proc.stderr.close()


def test_scheduler_lock_is_exclusive_and_released(db):
    """On SQLite a file lock, on PostgreSQL an advisory lock: the same behaviour either way."""
    from imlate_tui.jobs.lock import scheduler_lock

    now = datetime(2026, 11, 23, 7, 0, tzinfo=timezone.utc)
    first, second = scheduler_lock(db), scheduler_lock(db)
    assert first.try_acquire(now) and first.held
    assert not second.try_acquire(now)
    assert f"pid {os.getpid()}" in second.holder()
    first.release()
    assert second.holder() is None
    assert second.try_acquire(now)
    second.release()
