"""`imlate demo`: a throw-away database so a newcomer sees everything work without a school.

The database lives in a fresh temporary folder, never the configured one, so the demo cannot touch
real data.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from imlate_tui.clock import utc_now
from imlate_tui.config import Settings
from imlate_tui.db import migrations
from imlate_tui.db.connection import open_database
from imlate_tui.demo.local_seed import seed_local_people


def demo_settings(settings: Settings, folder: Path) -> Settings:
    """The same settings pointed at a private demo folder."""
    update = {
        "database": settings.database.model_copy(update={"url": f"sqlite:///{folder / 'demo.db'}"}),
        "photos_dir": str(folder / "photos"),
    }
    return settings.model_copy(update=update)


def run_demo(settings: Settings) -> int:
    folder = Path(tempfile.mkdtemp(prefix="imlate-demo-"))
    settings = demo_settings(settings, folder)
    open_database(settings.database.url, settings.base_dir)
    migrations.migrate()
    cards = seed_local_people(utc_now())
    print(f"Demo database: {folder / 'demo.db'}")
    print("Demo cards:")
    for name, card in cards:
        print(f"  {card:<12} {name}")
    from imlate_tui.services import roster
    from imlate_tui.domain.scanning import school_date

    print()
    print(roster.roster_text(roster.roster(school_date(utc_now(), settings.tz)), settings.tz))
    return 0
