"""The schedule (spec §8): APScheduler 3 cron triggers in the school's time zone, one scheduler at a time.

`SchedulerService` is used the same way by `imlate kiosk` (embedded, in a worker thread) and by the
headless `imlate scheduler`: it tries the cross-process lock; without it, it says so and keeps trying
every `schedule.lock_retry_seconds`, so when the holder stops another process takes over.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import TYPE_CHECKING, Callable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from imlate_tui.clock import Clock, utc_now
from imlate_tui.errors import ConfigError
from imlate_tui.jobs.lock import scheduler_lock
from imlate_tui.jobs.registry import JOBS

if TYPE_CHECKING:
    from imlate_tui.config import Settings

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 60
"""How often the running scheduler says it is alive; doctor calls it stopped after three missed beats."""


def job_triggers(settings: Settings) -> dict[str, CronTrigger]:
    """The enabled jobs and their triggers. iSAMS jobs only when the integration is on."""
    triggers = {}
    for name, spec in settings.schedule.jobs.items():
        job = JOBS.get(name)
        if job is None or not spec.enabled or (job.needs_erp and not settings.erp.enabled):
            continue
        try:
            triggers[name] = CronTrigger(day_of_week=spec.day_of_week, hour=spec.hour, minute=spec.minute,
                                         second=0, timezone=settings.tz)
        except ValueError as exc:   # `imlate config check` names the field; say which job at least
            raise ConfigError(f"schedule.jobs.{name}: {exc}") from None
    return triggers


def next_fire_times(trigger: CronTrigger, after: datetime, count: int) -> list[datetime]:
    times: list[datetime] = []
    previous, now = None, after
    while len(times) < count:
        fire = trigger.get_next_fire_time(previous, now)
        if fire is None:
            break
        times.append(fire)
        previous, now = fire, fire
    return times


def build_scheduler(settings: Settings, run: Callable[[str, str], object], clock: Clock = utc_now,
                    ) -> BackgroundScheduler:
    """A scheduler with every enabled job; `run(name, trigger)` runs one job. codes-sync also runs at start."""
    scheduler = BackgroundScheduler(timezone=settings.tz, job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": settings.schedule.misfire_grace_seconds})
    for name, trigger in job_triggers(settings).items():
        scheduler.add_job(run, trigger, args=[name, "schedule"], id=name, name=name, replace_existing=True)
        if JOBS[name].run_at_start:
            scheduler.add_job(run, "date", run_date=clock(), args=[name, "start"], id=f"{name}@start",
                              name=f"{name} at start")
    return scheduler


class SchedulerService:
    """Holds the lock and runs the schedule; `start()` returns at once, `stop()` is prompt."""

    def __init__(self, settings: Settings, run: Callable[[str, str], object], *, clock: Clock = utc_now,
                 on_status: Callable[[str], None] = lambda message: None) -> None:
        self.settings = settings
        self.run = run
        self.clock = clock
        self.on_status = on_status
        self.lock = scheduler_lock(settings)
        self.scheduler: BackgroundScheduler | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def scheduling(self) -> bool:
        return self.scheduler is not None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="imlate-scheduler", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        told = False
        while not self._stop.is_set():
            if self.lock.try_acquire(self.clock()):
                try:
                    self.scheduler = build_scheduler(self.settings, self.run, self.clock)
                    self.scheduler.start()
                except Exception as exc:
                    # Holding the lock with no scheduler would stop every other process taking over.
                    log.exception("the scheduler could not start")
                    self.scheduler = None
                    self.lock.release()
                    self.on_status(f"the scheduler could not start: {exc}")
                    return
                self.on_status(f"scheduling {len(self.scheduler.get_jobs())} jobs")
                log.info("scheduler started with jobs %s", [j.id for j in self.scheduler.get_jobs()])
                # Taking the lock counts as the first beat (the lock file / connection was just written).
                self.scheduler.add_job(self._beat, "interval", seconds=HEARTBEAT_SECONDS, id="heartbeat",
                                       name="heartbeat")
                return
            if not told:
                holder = self.lock.holder() or "another process"
                self.on_status(f"another scheduler is running ({holder}); waiting to take over")
                log.info("scheduler lock held by %s; waiting", holder)
                told = True
            self._stop.wait(self.settings.schedule.lock_retry_seconds)

    def _beat(self) -> None:
        """Run by APScheduler itself, so a beat proves jobs are being run (not only that the lock is held)."""
        try:
            self.lock.beat()
        except Exception:   # a lost lock connection: doctor will say the heartbeat stopped
            log.exception("scheduler heartbeat failed")

    def stop(self, wait: bool = True) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=wait)
            self.scheduler = None
        self.lock.release()
