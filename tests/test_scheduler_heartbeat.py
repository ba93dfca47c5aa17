"""`imlate doctor` tells a running schedule from a lock held by a process whose scheduler has stopped."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from imlate_tui.jobs import scheduler as scheduler_module
from imlate_tui.jobs.lock import scheduler_lock
from imlate_tui.jobs.scheduler import SchedulerService
from imlate_tui.services.doctor_checks import Level, lock_check


def now() -> datetime:
    return datetime.now(timezone.utc)


def test_a_fresh_lock_is_a_running_scheduler_and_a_silent_one_is_not(db):
    """Real locks (a file on SQLite, an advisory lock on PostgreSQL): the holder has just beaten."""
    holder = scheduler_lock(db)
    assert holder.try_acquire(now())
    try:
        holder.beat()
        ok = lock_check(db, scheduler_lock, now())
        assert ok.level is Level.OK and "lock held by" in ok.message
        later = now() + timedelta(minutes=5)   # three heartbeats missed
        stale = lock_check(db, scheduler_lock, later)
        assert stale.level is Level.FAIL and "its scheduler has not run since" in stale.message
        assert "restart" in stale.fix
    finally:
        holder.release()
    nobody = lock_check(db, scheduler_lock, now())
    assert nobody.level is Level.WARN and "nobody holds the scheduler lock" in nobody.message


def test_the_running_scheduler_beats(db, monkeypatch):
    monkeypatch.setattr(scheduler_module, "HEARTBEAT_SECONDS", 0.2)
    started = threading.Event()
    service = SchedulerService(db, lambda name, trigger: None, on_status=lambda m: started.set())
    service.start()
    try:
        assert started.wait(30) and service.scheduling
        first = service.lock.last_beat()
        deadline = now() + timedelta(seconds=30)
        while service.lock.last_beat() == first and now() < deadline:
            threading.Event().wait(0.05)
        assert service.lock.last_beat() > first
    finally:
        service.stop()
