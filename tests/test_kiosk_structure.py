"""The kiosk's screens and write jobs never import the app (they post messages to it instead)."""

import subprocess
import sys

PARTS = ["imlate_tui.ui.screens.main", "imlate_tui.ui.screens.pin", "imlate_tui.ui.screens.roster",
         "imlate_tui.ui.screens.person_picker", "imlate_tui.ui.write_jobs", "imlate_tui.ui.widgets.result_panel",
         "imlate_tui.ui.widgets.reason_panel"]


def test_screens_and_write_jobs_do_not_import_the_kiosk_app():
    code = "import sys\n" + "".join(f"import {m}\n" for m in PARTS) + \
        "print('imlate_tui.ui.kiosk_app' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


def test_dialogs_carry_their_own_css():
    from imlate_tui.ui.screens.person_picker import PersonPickerScreen
    from imlate_tui.ui.screens.pin import PinScreen
    from imlate_tui.ui.widgets.reason_panel import ReasonPanel

    for dialog in (PinScreen, PersonPickerScreen, ReasonPanel):
        assert "#dialog" in dialog.DEFAULT_CSS or dialog is ReasonPanel, dialog
        assert dialog.__name__ in dialog.DEFAULT_CSS
