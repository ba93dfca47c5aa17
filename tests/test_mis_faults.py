"""Bad data and slow servers (issue 13, items 7-10): refused per item, cut off by a deadline, Retry-After
honoured up to a stated maximum."""

from __future__ import annotations

import logging
import socket
import threading
import time
from datetime import date, timedelta

import pytest

from fixtures_isams import LONDON, RecordedSleep
from imlate_tui.db.models import AttendanceIntent, RegistrationPeriod
from imlate_tui.erp.isams.client import IsamsClient
from imlate_tui.erp.isams.mis import IsamsMis
from imlate_tui.erp.mis import MisThrottled, MisUnavailable
from imlate_tui.jobs.context import JobContext
from imlate_tui.jobs.runner import run_job
from imlate_tui.services import writeback
from imlate_tui.services.mis_factory import stored_codes
from imlate_tui.services.writeback import Writer

MONDAY = date(2025, 9, 8)
PLAIN = {"lesson_attendance": False, "reasons": {"prompt_on_late": False}}


def job(school, name, **kw):
    return run_job(name, JobContext(school.settings, clock=school.clock, client_factory=school.client, **kw))


# -- item 7: absurd periods --------------------------------------------------------------------------

def test_a_lesson_with_no_start_is_refused_alone_and_codes_sync_goes_on(school_day, isams_state, caplog):
    school = school_day(MONDAY)
    p2 = next(p for p in isams_state.today_periods(3) if p["friendlyName"] == "P2")
    p2["start"] = None
    with caplog.at_level(logging.WARNING):
        result = job(school, "codes-sync")
    assert result.outcome == "ok", result.error
    stored = {p.friendly_name for p in RegistrationPeriod.select().where(RegistrationPeriod.division_id == 3)}
    assert "P2" not in stored and {"AM", "PM", "P1"} <= stored
    assert any("registrationPeriods item" in r.getMessage() and str(p2["id"]) in r.getMessage()
               for r in caplog.records)


def test_an_am_register_that_finishes_before_it_starts_proposes_no_absences(school_day, isams_state, caplog):
    school = school_day(MONDAY)
    for division in (3, 4, 6):
        am = next(p for p in isams_state.today_periods(division) if p["friendlyName"] == "AM")
        am["finish"] = am["start"] - timedelta(hours=1)      # 07:25 for a register starting 08:25
    with caplog.at_level(logging.WARNING):
        assert job(school, "codes-sync").outcome == "ok"
    assert any("finishes before it starts" in r.getMessage() for r in caplog.records)
    school.set_time("08:10")                                  # before registration opens
    result = job(school, "absence-marking", dry_run=True)
    assert result.outcome == "ok"
    assert result.counts["would_mark"] == [] and result.counts["not_due"] == result.counts["candidates"] > 0


# -- item 8: out-of-range numbers ----------------------------------------------------------------------

def test_a_photo_id_of_2_to_the_70_skips_that_student_only(school_day, isams_state, caplog):
    school = school_day(MONDAY)
    odd = isams_state.students[5]["schoolId"]
    isams_state.update_student(odd, latestPhotoId=2 ** 70, forename="Changed")
    isams_state.update_student(isams_state.students[6]["schoolId"], forename="Renamed")
    with caplog.at_level(logging.WARNING):
        result = job(school, "student-sync")
    assert result.outcome == "ok", result.error
    assert result.counts["skipped"] == 1 and result.counts["updated"] == 1
    assert any(str(isams_state.students[5]["id"]) in r.getMessage() and "skipped" in r.getMessage()
               for r in caplog.records)


# -- item 9: an overall deadline per request ------------------------------------------------------------

class TricklingServer:
    """Answers every request with a status line, then one header line every 0.2 s for `lines` lines."""

    def __init__(self, lines: int = 50) -> None:
        self.lines = lines
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\n")
                for n in range(self.lines):
                    if self.stop.wait(0.2):
                        return
                    conn.sendall(b"X-Trickle: %d\r\n" % n)
                conn.sendall(b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
            except OSError:
                return

    def close(self) -> None:
        self.stop.set()
        self.sock.close()
        self.thread.join(timeout=5)


@pytest.fixture
def trickling():
    server = TricklingServer()
    yield server
    server.close()


def test_a_trickling_server_is_cut_off_at_the_deadline(trickling):
    client = IsamsClient(trickling.base_url, "id", "secret", timezone=LONDON, timeout=2.0, deadline=1.0,
                         max_retries=0, sleep=RecordedSleep())
    with client, pytest.raises(MisUnavailable, match="time-out"):
        client.list_year_groups()


def test_the_writer_gives_up_within_its_deadline_on_a_trickling_server(school_day, trickling):
    school = school_day(MONDAY, attendance=PLAIN)
    sid = school.student()
    school.scan(sid, "08:40")

    def trickling_mis():
        return IsamsMis(IsamsClient(trickling.base_url, "id", "secret", timezone=LONDON, timeout=2.0,
                                    deadline=1.0, max_retries=1, sleep=RecordedSleep()), stored_codes)

    writer = Writer(school.settings, trickling_mis, school.clock)
    school.writers.append(writer)
    result = writer.deliver_due()
    assert result.sent == 0 and "time-out" in (result.error or "")
    assert AttendanceIntent.get().status == "pending"


def test_a_stuck_batch_makes_the_writeback_job_fail_not_ok(school_day):
    school = school_day(MONDAY)
    assert writeback._process_lock.acquire(blocking=False)   # a batch that never ends holds the writer
    writeback._batch_started[:] = [time.monotonic() - 100_000]
    try:
        result = job(school, "writeback")
    finally:
        writeback._batch_started.clear()
        writeback._process_lock.release()
    assert result.outcome == "failed" and "stuck" in result.error


# -- item 10: Retry-After honoured up to a stated maximum -----------------------------------------------

def test_a_retry_after_within_the_maximum_is_waited_out_in_full(school_day, isams_state):
    school = school_day(MONDAY)
    sleep = RecordedSleep()
    isams_state.faults.add("status:429", route="/api/registration/absencecodes", count=1, retry_after=90)
    with school.client(sleep=sleep, max_retry_after=120) as mis:
        assert mis.attendance_codes()
    assert sleep.calls == [90.0]


def test_a_longer_retry_after_ends_the_call_and_reschedules_the_mark(school_day, isams_state):
    school = school_day(MONDAY, attendance=PLAIN)
    sid = school.student()
    school.scan(sid, "08:40")
    sleep = RecordedSleep()
    isams_state.faults.add("status:429", route="/api/registration/register/*", retry_after=3600)
    writer = Writer(school.settings, lambda: school.client(sleep=sleep, max_retry_after=120), school.clock)
    school.writers.append(writer)
    result = writer.deliver_due()
    assert sleep.calls == []                                  # not held for an hour, nor for a capped minute
    assert "asked to wait 3600 s" in result.error
    intent = AttendanceIntent.get()
    assert intent.status == "pending" and intent.next_attempt_at == school.now + timedelta(seconds=3600)


def test_a_longer_retry_after_ends_an_absence_run_as_failed(school_day, isams_state):
    school = school_day(MONDAY)
    school.set_time("09:30")
    isams_state.faults.add("status:429", route="/api/registration/register/*", retry_after=3600)
    result = run_job("absence-marking", JobContext(
        school.settings, clock=school.clock,
        client_factory=lambda s: school.client(sleep=RecordedSleep(), max_retry_after=120)))
    assert result.outcome == "failed" and "asked to wait 3600 s" in result.error
    assert isinstance(MisThrottled("x", 1.0), MisUnavailable)
