"""Textual only: the kiosk app, its screens and widgets. The core never imports this package."""

from imlate_tui.ui.kiosk_app import BackgroundTask, KioskApp, make_kiosk_app, run_kiosk
from imlate_tui.ui.status import KioskStatus, StatusProvider

__all__ = ["BackgroundTask", "KioskApp", "KioskStatus", "StatusProvider", "make_kiosk_app", "run_kiosk"]
