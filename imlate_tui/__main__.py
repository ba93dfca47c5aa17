from imlate_tui.cli import run

run()
