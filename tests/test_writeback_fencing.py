"""Exactly once across writers and time-outs (issue 13, items 5 and 6), and one MIS connection per writer
(issue 14): against the simulator over HTTP, with its faults holding or delaying the PUT."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

from imlate_tui.db.connection import database
from imlate_tui.db.models import AttendanceIntent, AttendanceWrite
from imlate_tui.services.writeback import Writer
from imlate_tui.ui.runtime import kiosk_runtime

MONDAY = date(2025, 9, 8)
PLAIN = {"lesson_attendance": False, "reasons": {"prompt_on_late": False}}
PUT_ROUTE = "/api/registration/register/*"


def wait_until(condition, timeout: float = 20.0) -> None:
    """Wait on a condition (never on time alone); fail loudly if it never comes."""
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "condition not met in time"
        time.sleep(0.01)


def in_thread(work):
    """Run `work` in its own thread with its own database connection; returns (thread, result dict)."""
    out: dict = {}

    def run() -> None:
        with database.connection_context():
            out["result"] = work()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def test_two_writers_with_a_stalled_put_give_one_accepted_put(school_day, isams_state):
    school = school_day(MONDAY, attendance=PLAIN)
    sid = school.student()
    school.scan(sid, "08:40")
    held = isams_state.faults.add("hold", route=PUT_ROUTE, method="PUT", count=1)
    first = school.writer()
    thread, first_out = in_thread(first.deliver_due)
    wait_until(lambda: held.fired == 1)                     # writer A's PUT is stalled inside the MIS

    # Writer B runs on a host whose clock is 3 minutes ahead: A's 120 s claim has expired for it.
    second = Writer(school.settings, school.client, lambda: school.now + timedelta(minutes=3), lock=threading.Lock())
    school.writers.append(second)
    result = second.deliver_due()
    assert result.sent == 0 and "may still be on its way" in (result.error or "")
    assert isams_state.writes == []                         # B did not send a second PUT

    isams_state.faults.release()
    thread.join(timeout=20)
    assert not thread.is_alive()
    assert first_out["result"].fenced == 1                   # A's late outcome was not recorded over B's
    assert AttendanceIntent.get().status == "pending"
    assert len(isams_state.writes) == 1

    school.now += timedelta(minutes=5)                      # B's next attempt: A's write is in the register
    second.deliver_due()
    intent = AttendanceIntent.get()
    assert intent.status == "sent" and intent.claim_token is None
    assert len(isams_state.writes) == 1                     # one accepted PUT for one intent
    assert [w.outcome for w in AttendanceWrite.select()] == ["sent"]
    assert AttendanceWrite.get().claim_token is None        # accounted for by the outcome that was recorded


def test_a_writer_that_lost_its_claim_never_starts_a_put(school_day, isams_state):
    school = school_day(MONDAY, attendance=PLAIN)
    sid = school.student()
    school.scan(sid, "08:40")
    intent = AttendanceIntent.get()
    writer = school.writer()

    def taken_over_during_the_read(*_):
        # Another writer claims the intent while this one is reading the register.
        AttendanceIntent.update(claim_token="someone-else").where(AttendanceIntent.id == intent.id).execute()

    original = writer.mis
    writer.mis = lambda: _Spy(original(), before_write=taken_over_during_the_read)
    result = writer.deliver_due()
    assert result.fenced == 1 and isams_state.writes == []
    assert AttendanceIntent.get().claim_token == "someone-else"


class _Spy:
    """The writer's MIS with a hook run after each register read (the moment another writer could step in)."""

    def __init__(self, mis, before_write) -> None:
        self._mis, self._hook = mis, before_write

    def __getattr__(self, name):
        return getattr(self._mis, name)

    def read_mark(self, *args):
        found = self._mis.read_mark(*args)
        self._hook()
        return found


def test_a_put_that_timed_out_but_was_applied_is_not_sent_again(school_day, isams_state):
    school = school_day(MONDAY, attendance=PLAIN)
    sid = school.student()
    school.scan(sid, "08:40")
    # The MIS applies the PUT, then answers too late for the writer's 0.5 s time-out.
    isams_state.faults.add("delay-after:1500", route=PUT_ROUTE, method="PUT", count=1)
    writer = Writer(school.settings, lambda: school.client(timeout=0.5, deadline=0.5), school.clock)
    school.writers.append(writer)
    writer.deliver_due()
    assert len(isams_state.writes) == 1                     # read again, found applied: not sent twice
    assert AttendanceIntent.get().status == "sent"
    assert AttendanceWrite.get().outcome == "confirmed"


def test_an_office_change_after_a_lost_answer_is_not_overwritten(school_day, isams_state):
    school = school_day(MONDAY, attendance=PLAIN)
    sid = school.student()
    am = school.period_id("AM")
    school.scan(sid, "08:40")
    isams_state.faults.add("hold", route=PUT_ROUTE, method="PUT", count=1)
    writer = Writer(school.settings, lambda: school.client(timeout=0.5, deadline=0.5), school.clock)
    school.writers.append(writer)
    result = writer.deliver_due()                           # no answer in time; the register does not show it yet
    assert result.error and "may have been applied" in result.error
    assert isams_state.writes == [] and AttendanceWrite.get().outcome == "sending"
    isams_state.faults.release()
    wait_until(lambda: isams_state.faults.holding == 0)     # the stalled PUT lands after all ...
    assert len(isams_state.writes) == 1
    medical = next(c["id"] for c in isams_state.absence_codes if c["code"] == "M")
    isams_state.set_register_row(am, sid, isRegistered=1, isPresent=False, isLate=False,
                                 absenceCodeId=medical, numberOfMinutesLate=0)    # ... and then the office marks the student M
    school.now += timedelta(minutes=10)
    writer.deliver_due()
    assert len(isams_state.writes) == 1                     # the writer read again and left the office's M alone
    assert isams_state.register_row(am, sid)["absenceCodeId"] == medical
    intent = AttendanceIntent.get()
    assert intent.status == "skipped" and "protected code M" in intent.summary


def test_one_connection_per_writer_two_requests_per_sign_in(school_day, isams_state):
    school = school_day(MONDAY, schedule={"mode": "off"}, attendance=PLAIN)
    students = [school.student(skip=i) for i in range(4)]
    runtime = kiosk_runtime(school.settings, school.clock)  # the kiosk's own writer and MIS factory
    try:
        api, tokens = isams_state.api_requests, isams_state.token_requests
        for minute, sid in enumerate(students[:3]):
            school.scan(sid, f"08:4{minute}")
            runtime.writer.cycle()
        assert [w.school_id for w in isams_state.writes] == students[:3]
        assert isams_state.api_requests - api == 6           # GET + PUT per sign-in
        assert isams_state.token_requests - tokens == 1      # one token for the writer's life so far
        isams_state.expire_tokens()                          # the token expires: one new token, no more
        api, tokens = isams_state.api_requests, isams_state.token_requests
        school.scan(students[3], "08:45")
        runtime.writer.cycle()
        assert isams_state.token_requests - tokens == 1
        assert isams_state.api_requests - api == 3           # the refused GET, the GET again, the PUT
    finally:
        runtime.writer.stop()
