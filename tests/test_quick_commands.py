"""Quick commands load only what they need (issue 14): no iSAMS client, scheduler or PostgreSQL driver
for `imlate scan`, `roster` and `firelist` on SQLite, and no scheduler in a kiosk with schedule.mode off.
Checked by the modules a fresh process has loaded after running the command — not by timing."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

NOT_NEEDED = ("apscheduler", "authlib", "httpx", "cryptography", "joserfc", "psycopg2", "textual", "pydantic_settings")

RUN_COMMAND = textwrap.dedent("""
    import json, sys
    from imlate_tui.cli import main
    code = main(sys.argv[1:])
    loaded = sorted({name.split(".")[0] for name in sys.modules if sys.modules[name] is not None})
    print(json.dumps({"code": code, "loaded": loaded}), file=sys.stderr)
""")


def run(args: list[str], cwd) -> dict:
    proc = subprocess.run([sys.executable, "-c", RUN_COMMAND, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)
    return json.loads(proc.stderr.strip().splitlines()[-1])


@pytest.fixture
def school(tmp_path):
    (tmp_path / "config.yaml").write_text(
        "database: {url: 'sqlite:///imlate.db'}\nlogging: {file: imlate.log}\nerp: {enabled: true}\n")
    (tmp_path / "people.csv").write_text("name,kind,card\nAnn Lee,staff,C1\n")
    for args in (["db", "init"], ["people", "import", "people.csv"]):
        assert run(["--config", "config.yaml", *args], tmp_path)["code"] == 0
    return tmp_path


@pytest.mark.slow
@pytest.mark.parametrize("args", [["scan", "C1", "--json"], ["roster", "--json"], ["firelist"]],
                         ids=["scan", "roster", "firelist"])
def test_quick_commands_load_no_isams_scheduler_postgres_or_tui(school, args):
    outcome = run(["--config", "config.yaml", *args], school)
    assert outcome["code"] == 0
    assert "peewee" in outcome["loaded"]            # the check sees what the command really imported
    assert sorted(set(NOT_NEEDED) & set(outcome["loaded"])) == []


KIOSK_RUNTIME = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from imlate_tui.config import load_settings
    from imlate_tui.db.drivers import skip_postgres_drivers
    settings = load_settings("config.yaml")
    skip_postgres_drivers(settings.database.url)
    from imlate_tui.cli import open_db
    from imlate_tui.ui.kiosk_app import make_kiosk_app
    from imlate_tui.ui.runtime import kiosk_runtime
    open_db(settings)
    runtime = kiosk_runtime(settings)
    app = make_kiosk_app(settings, scan_service=runtime.scan_service)
    loaded = sorted({name.split(".")[0] for name in sys.modules if sys.modules[name] is not None})
    print(json.dumps(loaded))
""")


@pytest.mark.slow
def test_a_kiosk_with_schedule_off_and_isams_off_loads_no_scheduler(tmp_path):
    (tmp_path / "config.yaml").write_text("database: {url: 'sqlite:///imlate.db'}\nlogging: {file: imlate.log}\n"
                                          "schedule: {mode: 'off'}\n")
    assert run(["--config", "config.yaml", "db", "init"], tmp_path)["code"] == 0
    proc = subprocess.run([sys.executable, "-c", KIOSK_RUNTIME], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    loaded = set(json.loads(proc.stdout.strip().splitlines()[-1]))
    assert "textual" in loaded
    assert not {"apscheduler", "authlib", "httpx", "cryptography", "joserfc", "psycopg2"} & loaded
