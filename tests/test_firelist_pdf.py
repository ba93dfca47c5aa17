"""`imlate firelist --format pdf --output FILE` end to end: the PDF's text, read back with pdftotext
(poppler-utils), lists exactly the people on site, grouped, over several pages; `--print` goes through
`lp` and a failure is one line."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from imlate_tui.cli import main
from imlate_tui.config import load_settings
from kiosk_helpers import add_person, opened

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")


@pytest.fixture
def config(tmp_path, monkeypatch):
    path = tmp_path / "config.yaml"
    path.write_text("database:\n  url: sqlite:///data/imlate.db\nlogging:\n  file: imlate.log\n"
                    "kiosk:\n  school_name: Hillside School\nscanner:\n  repeat_window_seconds: 0\n")
    monkeypatch.setenv("IMLATE_CONFIG", str(path))
    assert main(["db", "init"]) == 0
    return path


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture
def school(config, capsys):
    """70 students in 6 forms, 3 staff, 2 visitors; 50 people scanned in, 3 of them out again."""
    with opened(load_settings(str(config))):
        for i in range(70):
            year = 7 + i % 3
            add_person(f"Pupil{i:02d}", f"Zeta{i:02d}", card=f"P{i:02d}", year=year, form=f"{year}{'AB'[i % 2]}")
        for i in range(3):
            add_person(f"Teacher{i}", "Staffer", card=f"T{i}", kind="staff")
        for i in range(2):
            add_person(f"Guest{i}", "Visiting", card=f"G{i}", kind="visitor")
    codes = [f"P{i:02d}" for i in range(0, 70, 3)] + [f"P{i:02d}" for i in range(1, 70, 3)] + ["T0", "T2", "G1"]
    for code in codes:
        assert run(capsys, "scan", code)[0] == 0
    for code in ("P00", "P01", "T2"):          # out again
        assert json.loads(run(capsys, "scan", code, "--json")[1])["result"] == "signed_out"
    return codes


def on_site(capsys) -> set[str]:
    rows = json.loads(run(capsys, "roster", "--json")[1])
    return {r["name"] for r in rows if r["status"] == "signed_in"}


def test_the_pdf_lists_exactly_those_on_site(school, config, tmp_path, capsys):
    expected = on_site(capsys)
    assert len(expected) == 47
    out = tmp_path / "fire.pdf"
    code, said, err = run(capsys, "firelist", "--format", "pdf", "--output", str(out))
    assert (code, err) == (0, "") and said == f"fire list of 47 on site written to {out}\n"
    assert out.read_bytes().startswith(b"%PDF-")
    text = pdf_text(out)
    everyone = re.compile(r"(Pupil\d\d Zeta\d\d|Teacher\d Staffer|Guest\d Visiting)")
    listed = everyone.findall(text)
    assert sorted(listed) == sorted(expected)            # each on-site person once, nobody else
    assert "FIRE LIST — Hillside School" in text and ": 47 on site" in text
    assert re.search(r"Staff \(1\)", text) and re.search(r"Visitors \(1\)", text)
    assert "Year 7 · 7A (" in text and "page 2" in text
    assert text.index("Staff (1)") < text.index("Visitors (1)") < text.index("Year 7 · 7A")
    pages = text.split("\f")
    assert len([p for p in pages if p.strip()]) >= 2


def test_pdf_needs_an_output_and_print_needs_a_printer(config, capsys):
    assert run(capsys, "firelist", "--format", "pdf") == (
        2, "", "imlate: --format pdf needs --output FILE.pdf (or --print)\n")
    assert run(capsys, "firelist", "--print") == (
        2, "", "imlate: --print needs firelist.printer: set it to a CUPS queue name (`lpstat -v` lists them)\n")


def test_an_unwritable_output_is_one_line(config, capsys, tmp_path):
    code, out, err = run(capsys, "firelist", "--format", "pdf", "--output", str(tmp_path / "nope" / "f.pdf"))
    assert code == 2 and out == "" and err.startswith("imlate: cannot write ") and err.count("\n") == 1


def test_a_group_longer_than_a_page_continues_with_its_title(tmp_path):
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    from imlate_tui.db.models import Person
    from imlate_tui.db.tracks import RosterRow
    from imlate_tui.domain.scanning import Status
    from imlate_tui.services.firelist_pdf import write_firelist_pdf

    now = datetime(2026, 11, 24, 10, 5, tzinfo=timezone.utc)
    rows = [RosterRow(Person(id=i, kind="student", forename=f"Pupil{i:02d}", surname="Zeta", year_group=7,
                             form_group="7A"), Status.SIGNED_IN, now, None) for i in range(60)]
    path = tmp_path / "long.pdf"
    assert write_firelist_pdf(path, rows, ZoneInfo("Europe/London"), now, "Hillside School") == 60
    pages = [p for p in pdf_text(path).split("\f") if p.strip()]
    assert len(pages) == 2
    assert pages[0].lstrip().startswith("FIRE LIST — Hillside School") and "Year 7 · 7A (60)" in pages[0]
    assert pages[1].lstrip().startswith("Year 7 · 7A (continued)")
    assert "Fire list taken Tuesday 24 November 2026 10:05" in pages[1] and "page 2" in pages[1]
    assert sorted(re.findall(r"Pupil\d\d Zeta", pdf_text(path))) == [f"Pupil{i:02d} Zeta" for i in range(60)]
