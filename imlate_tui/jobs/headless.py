"""`imlate scheduler`: the schedule without a TUI, for systemd. Stops cleanly on SIGTERM or Ctrl-C."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from datetime import datetime
from typing import TYPE_CHECKING

from imlate_tui.jobs.context import JobContext
from imlate_tui.jobs.runner import run_job
from imlate_tui.jobs.scheduler import SchedulerService, job_triggers, next_fire_times

if TYPE_CHECKING:
    from imlate_tui.config import Settings

log = logging.getLogger(__name__)


def print_schedule(settings: Settings, now: datetime) -> None:
    triggers = job_triggers(settings)
    if not triggers:
        print("no jobs scheduled (iSAMS jobs need erp.enabled: true)")
    for name, trigger in triggers.items():
        times = ", ".join(f"{t:%a %d %b %H:%M}" for t in next_fire_times(trigger, now.astimezone(settings.tz), 5))
        print(f"{name:<16} {times}")


def job_runner(settings: Settings):
    def run(name: str, trigger: str) -> None:
        run_job(name, JobContext(settings), trigger=trigger)
    return run


def run_headless(settings: Settings) -> int:
    stop = threading.Event()

    def say(message: str) -> None:
        print(f"imlate scheduler: {message}", flush=True)

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if settings.schedule.mode == "off":
        say("schedule.mode is off; nothing to run")
        return 0
    service = SchedulerService(settings, job_runner(settings), on_status=say)
    service.start()
    stop.wait()
    say("stopping")
    service.stop(wait=True)
    sys.stdout.flush()
    return 0
