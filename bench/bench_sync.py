"""Student and photo sync against the simulator with 2,000 students (page size 100).

Prints: first sync time and requests; unchanged re-sync time, requests and rows written;
photo sync downloads on the first and the second run (target: 0 when nothing changed).
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from seed import bench_settings  # noqa: E402

from imlate_tui.db import migrations  # noqa: E402
from imlate_tui.db.connection import close_database, database, open_database  # noqa: E402
from imlate_tui.demo.isams_sim import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, SimConfig, SimState, SimulatorServer  # noqa: E402
from imlate_tui.erp.isams import IsamsClient  # noqa: E402
from imlate_tui.jobs.context import JobContext  # noqa: E402
from imlate_tui.services.photo_sync import sync_photos  # noqa: E402
from imlate_tui.services.student_sync import sync_students  # noqa: E402

MONDAY = datetime(2025, 9, 8, 6, 0, tzinfo=timezone.utc)


def timed(state: SimState, func, ctx: JobContext):
    before_requests, before_changes = state.api_requests, database.connection().total_changes
    t0 = time.perf_counter()
    counts = func(ctx)
    took = time.perf_counter() - t0
    ctx.close()
    return counts, took, state.api_requests - before_requests, database.connection().total_changes - before_changes


def main() -> None:
    state = SimState(SimConfig(student_count=2000, now=MONDAY))
    with SimulatorServer(state, host="127.0.0.1", port=0) as server, tempfile.TemporaryDirectory() as tmp:
        settings = bench_settings(Path(tmp), erp={"enabled": True, "isams": {
            "base_url": server.base_url, "client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET}})
        open_database(settings.database.url, settings.base_dir)
        migrations.migrate()

        def ctx() -> JobContext:
            isams = settings.erp.isams
            return JobContext(settings, clock=lambda: MONDAY, client_factory=lambda s: IsamsClient(
                isams.base_url, isams.client_id, isams.client_secret.get_secret_value(), timezone=s.erp_tz,
                page_size=100))

        for label in ("first student sync", "unchanged re-sync"):
            counts, took, requests, rows = timed(state, sync_students, ctx())
            print(f"{label:<22} {took:6.2f} s  {requests:4d} requests  {rows:5d} rows written  "
                  f"(created {counts['created']}, updated {counts['updated']}, unchanged {counts['unchanged']})")
        for label in ("first photo sync", "second photo sync"):
            counts, took, requests, _ = timed(state, sync_photos, ctx())
            print(f"{label:<22} {took:6.2f} s  {requests:4d} requests  {counts['downloaded']:5d} downloads "
                  f"(no photo {counts['no_photo']})")
        close_database()


if __name__ == "__main__":
    main()
