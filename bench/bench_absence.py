"""Automatic absence marking: 1,500 students in the simulator, 20 ms added to every request.

Prints the wall time of the job, the requests it made per student, and how many period lookups it did
(targets: under 20 s; periods once per division; at most 2 requests per student).
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from remote_sim import RemoteSimulator  # noqa: E402
from seed import bench_settings  # noqa: E402

from imlate_tui.db import migrations  # noqa: E402
from imlate_tui.db.connection import close_database, open_database  # noqa: E402
from imlate_tui.demo.isams_sim import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET  # noqa: E402
from imlate_tui.jobs.context import JobContext  # noqa: E402
from imlate_tui.services.absence_marking import mark_absences  # noqa: E402
from imlate_tui.services.codes_sync import sync_codes  # noqa: E402
from imlate_tui.services.student_sync import sync_students  # noqa: E402
from imlate_tui.db.models import PeriodFetch, RegistrationPeriod  # noqa: E402

TEN_AM = datetime(2025, 9, 8, 9, 0, tzinfo=timezone.utc)   # 10:00 BST: the AM register has closed


def main() -> None:
    sim = RemoteSimulator(1500)
    sim.control("POST", "clock", {"now": TEN_AM.isoformat()})
    with tempfile.TemporaryDirectory() as tmp:
        settings = bench_settings(Path(tmp), erp={"enabled": True, "isams": {
            "base_url": sim.base_url, "client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET}})
        open_database(settings.database.url, settings.base_dir)
        migrations.migrate()
        setup = JobContext(settings, clock=lambda: TEN_AM)
        sync_codes(setup)
        sync_students(setup)
        setup.close()
        RegistrationPeriod.delete().execute()     # a cold period cache: the job fetches what it needs
        PeriodFetch.delete().execute()
        sim.control("POST", "faults", {"mode": "delay:20"})
        before = sim.api_requests
        t0 = time.perf_counter()
        counts = mark_absences(JobContext(settings, clock=lambda: TEN_AM))
        took = time.perf_counter() - t0
        requests = sim.api_requests - before
        period_requests = PeriodFetch.select().count()
        students = counts["candidates"]
        print(f"absence marking: {students} students, {took:.1f} s wall time with 20 ms per request "
              f"(concurrency {settings.erp.absence_concurrency})")
        print(f"requests: {requests} in all = {period_requests} period lookups (one per division) + "
              f"{requests - period_requests} register requests = {(requests - period_requests) / students:.2f} "
              f"per student; marked {counts['marked']}, skipped {counts['skipped']}, failed {counts['failed']}")
        print("targets: under 20 s; periods once per division; at most 2 requests per student "
              "(plus token fetches: one per worker)")
        round_trip = sim.round_trip() + 0.020   # the 20 ms added to every request
        workers = settings.erp.absence_concurrency
        floor = requests / workers * round_trip
        print(f"network floor: {requests} requests / {workers} workers x {round_trip * 1000:.1f} ms round trip "
              f"= {floor:.1f} s")
        print(f"RESULT absence marking of {students} students, wall time (floor: requests / concurrency x round trip)"
              f" | {took:.2f} s | {floor:.2f} s | {took / floor:.2f}x | < 20 s", flush=True)
        print(f"RESULT absence marking, register requests per student | {(requests - period_requests) / students:.2f}"
              f" | 2 | - | <= 2", flush=True)
        close_database()
    sim.close()


if __name__ == "__main__":
    main()
