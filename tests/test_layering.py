"""Headless mode depends on the core never importing Textual."""

import subprocess
import sys

CORE = ["imlate_tui.cli", "imlate_tui.config", "imlate_tui.domain.scanning", "imlate_tui.db.migrations",
        "imlate_tui.services.scanning", "imlate_tui.services.roster", "imlate_tui.services.imports",
        "imlate_tui.scanner"]


def test_core_modules_do_not_import_textual():
    code = "import sys\n" + "".join(f"import {m}\n" for m in CORE) + \
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'textual')\nprint(','.join(bad))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""
