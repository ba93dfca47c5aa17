"""Badges through a real CUPS server: the printed job is the badge PDF; a stopped or missing printer never
blocks a sign-in, and the failure is kept and logged."""

from __future__ import annotations

import logging
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from imlate_tui.config import label_size_mm
from imlate_tui.db.models import Person
from imlate_tui.db.visitor_models import Visit
from imlate_tui.services.printing import PrintError, print_pdf
from imlate_tui.services.visitor_badges import print_badge
from imlate_tui.services.visitors import VisitorDetails, Visitors


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True,
                          timeout=30).stdout


def page_size_mm(path: Path) -> tuple[float, float]:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True, timeout=30).stdout
    line = next(line for line in info.splitlines() if line.startswith("Page size:"))
    width, _x, height = line.split()[2:5]
    return round(float(width) / 72 * 25.4, 1), round(float(height) / 72 * 25.4, 1)


@pytest.fixture
def printing_settings(db, badge_printer, tmp_path):
    return db.model_copy(update={
        "visitors": db.visitors.model_copy(update={"badge": db.visitors.badge.model_copy(
            update={"printer": badge_printer.queue, "folder": str(tmp_path / "badges")})}),
        "kiosk": db.kiosk.model_copy(update={"school_name": "Hillside School"})})


def signed_in(settings, clock):
    now = datetime(2026, 11, 1, tzinfo=timezone.utc)
    host = Person.create(kind="staff", forename="Helen", surname="Okafor", created_at=now, updated_at=now)
    return Visitors(settings, clock).sign_in(
        VisitorDetails("Jane Marlowe", "Acme Lifts Ltd", host.id, "contractor", notice_accepted=True), actor="k")


def wait_for_job(printer, count: int = 1) -> list[Path]:
    # CUPS runs the backend in its own process: wait on the file, not on a guess of time.
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if len(files := printer.printed()) >= count:
            return files
        time.sleep(0.05)
    raise AssertionError(f"no print job arrived in {printer.out}")


def test_the_badge_is_printed_on_the_cups_queue_with_name_and_organisation(printing_settings, badge_printer, clock):
    result = signed_in(printing_settings, clock)
    outcome = print_badge(result.visit_id, printing_settings)
    assert outcome.printed, outcome.problem
    [job] = wait_for_job(badge_printer)
    text = pdf_text(job)
    for expected in ("Jane Marlowe", "Acme Lifts Ltd", "Visiting: Helen Okafor", "CONTRACTOR", "Hillside School",
                     result.badge, "In: Tue 24 Nov 2026 08:00"):
        assert expected in text
    assert page_size_mm(job) == label_size_mm("62x100mm")
    assert Visit.get_by_id(result.visit_id).badge_printed


def test_a_stopped_queue_does_not_block_the_sign_in_and_the_failure_is_shown_and_logged(
        printing_settings, badge_printer, clock, caplog):
    badge_printer.admin("cupsdisable", badge_printer.queue)
    result = signed_in(printing_settings, clock)
    assert result.result == "signed_in"
    with caplog.at_level(logging.WARNING, logger="imlate_tui.services.visitor_badges"):
        outcome = print_badge(result.visit_id, printing_settings)
    assert not outcome.printed and "stopped" in outcome.problem
    assert "Reception will print it" in outcome.message
    assert any("not printed" in r.getMessage() for r in caplog.records)
    visit = Visit.get_by_id(result.visit_id)
    assert not visit.badge_printed and "stopped" in visit.print_error and Path(visit.badge_path).exists()
    assert badge_printer.printed() == []
    # Reprint once the printer is back.
    badge_printer.admin("cupsenable", badge_printer.queue)
    assert print_badge(result.visit_id, printing_settings).printed
    assert "Jane Marlowe" in pdf_text(wait_for_job(badge_printer)[0])
    assert Visit.get_by_id(result.visit_id).print_error is None


def test_a_missing_queue_or_no_printer_set_is_a_sentence_not_a_crash(printing_settings, badge_printer, tmp_path):
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    with pytest.raises(PrintError, match="'no-such-queue' is not set up in CUPS"):
        print_pdf(pdf, "no-such-queue")


def test_no_printer_configured_keeps_the_badge_file_for_a_reprint(db, clock, tmp_path):
    settings = db.model_copy(update={"visitors": db.visitors.model_copy(update={"badge": db.visitors.badge.model_copy(
        update={"folder": str(tmp_path / "badges")})})})
    outcome = print_badge(signed_in(settings, clock).visit_id, settings)
    assert not outcome.printed and "no badge printer is set up" in outcome.problem
    assert outcome.path.exists() and "Jane Marlowe" in pdf_text(outcome.path)
