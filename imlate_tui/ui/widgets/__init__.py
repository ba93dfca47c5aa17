"""Kiosk widgets; `RosterTable` is shared with the SSH admin app.

The roster table (Textual's DataTable) loads when first asked for: the kiosk's first screen has none.
"""

from imlate_tui.ui.widgets.big_clock import BigClock
from imlate_tui.ui.widgets.result_panel import ResultPanel

__all__ = ["BigClock", "ResultPanel", "RosterEntry", "RosterFilter", "RosterTable"]


def __getattr__(name: str):
    if name in ("RosterEntry", "RosterFilter", "RosterTable"):
        from imlate_tui.ui.widgets import roster_table

        return getattr(roster_table, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
