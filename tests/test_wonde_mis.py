"""``WondeMis`` against the Wonde simulator over real HTTP: the seam's calls, one by one."""

from __future__ import annotations

from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from imlate_tui.demo.wonde_sim import DEMO_SCHOOL_ID, DEMO_WONDE_TOKEN, WondeConfig, WondeSimulator, WondeState
from imlate_tui.erp.mis import MarkToWrite, MisAuthError, MisRejected, MisThrottled
from imlate_tui.erp.wonde.mis import SessionTimes, WondeMis
from imlate_tui.erp.wonde.transport import WondeApi

LONDON = ZoneInfo("Europe/London")
MONDAY_0840 = datetime(2025, 9, 8, 7, 40, tzinfo=timezone.utc)
TIMES = SessionTimes(time(8, 30), time(9, 0), time(13, 30), time(14, 0))


@pytest.fixture
def state():
    return WondeState(WondeConfig(now=MONDAY_0840))


@pytest.fixture
def sim(state):
    with WondeSimulator(state) as server:
        yield server


def connect(sim, token=DEMO_WONDE_TOKEN, **kw) -> WondeMis:
    api = WondeApi(sim.base_url, token, DEMO_SCHOOL_ID, sleep=lambda s: None, **kw)
    return WondeMis(api, zone=LONDON, sessions=TIMES, clock=lambda: sim.state.clock.now())


def test_the_roll_is_read_whole_with_years_forms_and_stable_keys(sim, state):
    with connect(sim) as mis:
        roll = mis.students()
        again = mis.students()
    assert roll.complete and len(roll.people) == 60
    first = roll.people[0]
    source = state.students[0]
    assert first.school_id == source["mis_id"] and first.year_group == source["_year"]
    assert first.form_group == source["_form"]
    assert [p.mis_id for p in roll.people] == [p.mis_id for p in again.people]
    assert mis.divisions(7) == [7]


def test_a_delta_lists_changes_and_removals(sim, state):
    with connect(sim) as mis:
        full = mis.students()
        state.clock.advance(3600)
        state.update_student(state.students[2]["id"], surname="Newname")
        gone = state.students[5]
        state.remove_student(gone["id"])
        delta = mis.students(changed_since=state.clock.now() - (state.clock.now() - MONDAY_0840) / 2)
    assert not delta.complete
    assert [p.surname for p in delta.people] == ["Newname"]
    assert delta.removed == tuple(p.mis_id for p in full.people if p.school_id == gone["mis_id"])


def test_codes_classify_present_and_absence_letters(sim):
    with connect(sim) as mis:
        codes = {c.code: c.kind for c in mis.attendance_codes()}
    assert codes["/"] == "present" and codes["L"] == "present" and codes["M"] == "absence"


def test_sessions_come_from_the_configured_times_on_weekdays(sim):
    with connect(sim) as mis:
        periods = mis.registers_today(7)
    am, pm = periods[0], periods[1]
    assert (am.register_type, am.start.astimezone(LONDON).time(), am.finish.astimezone(LONDON).time()) == ("AM", time(8, 30), time(9, 0))
    assert pm.register_type == "PM" and len(periods) == 2 + 5  # SIMS: lesson slots too


def test_a_write_is_queued_then_followed_to_applied_and_read_back_from_the_copy(sim, state):
    with connect(sim) as mis:
        am = mis.registers_today(7)[0]
        school_id = state.students[0]["mis_id"]
        assert mis.read_mark(am.id, school_id).taken is False
        receipt = mis.write_mark(am.id, school_id, MarkToWrite(present=True, late=True, minutes_late=12,
                                                               present_code="L", comment="Bus late"))
        assert receipt.state == "queued" and receipt.reference
        assert mis.writeback_outcome(receipt.reference) == ("applied", None)
        mark = mis.read_mark(am.id, school_id)
    assert (mark.taken, mark.present, mark.late, mark.minutes_late, mark.comment) == (True, True, True, 12, "Bus late")
    assert mark.as_of is not None
    assert state.applied[0]["attendance_code_id"] == state.code_id("L")


def test_a_mis_without_comments_or_minutes_is_not_sent_them(sim, state):
    state.mis_name = "Facility"
    with connect(sim) as mis:
        am = mis.registers_today(7)[0]
        mis.write_mark(am.id, state.students[0]["mis_id"],
                       MarkToWrite(present=True, late=True, minutes_late=5, present_code="L", comment="Bus"))
    sent = state.writebacks["W00000001"].records[0]
    assert "comment" not in sent and "minutes_late" not in sent


def test_arbor_takes_the_lesson_running_at_arrival_not_the_session(sim, state):
    state.mis_name = "Arbor"
    student = state.students[0]
    with connect(sim) as mis:
        periods = mis.registers_today(7)
        am, p1 = periods[0], periods[2]
        assert not mis.capabilities.session_marks
        with pytest.raises(MisRejected, match="Arbor does not take session marks"):
            mis.write_mark(am.id, student["mis_id"], MarkToWrite(present=True, late=False))
        receipt = mis.write_mark(p1.id, student["mis_id"], MarkToWrite(present=True, late=True, present_code="L"))
        assert mis.writeback_outcome(receipt.reference)[0] == "applied"
    lesson = state.applied[0]
    assert lesson["kind"] == "lesson" and student["_form"] in lesson["lesson_id"]


def test_wonde_errors_become_the_seams_errors(sim, state):
    with connect(sim, token="wrong") as mis, pytest.raises(MisAuthError):
        mis.students()
    with connect(sim) as mis:
        am = mis.registers_today(7)[0]
        with pytest.raises(MisRejected, match="not one of the school's attendance codes"):
            mis.write_mark(am.id, state.students[0]["mis_id"], MarkToWrite(present=False, late=False, absence_code="ZZ"))
        state.faults.add("status:429", count=1, retry_after=1)
        assert mis.students().complete  # retried once after the 429
        state.faults.add("status:429", count=1, retry_after=3600)
        with pytest.raises(MisThrottled):
            mis.students()


def test_the_regional_host_from_the_school_record_is_used(state):
    with WondeSimulator(state) as regional, WondeSimulator(state) as uk:
        state.config.regional_domain = f"127.0.0.1:{regional.port}"
        with connect(uk) as mis:
            assert mis.api.school_url("/students").startswith(f"http://127.0.0.1:{regional.port}/v1.0/")
            assert len(mis.students().people) == 60


def test_photos_come_inline_and_a_student_without_one_gives_none(sim, state):
    with_photo = next(s for s in state.students if s["_photo"])
    without = next(s for s in state.students if not s["_photo"])
    with connect(sim) as mis:
        photo = mis.photo(with_photo["mis_id"])
        assert photo is not None and photo.content_type == "image/jpeg" and len(photo.content) > 500
        assert mis.photo(without["mis_id"]) is None
