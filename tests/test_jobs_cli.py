"""`imlate jobs …` as a script sees it: JSON results, exit codes, recorded runs."""

import json

import pytest

from imlate_tui.cli import main
from imlate_tui.db.models import JobRun
from imlate_tui.demo.isams_sim import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET


@pytest.fixture
def config(tmp_path, isams_server, monkeypatch):
    path = tmp_path / "config.yaml"
    path.write_text(f"erp:\n  enabled: true\n  isams:\n    base_url: {isams_server.base_url}\n"
                    f"    client_id: {DEMO_CLIENT_ID}\n")
    monkeypatch.setenv("IMLATE_CONFIG", str(path))
    monkeypatch.setenv("IMLATE_ERP__ISAMS__CLIENT_SECRET", DEMO_CLIENT_SECRET)
    assert main(["db", "init"]) == 0
    return path


def test_jobs_run_json_and_history(config, capsys, isams_state):
    capsys.readouterr()
    assert main(["jobs", "run", "student-sync", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["job"] == "student-sync" and result["outcome"] == "ok" and result["error"] is None
    assert result["counts"]["created"] == len(isams_state.students)
    assert main(["jobs", "run", "student-sync", "--dry-run"]) == 0
    assert "student-sync (dry run): ok" in capsys.readouterr().out
    assert main(["jobs", "history"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and "dry-run" in lines[0] and "manual" in lines[1]
    assert main(["jobs", "list"]) == 0
    assert "student-sync" in capsys.readouterr().out


def test_a_failed_job_is_recorded_and_exits_1(config, capsys, isams_state, monkeypatch):
    monkeypatch.setenv("IMLATE_ERP__ISAMS__CLIENT_SECRET", "wrong")
    capsys.readouterr()
    assert main(["jobs", "run", "codes-sync", "--json"]) == 1
    out, err = capsys.readouterr()
    result = json.loads(out)
    assert result["outcome"] == "failed" and result["error"] == "iSAMS rejected the client id/secret"
    assert err == "imlate: codes-sync failed: iSAMS rejected the client id/secret\n"
    run = JobRun.get()
    assert (run.job, run.outcome, run.error) == ("codes-sync", "failed", "iSAMS rejected the client id/secret")
    assert run.finished_at is not None


def test_jobs_need_the_integration_on(config, capsys, monkeypatch):
    monkeypatch.setenv("IMLATE_ERP__ENABLED", "false")
    capsys.readouterr()
    assert main(["jobs", "run", "photo-sync", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["error"] == "the iSAMS integration is off (erp.enabled: false)"


def test_scheduler_print_lists_next_five_runs(config, capsys):
    capsys.readouterr()
    assert main(["scheduler", "--print"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert set(lines) == {"student-sync", "photo-sync", "codes-sync", "absence-marking", "writeback", "retention",
                          "auto-signout", "notifications"}
    assert lines["photo-sync"].count("05:00") == 5
