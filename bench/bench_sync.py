"""Student and photo sync against the simulator in its own process, 2,000 students, the product's page size.

Prints the first sync and an unchanged re-sync (time, requests, rows written), and photo sync downloads on
a first and a second run. The floor of a sync's time is its requests x one round trip to the same
simulator (measured in the same run); an unchanged re-sync must write 0 rows and download 0 photos.
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
from imlate_tui.db.connection import close_database, database, open_database  # noqa: E402
from imlate_tui.demo.isams_sim import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET  # noqa: E402
from imlate_tui.jobs.context import JobContext  # noqa: E402
from imlate_tui.services.photo_sync import sync_photos  # noqa: E402
from imlate_tui.services.student_sync import sync_students  # noqa: E402

MONDAY = datetime(2025, 9, 8, 6, 0, tzinfo=timezone.utc)
STUDENTS = 2000


def timed(sim: RemoteSimulator, func, ctx: JobContext):
    before_requests, before_changes = sim.api_requests, database.connection().total_changes
    t0 = time.perf_counter()
    counts = func(ctx)
    took = time.perf_counter() - t0
    ctx.close()
    return counts, took, sim.api_requests - before_requests, database.connection().total_changes - before_changes


def result(measure: str, figure: str, floor: str, ratio: str, goal: str) -> None:
    print(f"RESULT {measure} | {figure} | {floor} | {ratio} | {goal}", flush=True)


def main() -> None:
    sim = RemoteSimulator(STUDENTS)
    try:
        sim.control("POST", "clock", {"now": MONDAY.isoformat()})
        rtt = sim.round_trip()
        print(f"simulator in its own process; one round trip {rtt * 1000:.2f} ms (median of 50)")
        with tempfile.TemporaryDirectory() as tmp:
            settings = bench_settings(Path(tmp), erp={"enabled": True, "isams": {
                "base_url": sim.base_url, "client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET}})
            open_database(settings.database.url, settings.base_dir)
            migrations.migrate()
            page_size = JobContext(settings).client().client.page_size   # the product's own iSAMS client and page size
            for label in ("first student sync", "unchanged re-sync"):
                counts, took, requests, rows = timed(sim, sync_students, JobContext(settings, clock=lambda: MONDAY))
                print(f"{label:<22} {took:6.2f} s  {requests:4d} requests  {rows:5d} rows written  "
                      f"(created {counts['created']}, updated {counts['updated']}, unchanged {counts['unchanged']}, "
                      f"page size {page_size})")
                floor = requests * rtt
                result(f"{label} of {STUDENTS} students, time (floor: requests x round trip)",
                       f"{took * 1000:.0f} ms", f"{floor * 1000:.0f} ms", f"{took / floor:.1f}x", "-")
                if label == "unchanged re-sync":
                    result("unchanged re-sync, rows written", str(rows), "0", "-", "0")
            for label in ("first photo sync", "second photo sync"):
                counts, took, requests, _ = timed(sim, sync_photos, JobContext(settings, clock=lambda: MONDAY))
                print(f"{label:<22} {took:6.2f} s  {requests:4d} requests  {counts['downloaded']:5d} downloads "
                      f"(no photo {counts['no_photo']})")
                if label == "second photo sync":
                    result("second photo sync, downloads", str(counts["downloaded"]), "0", "-", "0")
            close_database()
    finally:
        sim.close()


if __name__ == "__main__":
    main()
