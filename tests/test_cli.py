"""The `imlate` command as scripts use it: exit codes, one-line errors, JSON shapes (spec §12)."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from imlate_tui.cli import main
from imlate_tui.db.migrations import LATEST

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def config(tmp_path, monkeypatch):
    path = tmp_path / "config.yaml"
    path.write_text("database:\n  url: sqlite:///data/imlate.db\nlogging:\n  file: imlate.log\n")
    monkeypatch.setenv("IMLATE_CONFIG", str(path))
    return path


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def seed(tmp_path, capsys):
    assert run(capsys, "db", "init")[0] == 0
    (tmp_path / "people.csv").write_text("name,kind,card\nHelen Okafor,staff,ST-1\nVisitor Badge,visitor,V-1\n"
                                         "Tom Brennan,staff,ST-2\n")
    assert run(capsys, "people", "import", str(tmp_path / "people.csv")) == (0, "3 cards added, 0 unchanged, "
                                                                             "3 people created\n", "")


def test_db_init_creates_then_reports_up_to_date(config, capsys, tmp_path):
    assert run(capsys, "db", "init") == (0, f"database migrated from schema version 0 to {LATEST}\n", "")
    assert run(capsys, "db", "init") == (0, f"database is up to date (schema version {LATEST})\n", "")
    assert (tmp_path / "data" / "imlate.db").exists()   # relative to the config file's folder


def test_commands_refuse_an_uninitialised_database(config, capsys):
    code, out, err = run(capsys, "roster")
    assert code == 1 and out == ""
    assert err == "imlate: the database is not initialised or is older than this program: run `imlate db init`\n"


def test_scan_json_and_exit_codes(config, capsys, tmp_path):
    seed(tmp_path, capsys)
    code, out, err = run(capsys, "scan", "st-1", "--json")
    data = json.loads(out)
    assert code == 0 and err == ""
    assert data["result"] == "signed_in" and data["person"]["name"] == "Helen Okafor"
    assert data["person"]["kind"] == "staff" and data["minutes_late"] is None
    assert json.loads(run(capsys, "scan", "st-1", "--json")[1])["result"] == "already_signed_in"
    code, out, _ = run(capsys, "scan", "NOBODY", "--json")
    assert code == 0 and json.loads(out) == {**json.loads(out), "result": "unknown_card", "person": None}
    assert run(capsys, "scan", "NOBODY") == (0, "card NOBODY not recognised — please see reception\n", "")


@pytest.mark.parametrize(("code_arg", "message"), [
    ("   ", "empty scan"), ("X" * 65, "longer than 64 characters"), ("AB\x07C", "control characters"),
])
def test_bad_scan_input_is_one_line_on_stderr_with_exit_2(config, capsys, tmp_path, code_arg, message):
    seed(tmp_path, capsys)
    code, out, err = run(capsys, "scan", code_arg)
    assert code == 2 and out == "" and message in err and err.count("\n") == 1


def test_roster_json_status_filter_and_text(config, capsys, tmp_path):
    seed(tmp_path, capsys)
    run(capsys, "scan", "ST-1")
    rows = json.loads(run(capsys, "roster", "--json")[1])
    assert [set(r) for r in rows][0] == {"id", "name", "school_id", "kind", "year_group", "form_group", "status",
                                         "last_event_at"}
    assert {r["name"]: r["status"] for r in rows} == {
        "Helen Okafor": "signed_in", "Visitor Badge": "not_signed", "Tom Brennan": "not_signed"}
    assert [r["name"] for r in json.loads(run(capsys, "roster", "--status", "in", "--json")[1])] == ["Helen Okafor"]
    assert [r["name"] for r in json.loads(run(capsys, "roster", "--status", "none", "--json")[1])] == [
        "Visitor Badge", "Tom Brennan"]
    assert json.loads(run(capsys, "roster", "--status", "out", "--json")[1]) == []
    text = run(capsys, "roster")[1]
    assert "Helen Okafor" in text and text.rstrip().endswith("1 in, 0 out, 2 not signed")


def test_firelist_groups_and_csv(config, capsys, tmp_path):
    seed(tmp_path, capsys)
    run(capsys, "scan", "ST-1")
    run(capsys, "scan", "V-1")
    text = run(capsys, "firelist")[1]
    assert "2 on site" in text.splitlines()[0]
    assert text.index("Staff (1)") < text.index("Visitors (1)")
    assert "Tom Brennan" not in text
    csv_text = run(capsys, "firelist", "--format", "csv")[1]
    assert csv_text.splitlines()[0] == "group,name,kind,school_id,year_group,form_group,signed_in_at"
    assert [line.split(",")[:2] for line in csv_text.splitlines()[1:]] == [["Staff", "Helen Okafor"],
                                                                         ["Visitors", "Visitor Badge"]]


def test_cards_import_bad_file_exit_2(config, capsys, tmp_path):
    seed(tmp_path, capsys)
    (tmp_path / "cards.csv").write_text("card\nAB\n")
    code, out, err = run(capsys, "cards", "import", str(tmp_path / "cards.csv"))
    assert code == 2 and "missing column school_id" in err


def test_config_check_prints_masked_effective_config(config, capsys, monkeypatch):
    monkeypatch.setenv("IMLATE_ERP__ISAMS__CLIENT_SECRET", "topsecret")
    code, out, err = run(capsys, "config", "check")
    assert code == 0 and "topsecret" not in out and "client_secret: '***'" in out


def test_broken_config_stops_with_the_key(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("timezone: Mars/Olympus\n")
    code, out, err = run(capsys, "--config", str(bad), "config", "check")
    assert code == 2 and err == "imlate: timezone: unknown time zone 'Mars/Olympus'\n"


def test_database_path_that_cannot_be_used(tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"database:\n  url: sqlite:///{tmp_path}/afile/imlate.db\n")
    code, _, err = run(capsys, "--config", str(cfg), "db", "init")
    assert code == 1 and "is a file, not a folder" in err


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root to drop to nobody")
def test_read_only_database_as_an_unprivileged_user():
    """Root can write anything, so the check runs the real command as `nobody`."""
    folder = Path(tempfile.mkdtemp(prefix="imlate-ro-", dir="/tmp"))  # pytest's tmp is 0700
    try:
        _run_as_nobody_on_read_only_db(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run_as_nobody_on_read_only_db(folder: Path) -> None:
    cfg = folder / "config.yaml"
    cfg.write_text(f"database:\n  url: sqlite:///{folder}/imlate.db\nlogging:\n  file: /nonexistent/log\n")
    assert main(["--config", str(cfg), "db", "init"]) == 0
    os.chmod(folder, 0o755)
    os.chmod(cfg, 0o644)
    os.chmod(folder / "imlate.db", 0o444)
    cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
           sys.executable, "-m", "imlate_tui", "--config", str(cfg), "scan", "X"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.startswith("imlate: the database ") and "read-only for this user" in proc.stderr


def test_installed_script_runs(tmp_path):
    script = Path(sys.executable).parent / "imlate"
    proc = subprocess.run([str(script), "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "db" in proc.stdout and "scan" in proc.stdout
