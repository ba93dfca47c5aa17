"""The audit actor and the operator check come from the process's real user, not from $LOGNAME/$USER,
which any shell can set."""

import os
import pwd

from admin_helpers import admin_settings
from imlate_tui.cli import main
from imlate_tui.db.models import AuditEntry
from imlate_tui.identity import real_user
from imlate_tui.services.admin_actions import AdminActions, current_user

ME = pwd.getpwuid(os.getuid()).pw_name


def pretend_to_be(monkeypatch, name: str) -> None:
    for var in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(var, name)


def test_the_environment_does_not_change_who_we_are(monkeypatch):
    pretend_to_be(monkeypatch, "someone-else")
    assert real_user() == ME and current_user() == ME


def test_the_audit_actor_of_a_command_is_the_real_user(tmp_path, monkeypatch):
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"database:\n  url: sqlite:///{tmp_path}/imlate.db\nlogging:\n  file: {tmp_path}/log\n")
    (tmp_path / "people.csv").write_text("name,kind,card\nAnn Able,staff,A1\n")
    assert main(["--config", str(cfg), "db", "init"]) == 0
    pretend_to_be(monkeypatch, "head-teacher")
    assert main(["--config", str(cfg), "people", "import", str(tmp_path / "people.csv")]) == 0
    assert [e.actor for e in AuditEntry.select()] == [ME]


def test_logname_does_not_make_anyone_an_operator(db, tmp_path, monkeypatch):
    pretend_to_be(monkeypatch, "head-teacher")
    settings = admin_settings(tmp_path, admin={"operators": ["head-teacher"]})
    actions = AdminActions(settings, user=current_user(), client="local")
    assert actions.user == ME and not actions.can_change
    settings = admin_settings(tmp_path, admin={"operators": [ME]})
    assert AdminActions(settings, user=current_user(), client="local").can_change
