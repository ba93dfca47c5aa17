"""`imlate demo` (and `make run`): the kiosk on a throw-away database, fed by the built-in iSAMS simulator.

Everything lives in a fresh temporary folder — never the configured database — so the demo cannot
touch real data. The simulator follows real time (so at weekends it has no registers, as iSAMS).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from pydantic import SecretStr

from imlate_tui.config import Settings
from imlate_tui.clock import utc_now
from imlate_tui.db import migrations
from imlate_tui.db.connection import close_database, open_database
from imlate_tui.db.models import Person
from imlate_tui.demo.isams_sim import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, SimConfig, SimState, SimulatorServer
from imlate_tui.demo.local_seed import seed_local_people
from imlate_tui.domain.pin import hash_pin
from imlate_tui.jobs.context import JobContext
from imlate_tui.jobs.runner import run_job

DEMO_PIN = "1234"
DEMO_STUDENTS = 4


def demo_settings(settings: Settings, folder: Path, base_url: str) -> Settings:
    """The same settings pointed at a private demo folder and the simulator."""
    isams = settings.erp.isams.model_copy(update={"base_url": base_url, "client_id": DEMO_CLIENT_ID,
                                                  "client_secret": SecretStr(DEMO_CLIENT_SECRET)})
    return settings.model_copy(update={
        "database": settings.database.model_copy(update={"url": f"sqlite:///{folder / 'demo.db'}"}),
        "photos_dir": str(folder / "photos"),
        "logging": settings.logging.model_copy(update={"file": str(folder / "demo.log")}),
        "erp": settings.erp.model_copy(update={"enabled": True, "isams": isams}),
        "kiosk": settings.kiosk.model_copy(update={"admin_pin_hash": SecretStr(hash_pin(DEMO_PIN))}),
        "schedule": settings.schedule.model_copy(update={"mode": "embedded"}),
    })


def prepare(settings: Settings, say=print) -> str:
    """Sync the simulator's school into the demo database; returns the line of demo cards."""
    open_database(settings.database.url, settings.base_dir)
    migrations.migrate()
    for job in ("codes-sync", "student-sync", "photo-sync"):
        started = time.monotonic()
        result = run_job(job, JobContext(settings), trigger="start")
        say(f"  {job:<13} {result.outcome} in {time.monotonic() - started:.1f} s  {result.counts}")
    local = seed_local_people(utc_now())
    students = list(Person.select().where((Person.kind == "student") & (Person.active == True))  # noqa: E712
                    .order_by(Person.year_group, Person.surname).limit(DEMO_STUDENTS))
    cards = [f"{s.school_id} ({s.display_name}, Y{s.year_group})" for s in students]
    cards += [f"{card} ({name})" for name, card in local[:2]]
    return "Demo cards: " + "   ".join(cards) + f"   |   reception PIN {DEMO_PIN}"


def wonde_settings(settings: Settings, base_url: str) -> Settings:
    """The demo settings pointed at the Wonde simulator instead (``imlate demo --mis wonde``)."""
    from imlate_tui.demo.wonde_sim import DEMO_SCHOOL_ID, DEMO_WONDE_TOKEN

    wonde = settings.erp.wonde.model_copy(update={"base_url": base_url, "school_id": DEMO_SCHOOL_ID,
                                                  "token": SecretStr(DEMO_WONDE_TOKEN)})
    return settings.model_copy(update={"erp": settings.erp.model_copy(update={"provider": "wonde", "wonde": wonde})})


def simulator(mis: str):
    """The simulator for ``imlate demo --mis``: iSAMS (300 students) or Wonde (a SIMS school, 2 s writeback queue)."""
    if mis == "wonde":
        from imlate_tui.demo.wonde_sim import WondeConfig, WondeSimulator, WondeState

        return WondeSimulator(WondeState(WondeConfig(student_count=120, writeback_delay_seconds=2.0)))
    return SimulatorServer(SimState(SimConfig(student_count=300)), host="127.0.0.1", port=0)


def run_demo(settings: Settings, mis: str = "isams") -> int:
    folder = Path(tempfile.mkdtemp(prefix="imlate-demo-"))
    try:
        with simulator(mis) as server:
            settings = demo_settings(settings, folder, server.base_url)
            if mis == "wonde":
                settings = wonde_settings(settings, server.base_url)
            print(f"ImLate demo: {'Wonde' if mis == 'wonde' else 'iSAMS'} simulator at {server.base_url}, "
                  f"database in {folder}")
            notice = prepare(settings)
            print(notice)
            if not (sys.stdin.isatty() and sys.stdout.isatty()):
                print("not a terminal: the kiosk was not started (run `make run` in a terminal)")
                return 0
            from imlate_tui.ui.kiosk_app import run_kiosk
            from imlate_tui.ui.runtime import kiosk_runtime

            runtime = kiosk_runtime(settings)
            return run_kiosk(settings, scan_service=runtime.scan_service, status=runtime.status,
                             background=runtime.background, notice=notice)
    finally:
        close_database()
        shutil.rmtree(folder, ignore_errors=True)

