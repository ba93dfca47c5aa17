"""A config or environment file saved in the wrong encoding is one line naming the file, from every
command and from `imlate doctor`, not a traceback."""

import pytest

from imlate_tui.cli import main

CONFIG = "kiosk:\n  school_name: École Sainte-Thérèse\n"


@pytest.mark.parametrize("encoding, seems", [
    ("latin-1", "byte 0xc9 on line 2 is not UTF-8 (Latin-1 or Windows-1252?)"),
    ("utf-16", "it is UTF-16 (Notepad's \"Unicode\")"),   # Python writes the BOM, as Notepad does
])
def test_a_config_file_not_in_utf8(tmp_path, capsys, encoding, seems):
    cfg = tmp_path / "config.yaml"
    cfg.write_bytes(CONFIG.encode(encoding))
    for argv in (["config", "check"], ["roster"]):
        capsys.readouterr()
        assert main(["--config", str(cfg), *argv]) == 2
        assert capsys.readouterr().err == f"imlate: config file {cfg} is not UTF-8 text: {seems}; save it as UTF-8\n"
    assert main(["--config", str(cfg), "doctor"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("FAIL  config") and f"{cfg} is not UTF-8 text" in out
    assert "Traceback" not in out


def test_an_environment_file_not_in_utf8(tmp_path, capsys, monkeypatch):
    cfg = tmp_path / "config.yaml"
    cfg.write_text("kiosk:\n  terminal_name: front\n")
    env = tmp_path / "imlate.env"
    env.write_bytes("IMLATE_KIOSK__SCHOOL_NAME=École\n".encode("latin-1"))
    monkeypatch.setenv("IMLATE_ENV_FILE", str(env))
    capsys.readouterr()
    assert main(["--config", str(cfg), "config", "check"]) == 2
    err = capsys.readouterr().err
    assert err == (f"imlate: the environment file (IMLATE_ENV_FILE) {env} is not UTF-8 text: byte 0xc9 on "
                   "line 1 is not UTF-8 (Latin-1 or Windows-1252?); save it as UTF-8\n")
    assert main(["--config", str(cfg), "doctor"]) == 1
    assert "IMLATE_ENV_FILE" in capsys.readouterr().out.splitlines()[0]


def test_utf8_with_accents_is_fine(tmp_path, capsys):
    cfg = tmp_path / "config.yaml"
    cfg.write_text(CONFIG, encoding="utf-8")
    assert main(["--config", str(cfg), "config", "check"]) == 0
    assert "École Sainte-Thérèse" in capsys.readouterr().out
