"""`print_pdf(path, printer)`: the real `lp` command; when it cannot queue the job the caller gets one
typed error line, and `imlate firelist --print` turns it into one line on stderr."""

from __future__ import annotations

import shutil
import socket

import pytest

from imlate_tui.cli import main
from imlate_tui.services.printing import PrintError, print_pdf

pytestmark = pytest.mark.skipif(shutil.which("lp") is None, reason="needs lp (cups-client)")


@pytest.fixture
def no_cups(monkeypatch):
    """CUPS_SERVER pointing at a loopback port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("CUPS_SERVER", f"127.0.0.1:{port}")


@pytest.fixture
def pdf(tmp_path):
    path = tmp_path / "x.pdf"
    path.write_bytes(b"%PDF-1.4\n%%EOF\n")
    return path


def test_lp_failing_is_one_typed_line(no_cups, pdf):
    with pytest.raises(PrintError) as caught:
        print_pdf(pdf, "fire-office")
    message = str(caught.value)
    assert message.startswith("printing to fire-office failed: lp: ") and "\n" not in message


def test_missing_lp_missing_file_and_no_queue(pdf, tmp_path, monkeypatch):
    with pytest.raises(PrintError, match=r"^cannot print .*nope.pdf: no such file$"):
        print_pdf(tmp_path / "nope.pdf", "fire-office")
    with pytest.raises(PrintError, match=r"^no printer queue given"):
        print_pdf(pdf, " ")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PrintError, match=r"the `lp` command is missing \(install the cups-client package\)$"):
        print_pdf(pdf, "fire-office")


def test_firelist_print_failure_is_one_line_on_stderr(no_cups, tmp_path, monkeypatch, capsys):
    config = tmp_path / "config.yaml"
    config.write_text("database:\n  url: sqlite:///imlate.db\nlogging:\n  file: imlate.log\n"
                      "firelist:\n  printer: fire-office\n")
    monkeypatch.setenv("IMLATE_CONFIG", str(config))
    assert main(["db", "init"]) == 0
    capsys.readouterr()
    out_pdf = tmp_path / "fire.pdf"
    assert main(["firelist", "--print", "--output", str(out_pdf)]) == 1
    out, err = capsys.readouterr()
    assert out == f"fire list of 0 on site written to {out_pdf}\n" and out_pdf.exists()
    assert err.startswith("imlate: printing to fire-office failed: lp: ") and err.count("\n") == 1
