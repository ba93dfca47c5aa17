"""`imlate cards revoke` / `cards list` end to end: a lost card is revoked, its scan records nothing and
says so (`"result": "revoked_card"`), and a replacement card works as usual (spec §13)."""

import json

import pytest

from imlate_tui.cli import main
from imlate_tui.db.models import AuditEntry, Track
from imlate_tui.db.office_models import RevokedCard
from imlate_tui.identity import real_user
from kiosk_helpers import add_person, opened
from imlate_tui.config import load_settings


@pytest.fixture
def config(tmp_path, monkeypatch):
    path = tmp_path / "config.yaml"
    path.write_text("database:\n  url: sqlite:///data/imlate.db\nlogging:\n  file: imlate.log\n"
                    "scanner:\n  repeat_window_seconds: 0\n")
    monkeypatch.setenv("IMLATE_CONFIG", str(path))
    assert main(["db", "init"]) == 0
    with opened(load_settings(str(path))):
        person = add_person("Amy", "Brown", card="AMY-1", year=9, form="9B")
        person.school_id = "S100"
        person.save()
        add_person("Ben", "Carter", card="BEN-1", kind="staff")
    return path


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_revoke_a_lost_card_then_give_a_replacement(config, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("USER", "office")   # ignored: the audit names the process's real user
    capsys.readouterr()
    assert json.loads(run(capsys, "scan", "amy-1", "--json")[1])["result"] == "signed_in"

    code, out, err = run(capsys, "cards", "revoke", " amy-1 ", "--note", "lost on the bus")
    assert (code, err) == (0, "")
    assert out.startswith("card AMY-1 revoked (it was Amy Brown's)")

    code, out, err = run(capsys, "scan", "AMY-1", "--json")
    data = json.loads(out)
    assert (code, err, data["result"]) == (0, "", "revoked_card")
    assert data["person"]["school_id"] == "S100" and data["minutes_late"] is None
    assert run(capsys, "scan", "AMY-1")[1] == "this card was reported lost — please see reception\n"
    with opened(load_settings(str(config))):
        assert Track.select().count() == 1                 # the two scans of the lost card recorded nothing
        lost = RevokedCard.get()
        assert (lost.code, lost.person.display_name, lost.note) == ("AMY-1", "Amy Brown", "lost on the bus")
        entry = AuditEntry.select().where(AuditEntry.action == "revoke_card").get()
        assert entry.target == f"person:{lost.person_id}" and "AMY-1" in entry.details

    # a second revoke, or a card nobody has: one line, exit 2, nothing changed
    code, out, err = run(capsys, "cards", "revoke", "AMY-1")
    assert code == 2 and out == "" and err.startswith("imlate: card AMY-1 was already revoked on ")
    assert err.count("\n") == 1 and "Amy Brown's" in err
    assert run(capsys, "cards", "revoke", "NOPE") == (
        2, "", "imlate: no card NOPE: `imlate cards list` shows the cards in use\n")

    # the replacement: an ordinary card assignment, and it signs Amy out (she is still in)
    (tmp_path / "cards.csv").write_text("card,school_id\nAMY-2,S100\n")
    assert run(capsys, "cards", "import", str(tmp_path / "cards.csv"))[0] == 0
    data = json.loads(run(capsys, "scan", "amy-2", "--json")[1])
    assert (data["result"], data["person"]["name"]) == ("signed_out", "Amy Brown")

    code, out, _ = run(capsys, "cards", "list", "--person", "S100")
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["Card", "Status", "Since", "School", "id", "Name"]
    assert lines[1].split()[:2] == ["AMY-2", "active"] and lines[2].split()[:2] == ["AMY-1", "revoked"]
    assert f"(revoked by {real_user()})" in lines[2] and lines[-1] == "1 in use, 1 revoked"
    everyone = json.loads(run(capsys, "cards", "list", "--json")[1])
    assert sorted((c["code"], c["status"]) for c in everyone) == [
        ("AMY-1", "revoked"), ("AMY-2", "active"), ("BEN-1", "active")]
    assert run(capsys, "cards", "list", "--person", "S999") == (2, "", "imlate: no person with school id S999\n")


def test_a_found_card_can_be_given_back(config, capsys, tmp_path):
    assert run(capsys, "cards", "revoke", "AMY-1")[0] == 0
    (tmp_path / "cards.csv").write_text("card,school_id\nAMY-1,S100\n")
    assert run(capsys, "cards", "import", str(tmp_path / "cards.csv"))[0] == 0
    assert json.loads(run(capsys, "scan", "AMY-1", "--json")[1])["result"] == "signed_in"
