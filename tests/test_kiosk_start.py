"""`imlate kiosk` as the command starts it (issue 14): with a warm config cache, `schedule.mode: off`, iSAMS
off and SQLite it loads no pydantic, YAML, scheduler, HTTP/OAuth client or PostgreSQL driver, and the
roster table waits until the roster is opened. Checked by the modules a fresh process has loaded, not
by timing (bench/bench_commands.py times it)."""

from __future__ import annotations

import json
import os
from pathlib import Path
import subprocess
import sys
import textwrap

import pytest

START_KIOSK = textwrap.dedent("""
    import json, sys
    import imlate_tui.cli as cli

    def run_kiosk(settings, *, scan_service, status, background):   # build the app, do not run it
        from imlate_tui.ui.kiosk_app import make_kiosk_app

        make_kiosk_app(settings, scan_service=scan_service, status=status, background=background)
        return 0

    def skip_postgres_drivers(url):   # the kiosk module is loaded after this, as `cmd_kiosk` loads it
        real_skip(url)
        import imlate_tui.ui.kiosk_app as kiosk_app
        kiosk_app.run_kiosk = run_kiosk

    real_skip, cli.skip_postgres_drivers = cli.skip_postgres_drivers, skip_postgres_drivers
    sys.stdin.isatty = sys.stdout.isatty = lambda: True
    code = cli.main(["--config", "config.yaml", "kiosk"])
    loaded = sorted({name.split(".")[0] for name in sys.modules if sys.modules[name] is not None})
    print(json.dumps({"code": code, "loaded": loaded, "roster_table": "imlate_tui.ui.widgets.roster_table" in sys.modules}))
""")


ISAMS_ON = ("erp: {enabled: true, isams: {base_url: 'http://127.0.0.1:9', client_id: kiosk, "
            "client_secret: demo}}\n")


@pytest.mark.slow
@pytest.mark.parametrize("erp", ["", ISAMS_ON], ids=["isams-off", "isams-on"])
def test_a_kiosk_on_a_warm_cache_with_nothing_scheduled_loads_only_what_it_shows(tmp_path, monkeypatch, erp):
    """With iSAMS on, the writer's HTTP client is made in its thread after the first paint (settle_in);
    before that nothing may load pydantic (services once imported `Settings` for their type hints)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "config.yaml").write_text("database: {url: 'sqlite:///imlate.db'}\nlogging: {file: imlate.log}\n"
                                          "schedule: {mode: 'off'}\n" + erp)
    subprocess.run([sys.executable, "-m", "imlate_tui", "--config", "config.yaml", "db", "init"], cwd=tmp_path,
                   check=True, capture_output=True, timeout=120)   # validates, and fills the cache
    proc = subprocess.run([sys.executable, "-c", START_KIOSK], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    outcome = json.loads(proc.stdout.strip().splitlines()[-1])
    assert outcome["code"] == 0, proc.stderr
    assert "textual" in outcome["loaded"] and "peewee" in outcome["loaded"]   # it did build the kiosk
    not_needed = {"pydantic", "yaml", "apscheduler", "authlib", "httpx", "cryptography", "joserfc", "psycopg2",
                  "PIL", "textual_image"}   # pictures: after the first paint
    assert sorted(not_needed & set(outcome["loaded"])) == []
    assert outcome["roster_table"] is False


@pytest.mark.slow
def test_a_kiosk_that_runs_the_jobs_still_refuses_a_broken_schedule_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "config.yaml").write_text("database: {url: 'sqlite:///imlate.db'}\nlogging: {file: imlate.log}\n"
                                          "schedule: {jobs: {writeback: {minute: '*/70'}}}\n")
    subprocess.run([sys.executable, "-m", "imlate_tui", "--config", "config.yaml", "db", "init"], cwd=tmp_path,
                   check=True, capture_output=True, timeout=120)
    proc = subprocess.run([sys.executable, "-c", START_KIOSK], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert json.loads(proc.stdout.strip().splitlines()[-1])["code"] == 2
    assert proc.stderr.startswith("imlate: schedule.jobs.writeback.minute: ") and len(proc.stderr.splitlines()) == 1


@pytest.mark.parametrize("given, period", [(None, 1 / 120), ("30", 1 / 30)])
def test_the_ui_draws_at_120_frames_a_second_unless_told_otherwise(given, period):
    """Issue 10: a result waits for Textual's next frame tick; 120 a second halves Textual's default wait."""
    env = {name: value for name, value in os.environ.items() if name != "TEXTUAL_FPS"}
    if given is not None:
        env["TEXTUAL_FPS"] = given
    code = "import imlate_tui.ui.kiosk_app, textual.screen; print(textual.screen.UPDATE_PERIOD)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert float(out.stdout) == pytest.approx(period), out.stderr


def test_the_kiosk_bench_draws_at_the_kiosks_frame_rate():
    """bench/bench_kiosk.py once imported Textual before `imlate_tui.ui` and so measured at Textual's
    60 frames a second, not the kiosk's 120: every result waited up to twice as long for its frame."""
    env = {name: value for name, value in os.environ.items() if name != "TEXTUAL_FPS"}
    code = "import sys; sys.path.insert(0, 'bench'); import bench_kiosk, textual.screen; print(textual.screen.UPDATE_PERIOD)"
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, env=env, timeout=120)
    assert float(out.stdout) == pytest.approx(1 / 120), out.stderr


async def test_the_kiosk_turns_the_cycle_collector_back_on_once_drawn(db, clock):
    """`imlate kiosk` starts with the cycle collector off (cli.run, issue 14); a kiosk left without it
    all day would keep every reference cycle it ever made."""
    import gc

    from imlate_tui.ui.kiosk_app import make_kiosk_app
    from kiosk_helpers import wait_for

    gc.disable()
    try:
        app = make_kiosk_app(db, clock=clock)
        async with app.run_test() as pilot:
            await wait_for(pilot, gc.isenabled, what="the collector back on")
    finally:
        gc.enable()
