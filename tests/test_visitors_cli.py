"""`imlate visitors …` as scripts use it: the JSON shapes, exit codes and one-line errors (spec §13)."""

from __future__ import annotations

import json
import subprocess

import pytest

from imlate_tui.cli import main


@pytest.fixture
def config(tmp_path, monkeypatch):
    path = tmp_path / "config.yaml"
    path.write_text("database:\n  url: sqlite:///imlate.db\nlogging:\n  file: imlate.log\n"
                    "kiosk:\n  school_name: Hillside School\n")
    monkeypatch.setenv("IMLATE_CONFIG", str(path))
    assert main(["db", "init"]) == 0
    (tmp_path / "people.csv").write_text("name,kind,card,email\nHelen Okafor,staff,ST-1,h.okafor@hillside.example\n"
                                         "Tom Brennan,staff,,\nTom Brennan-Smith,staff,,tbs@hillside.example\n")
    assert main(["people", "import", str(tmp_path / "people.csv")]) == 0
    return path


def run(capsys, *argv):
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_sign_in_prints_the_result_person_and_badge_and_sign_out_by_badge(config, capsys, tmp_path):
    code, out, err = run(capsys, "visitors", "sign-in", "--name", "Jane Marlowe", "--organisation", "Acme Lifts",
                         "--host", "H.Okafor@hillside.example", "--type", "Contractor", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["result"] == "signed_in" and data["person"]["name"] == "Jane Marlowe"
    assert data["person"]["kind"] == "visitor" and data["badge"].startswith("V") and data["host"] == "Helen Okafor"
    assert data["printed"] is False and "no badge printer" in data["print_problem"]
    assert data["host_email"] == "queued (no SMTP server set up)"
    code, out, _ = run(capsys, "visitors", "list", "--on-site", "--json")
    [row] = json.loads(out)
    assert (row["name"], row["type"], row["badge"], row["on_site"]) == ("Jane Marlowe", "contractor", data["badge"], True)
    pdf = tmp_path / "badge.pdf"
    assert run(capsys, "visitors", "badge", data["badge"], "--output", str(pdf))[0] == 0
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Jane Marlowe" in text and "Acme Lifts" in text and data["badge"] in text
    code, out, _ = run(capsys, "visitors", "sign-out", data["badge"].lower(), "--json")
    assert code == 0 and json.loads(out)["result"] == "signed_out"
    assert json.loads(run(capsys, "visitors", "list", "--on-site", "--json")[1]) == []
    assert json.loads(run(capsys, "visitors", "list", "--json")[1])[0]["on_site"] is False


@pytest.mark.parametrize("host, message", [
    ("nobody", "imlate: no member of staff matches host 'nobody' (give a staff name or email)\n"),
    ("tom", "imlate: host 'tom' is ambiguous (Tom Brennan, Tom Brennan-Smith); give the full name or the email\n"),
])
def test_an_unknown_or_ambiguous_host_is_one_line_and_exit_2(config, capsys, host, message):
    code, out, err = run(capsys, "visitors", "sign-in", "--name", "Bob", "--organisation", "X", "--host", host)
    assert (code, out, err) == (2, "", message)
    assert json.loads(run(capsys, "visitors", "list", "--json")[1]) == []


def test_sign_out_by_name_and_its_errors(config, capsys):
    run(capsys, "visitors", "sign-in", "--name", "Jane Marlowe", "--organisation", "Acme", "--host", "Helen Okafor")
    assert run(capsys, "visitors", "sign-out", "--name", "Bob")[:2] == (2, "")
    assert run(capsys, "visitors", "sign-out")[0] == 2
    code, out, _ = run(capsys, "visitors", "sign-out", "--name", "jane marlowe")
    assert (code, out) == (0, "Jane Marlowe: signed out\n")


def test_expect_prints_the_visit_and_a_bad_date_is_exit_2(config, capsys):
    code, out, _ = run(capsys, "visitors", "expect", "--name", "Sam Lee", "--organisation", "Ofsted",
                       "--host", "tbs@hillside.example", "--date", "2026-12-04")
    assert (code, out) == (0, "Sam Lee (Ofsted) expected on 2026-12-04 to see Tom Brennan-Smith\n")
    with pytest.raises(SystemExit) as stopped:   # argparse: usage and one line on stderr
        main(["visitors", "expect", "--name", "X", "--organisation", "Y", "--host", "Helen Okafor",
              "--date", "04/12/2026"])
    assert stopped.value.code == 2
    assert "expected a date as YYYY-MM-DD, got '04/12/2026'" in capsys.readouterr().err


def test_people_import_takes_an_email_column_and_checks_it(config, capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,kind,email\nAnn Smith,staff,not-an-email\n")
    code, _, err = run(capsys, "people", "import", str(bad))
    assert code == 2 and "bad email address 'not-an-email'" in err
    good = tmp_path / "good.csv"
    good.write_text("name,kind,email\nTom Brennan,staff,t.brennan@hillside.example\n")
    assert run(capsys, "people", "import", str(good))[0] == 0
    code, out, _ = run(capsys, "visitors", "sign-in", "--name", "V", "--organisation", "O",
                       "--host", "t.brennan@hillside.example", "--json")
    assert json.loads(out)["host"] == "Tom Brennan"


def test_sign_in_emails_the_host_before_it_exits(config, capsys, smtp_server, monkeypatch):
    monkeypatch.setenv("IMLATE_NOTIFICATIONS__SMTP__HOST", "127.0.0.1")
    monkeypatch.setenv("IMLATE_NOTIFICATIONS__SMTP__PORT", str(smtp_server.port))
    monkeypatch.setenv("IMLATE_NOTIFICATIONS__SMTP__STARTTLS", "false")
    monkeypatch.setenv("IMLATE_NOTIFICATIONS__SMTP__FROM_ADDRESS", "reception@hillside.example")
    code, out, _ = run(capsys, "visitors", "sign-in", "--name", "Jane Marlowe", "--organisation", "Acme",
                       "--host", "Helen Okafor", "--json")
    assert code == 0 and json.loads(out)["host_email"] == "sent"
    assert len(smtp_server.messages) == 1
    assert run(capsys, "jobs", "run", "notifications", "--json")[0] == 0
    assert len(smtp_server.messages) == 1


def test_a_watch_list_match_is_not_signed_in_and_exits_3(config, capsys):
    from datetime import datetime, timezone

    from imlate_tui.db.connection import close_database, open_database
    from imlate_tui.db.visitor_models import WatchEntry

    open_database(f"sqlite:///{config.parent / 'imlate.db'}", config.parent)
    WatchEntry.create(name="Jane Marlowe", created_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    close_database()
    code, out, err = run(capsys, "visitors", "sign-in", "--name", "jane marlowe", "--organisation", "Acme",
                         "--host", "Helen Okafor")
    assert (code, out) == (3, "") and "matches the watch list: not signed in" in err and err.count("\n") == 1
    assert json.loads(run(capsys, "visitors", "list", "--json")[1]) == []


def test_the_smtp_password_comes_from_the_environment_and_is_masked(config, capsys, monkeypatch):
    monkeypatch.setenv("IMLATE_NOTIFICATIONS__SMTP__PASSWORD", "hunter2-secret")
    code, out, _ = run(capsys, "config", "check")
    assert code == 0 and "password: '***'" in out and "hunter2-secret" not in out


def test_expected_visitors_import_from_csv_all_or_nothing(config, capsys, tmp_path):
    from imlate_tui.db.connection import close_database, open_database
    from imlate_tui.db.visitor_models import ExpectedVisit

    bad = tmp_path / "expected-bad.csv"
    bad.write_text("name,organisation,host,date,type\nSam Lee,Ofsted,Helen Okafor,2026-12-07,\n"
                   ",Acme,Helen Okafor,2026-12-07,\nJo Bloggs,Acme,Tom,2026-12-07,\n"
                   "Al Green,Acme,nobody@hillside.example,07/12/2026,\nKim Poe,Acme,Helen Okafor,2026-12-08,wizard\n")
    code, out, err = run(capsys, "visitors", "import", str(bad))
    assert code == 2 and out == ""
    assert [line.removeprefix("imlate: ").split(": ", 1)[0] for line in err.splitlines()] == [
        "expected-bad.csv line 3", "expected-bad.csv line 4", "expected-bad.csv line 5", "expected-bad.csv line 6",
        "nothing was imported (4 bad rows)"]
    assert "the visitor's name is empty" in err and "ambiguous" in err and "is not YYYY-MM-DD" in err
    assert "unknown visit type 'wizard'" in err
    good = tmp_path / "expected.csv"
    good.write_text("name,organisation,host,date,type\nSam Lee,Ofsted,Helen Okafor,2026-12-07,\n"
                    "Kim Poe,Acme Lifts,tbs@hillside.example,2026-12-08,contractor\n")
    assert run(capsys, "visitors", "import", str(good)) == (0, "2 expected visitors imported\n", "")
    open_database(f"sqlite:///{tmp_path / 'imlate.db'}", tmp_path)
    try:
        rows = [(e.name, e.organisation, e.host.display_name, e.local_date.isoformat(), e.visit_type)
                for e in ExpectedVisit.select().order_by(ExpectedVisit.id)]
    finally:
        close_database()
    assert rows == [("Sam Lee", "Ofsted", "Helen Okafor", "2026-12-07", "visitor"),
                    ("Kim Poe", "Acme Lifts", "Tom Brennan-Smith", "2026-12-08", "contractor")]
