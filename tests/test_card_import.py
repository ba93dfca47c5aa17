"""A large `cards import` is written in short batches: scans in another process interleave and never
time out, and a conflict that appears mid-import still leaves nothing imported."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from imlate_tui.db import people
from imlate_tui.db.models import AuditEntry, Card, Person, Track
from imlate_tui.errors import InvalidInput
from imlate_tui.services import card_import
from imlate_tui.services.imports import import_cards

TESTS = Path(__file__).resolve().parent


def students(now, n: int) -> list[Person]:
    Person.insert_many([{"kind": "student", "forename": f"S{i}", "surname": "Lee", "school_id": f"S{i}",
                         "created_at": now, "updated_at": now} for i in range(n)]).execute()
    return list(Person.select().order_by(Person.id))


def card_file(tmp_path, n: int) -> Path:
    path = tmp_path / "cards.csv"
    path.write_text("card,school_id\n" + "".join(f"C-{i},S{i}\n" for i in range(n)))
    return path


def test_many_batches_import_everything_once(db, clock, tmp_path, monkeypatch):
    monkeypatch.setattr(card_import, "BATCH", 7)
    students(clock(), 50)
    seen: list[tuple[int, int]] = []
    report = import_cards(card_file(tmp_path, 50), now=clock(), actor="it", progress=lambda d, t: seen.append((d, t)))
    assert (report.added, report.unchanged) == (50, 0)
    assert len(seen) == 8 and seen[-1] == (50, 50)   # 7 × 7 + 1
    assert people.card_owner("C-49").school_id == "S49"
    again = import_cards(card_file(tmp_path, 50), now=clock(), actor="it")
    assert (again.added, again.unchanged) == (0, 50)
    assert Card.select().count() == 50


def test_a_card_handed_out_during_the_import_undoes_it(db, clock, tmp_path, monkeypatch):
    monkeypatch.setattr(card_import, "BATCH", 10)
    people_ = students(clock(), 40)
    other = Person.create(kind="staff", forename="Olu", surname="Ade", created_at=clock(), updated_at=clock())

    def meanwhile(done: int, total: int) -> None:
        if done == 10:   # the kiosk gives line 32's card to someone else between two batches
            people.assign_card(other, "C-30", clock())

    with pytest.raises(InvalidInput, match=r"cards.csv line 32: card C-30 was given to Olu Ade while the import "
                                           r"ran; nothing was imported"):
        import_cards(card_file(tmp_path, 40), now=clock(), actor="it", progress=meanwhile)
    assert [c.code for c in Card.select()] == ["C-30"]
    assert [e.action for e in AuditEntry.select().order_by(AuditEntry.id)] == ["cards_import", "cards_import_undone"]
    assert len(people_) == 40


SCANNER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {tests!r})
    from conftest import make_settings
    from imlate_tui.db import connection
    from imlate_tui.services.scanning import ScanService
    connection.BUSY_TIMEOUT_SECONDS = 2     # far shorter than the kiosk's: a long-held lock shows at once
    folder = Path({folder!r})
    settings = make_settings(folder, scanner={{"repeat_window_seconds": 0}})
    connection.open_database(settings.database.url, settings.base_dir)
    service = ScanService(settings)
    ok = failed = 0
    print("ready", flush=True)
    while not (folder / "stop").exists():
        t0 = time.monotonic()
        try:
            service.scan("SCANNER-CARD")
            ok += 1
        except Exception as exc:
            failed += 1
            import traceback
            print("failed:", exc, round(time.monotonic() - t0, 3), traceback.format_exc(), flush=True)
        time.sleep(0.01)
    print(f"ok {{ok}} failed {{failed}}", flush=True)
""")


def test_scans_in_another_process_interleave_with_a_large_import(db, clock, tmp_path):
    n = 20_000
    students(clock(), n)
    people.assign_card(Person.create(kind="staff", forename="Kim", surname="Scan", created_at=clock(),
                                     updated_at=clock()), "SCANNER-CARD", clock())
    path = card_file(tmp_path, n)
    script = tmp_path / "scanner.py"
    script.write_text(SCANNER.format(tests=str(TESTS), folder=str(tmp_path)))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        waits: list[bool] = []

        def a_scan_gets_in(done: int, total: int) -> None:
            """Between the first few batches, wait until the other process commits a scan."""
            if len(waits) < 3:
                before = Track.select().count()
                deadline = time.monotonic() + 30
                while Track.select().count() == before and time.monotonic() < deadline:
                    time.sleep(0.01)
                waits.append(Track.select().count() > before)

        report = import_cards(path, now=clock(), actor="it", progress=a_scan_gets_in)
    finally:
        (tmp_path / "stop").touch()
        out, err = proc.communicate(timeout=60)
    assert report.added == n and Card.select().count() == n + 1
    assert waits == [True, True, True], "no scan got the lock between batches"
    assert proc.returncode == 0, err
    assert out.strip().splitlines()[-1].endswith("failed 0"), out
