"""`imlate kiosk set-pin`, `imlate kiosk` without a terminal, and the demo as a script sees it."""

from imlate_tui.cli import main
from imlate_tui.config import load_settings
from imlate_tui.domain.pin import verify_pin
from imlate_tui.errors import InvalidInput
from imlate_tui.services.pin_setup import set_pin

import pytest

REPO_CONFIG = __import__("pathlib").Path(__file__).resolve().parent.parent / "config.yaml"


def test_set_pin_rewrites_only_its_line(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(REPO_CONFIG.read_text())
    message = set_pin(config, "2580")
    assert message.startswith("reception PIN set in")
    settings = load_settings(str(config))
    assert verify_pin("2580", settings.kiosk.admin_pin_hash.get_secret_value())
    assert not verify_pin("0000", settings.kiosk.admin_pin_hash.get_secret_value())
    before, after = REPO_CONFIG.read_text().splitlines(), config.read_text().splitlines()
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert len(before) == len(after) and len(changed) == 1 and "admin_pin_hash" in changed[0][1]
    assert "# set with" in changed[0][1]                     # the line's comment is kept


def test_set_pin_refuses_short_or_non_digit_pins(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("kiosk:\n  admin_pin_hash: null\n")
    for bad in ("12", "abcd", ""):
        with pytest.raises(InvalidInput, match="at least 4 digits"):
            set_pin(config, bad)
    assert config.read_text() == "kiosk:\n  admin_pin_hash: null\n"


def test_set_pin_without_the_line_prints_what_to_paste(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("timezone: Europe/London\n")
    message = set_pin(config, "2580")
    assert "has no admin_pin_hash line" in message and "IMLATE_KIOSK__ADMIN_PIN_HASH='scrypt$" in message
    assert config.read_text() == "timezone: Europe/London\n"


def test_kiosk_refuses_to_start_without_a_terminal(tmp_path, capsys):
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  url: sqlite:///{tmp_path}/x.db\n")
    assert main(["--config", str(config), "kiosk"]) == 2
    assert "the kiosk needs a terminal" in capsys.readouterr().err


def test_demo_syncs_the_simulated_school(capsys):
    assert main(["--config", str(REPO_CONFIG), "demo"]) == 0
    out = capsys.readouterr().out
    assert "student-sync  ok" in out and "'created': 300" in out
    assert "Demo cards: " in out and "reception PIN 1234" in out
    assert "not a terminal: the kiosk was not started" in out


def test_admin_refuses_to_start_without_a_terminal(tmp_path, capsys):
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  url: sqlite:///{tmp_path}/x.db\n")
    assert main(["--config", str(config), "admin"]) == 2
    assert "ssh -t" in capsys.readouterr().err
