"""Where a scan's time goes with iSAMS on: cProfile of the product's scan on bench_scan.py's data.

Builds a fresh copy of the bench database (2,000 students, 1,000,000 tracks), stores the day's registers,
runs one round of 500 scans with iSAMS on (lateness + attendance intent) under cProfile, and prints the
functions with the most time of their own, then the most cumulative time. Not part of `make bench`:
run it when the scan path changes: `.venv/bin/python bench/profile_scan.py [synchronous]` (default full).
"""

from __future__ import annotations

import cProfile
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_scan import FIRST_DAY, FOLDER, product_round, store_periods, with_erp  # noqa: E402
from seed import build_bench_db  # noqa: E402

from imlate_tui.db import connection  # noqa: E402
from imlate_tui.db.connection import close_database, open_database  # noqa: E402


def main() -> None:
    sync = sys.argv[1] if len(sys.argv) > 1 else connection.SQLITE_PRAGMAS["synchronous"]
    connection.SQLITE_PRAGMAS = {**connection.SQLITE_PRAGMAS, "synchronous": sync}
    settings = with_erp(build_bench_db(FOLDER), True)
    open_database(settings.database.url, settings.base_dir)
    store_periods([FIRST_DAY])
    close_database()
    profile = cProfile.Profile()
    profile.enable()
    timings = product_round(settings, FIRST_DAY)
    profile.disable()
    print(f"500 scans, iSAMS on, SQLite synchronous={sync}: mean {sum(timings) / len(timings):.3f} ms "
          f"(under cProfile, which slows Python code, not the database)")
    stats = pstats.Stats(profile)
    stats.sort_stats("tottime").print_stats(18)
    stats.sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
