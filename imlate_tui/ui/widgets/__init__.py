"""Kiosk widgets; `RosterTable` is shared with the SSH admin app."""

from imlate_tui.ui.widgets.big_clock import BigClock
from imlate_tui.ui.widgets.result_panel import ResultPanel
from imlate_tui.ui.widgets.roster_table import RosterEntry, RosterFilter, RosterTable

__all__ = ["BigClock", "ResultPanel", "RosterEntry", "RosterFilter", "RosterTable"]
