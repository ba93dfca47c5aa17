"""The report, doctor and retention commands as wired into `imlate`."""

import json

import pytest

from imlate_tui.cli import main


@pytest.fixture
def config(tmp_path, monkeypatch):
    path = tmp_path / "config.yaml"
    path.write_text(f"database:\n  url: sqlite:///{tmp_path}/imlate.db\nlogging:\n  file: {tmp_path}/log\n"
                    "retention:\n  days: 30\n")
    monkeypatch.setenv("IMLATE_CONFIG", str(path))
    return path


def test_report_commands(config, capsys, tmp_path):
    assert main(["db", "init"]) == 0
    (tmp_path / "p.csv").write_text("name,kind,card\nHelen Okafor,staff,ST-1\n")
    assert main(["people", "import", str(tmp_path / "p.csv")]) == 0
    assert main(["scan", "ST-1"]) == 0
    capsys.readouterr()
    assert main(["report", "daily"]) == 0
    assert capsys.readouterr().out.startswith("DAILY REPORT")
    assert main(["report", "daily", "--format", "csv", "--date", "2026-01-05"]) == 0
    assert capsys.readouterr().out.splitlines()[0].count(",") >= 3
    assert main(["report", "range", "--from", "2020-01-01", "--to", "2030-01-01"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0].startswith("date,school_id,name") and len(rows) == 2 and "Helen Okafor" in rows[1]
    assert main(["report", "range", "--from", "2026-02-01", "--to", "2026-01-01"]) == 2


def test_bad_report_date_is_a_usage_error(config, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["report", "daily", "--date", "yesterday"])
    assert exc.value.code == 2 and "expected a date as YYYY-MM-DD" in capsys.readouterr().err


def test_retention_job_dry_run(config, capsys):
    assert main(["db", "init"]) == 0
    capsys.readouterr()
    assert main(["jobs", "run", "retention", "--dry-run", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["outcome"] == "ok" and result["counts"]["tracks"] == 0 and result["counts"]["cutoff"]


def test_doctor_runs_even_with_a_broken_config(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("timezone: Mars/Olympus\n")
    assert main(["--config", str(bad), "doctor"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("FAIL  config") and "Mars/Olympus" in out


def test_doctor_on_a_fresh_database_says_what_to_do(config, capsys):
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  database" in out and "imlate db init" in out
    assert main(["db", "init"]) == 0
    capsys.readouterr()
    main(["doctor"])
    assert "FAIL  database " not in capsys.readouterr().out
