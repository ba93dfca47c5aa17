"""Textual only: the kiosk and admin apps, their screens and widgets. The core never imports this package.

Import the app you need from its module (`ui.kiosk_app`, `ui.admin_app`), so an admin session never
loads the kiosk's scanner code.
"""

import os

# Textual draws a changed screen on its next frame tick, every 1/TEXTUAL_FPS s (60 by default), read
# once when Textual is imported, so it is set here, before any UI module imports Textual. At 60 a
# scan's result waited up to 17 ms for its tick, twice that after a long frame: scan->painted p99 was
# 58-63 ms on the test machine, 38-41 ms at 120 (bench/bench_kiosk.py). The tick runs only while
# something on screen changed, so an idle kiosk costs no more. An operator's own TEXTUAL_FPS wins.
os.environ.setdefault("TEXTUAL_FPS", "120")
