"""The Wonde simulator over real HTTP: the documented shapes (wonde-api.md) a client will meet."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
import pytest

from imlate_tui.demo.wonde_sim import DEMO_SCHOOL_ID, DEMO_WONDE_TOKEN, WondeConfig, WondeSimulator, WondeState

MONDAY_0840 = datetime(2025, 9, 8, 7, 40, tzinfo=timezone.utc)


@pytest.fixture
def sim():
    state = WondeState(WondeConfig(now=MONDAY_0840))
    with WondeSimulator(state) as server:
        yield server


@pytest.fixture
def api(sim):
    with httpx.Client(base_url=f"{sim.base_url}/v1.0", headers={"Authorization": f"Bearer {DEMO_WONDE_TOKEN}"},
                      timeout=10) as client:
        yield client


def school(path: str = "") -> str:
    return f"/schools/{DEMO_SCHOOL_ID}{path}"


def test_no_token_or_a_wrong_one_is_401_and_basic_auth_works(sim, api):
    assert httpx.get(f"{sim.base_url}/v1.0{school()}").status_code == 401
    wrong = httpx.get(f"{sim.base_url}/v1.0{school()}", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.json() == {"message": "Unauthenticated."}
    basic = httpx.get(f"{sim.base_url}/v1.0{school()}", auth=(DEMO_WONDE_TOKEN, ""))
    assert basic.status_code == 200


def test_the_school_names_its_regional_domain_and_mis(sim, api):
    data = api.get(school()).json()["data"]
    assert data["region"]["domain"] == f"127.0.0.1:{sim.port}"
    assert data["mis"] == "SIMS" and data["extended"]["allows_writeback"] is True


def test_students_page_by_50_with_absolute_next_links_until_more_is_false(api):
    first = api.get(school("/students"), params={"include": "year,registration"}).json()
    assert len(first["data"]) == 50
    pagination = first["meta"]["pagination"]
    assert pagination["more"] is True and pagination["next"].startswith("http://127.0.0.1:")
    second = httpx.get(pagination["next"], headers=api.headers).json()
    assert len(second["data"]) == 10 and second["meta"]["pagination"]["more"] is False
    ids = [s["id"] for s in first["data"] + second["data"]]
    assert len(set(ids)) == 60
    student = first["data"][0]
    assert student["year"]["data"]["code"] and student["registration"]["data"]["name"]
    assert "_form" not in student and isinstance(student["updated_at"], dict)


def test_few_items_have_no_pagination_block_unless_per_page_is_asked(api):
    codes = api.get("/attendance-codes").json()
    assert "pagination" not in codes["meta"]
    asked = api.get(school("/students"), params={"per_page": 200}).json()
    assert len(asked["data"]) == 60 and asked["meta"]["pagination"]["more"] is False


def test_updated_after_returns_only_changes_and_deletions_list_leavers(sim, api):
    state = sim.state
    victim = state.students[3]["id"]
    state.clock.advance(60)
    state.update_student(state.students[5]["id"], surname="Changed")
    state.remove_student(victim)
    since = "2025-09-08 07:40:30"
    changed = api.get(school("/students"), params={"updated_after": since}).json()["data"]
    assert [s["surname"] for s in changed] == ["Changed"]
    deleted = api.get(school("/deletions"), params={"type": "student", "updated_after": since}).json()["data"]
    assert [d["id"] for d in deleted] == [victim]


def test_photos_come_inline_with_a_hash_that_changes_with_a_new_photo(sim, api):
    sid = next(s["id"] for s in sim.state.students if s["_photo"])
    before = api.get(school(f"/students/{sid}"), params={"include": "photo"}).json()["data"]["photo"]["data"]
    sim.state.new_photo(sid)
    after = api.get(school(f"/students/{sid}"), params={"include": "photo"}).json()["data"]["photo"]["data"]
    assert before["hash"] != after["hash"] and len(after["content"]) > 100


def code_id(api, code: str) -> str:
    return next(c["id"] for c in api.get("/attendance-codes").json()["data"] if c["code"] == code)


def test_a_session_writeback_is_queued_then_applied_and_read_back(sim, api):
    sid = sim.state.students[0]["id"]
    body = {"attendance": [{"date": "2025-09-08", "session": "AM", "student_id": sid,
                            "attendance_code_id": code_id(api, "L"), "minutes_late": 12, "comment": "Bus late"}]}
    posted = api.post(school("/attendance/session"), json=body)
    assert posted.status_code == 200
    writeback_id = posted.json()["writeback_id"]
    status = api.get(f"/writebacks/{writeback_id}").json()["data"]["status"]
    assert status == "completed"
    marks = api.get(school("/attendance/session"), params={"include": "attendance_code"}).json()["data"]
    assert [(m["student"], m["attendance_code"]["data"]["code"], m["minutes_late"]) for m in marks] == [(sid, "L", 12)]


def test_a_delayed_writeback_stays_pending_until_its_time(sim, api):
    sim.state.config.writeback_delay_seconds = 120
    sid = sim.state.students[0]["id"]
    body = {"attendance": [{"date": "2025-09-08", "session": "AM", "student_id": sid,
                            "attendance_code_id": code_id(api, "/")}]}
    writeback_id = api.post(school("/attendance/session"), json=body).json()["writeback_id"]
    assert api.get(f"/writebacks/{writeback_id}").json()["data"]["status"] == "pending"
    sim.state.clock.advance(121)
    assert api.get(f"/writebacks/{writeback_id}").json()["data"]["status"] == "completed"


def test_validation_errors_are_422_per_field_and_nothing_is_applied(sim, api):
    bad = {"attendance": [{"date": "08/09/2025", "session": "XX", "student_id": "A0",
                           "attendance_code_id": "nope", "minutes_late": -3}]}
    reply = api.post(school("/attendance/session"), json=bad)
    assert reply.status_code == 422
    errors = reply.json()["errors"]
    assert {"attendance.0.date", "attendance.0.session", "attendance.0.student_id",
            "attendance.0.attendance_code_id", "attendance.0.minutes_late"} <= set(errors)
    assert api.post(school("/attendance/session"), json={"attendances": []}).status_code == 422
    assert sim.state.applied == []


def test_arbor_refuses_session_marks_but_takes_lesson_marks(sim, api):
    sim.state.mis_name = "Arbor"
    sid = sim.state.students[0]["id"]
    session = {"attendance": [{"date": "2025-09-08", "session": "AM", "student_id": sid,
                               "attendance_code_id": code_id(api, "L")}]}
    assert api.post(school("/attendance/session"), json=session).status_code == 422
    lessons = api.get(school("/lessons"), params={"lessons_start_after": "2025-09-08",
                                                  "lessons_start_before": "2025-09-08", "per_page": 200}).json()
    lesson = lessons["data"][0]
    body = {"attendance": [{"lesson_id": lesson["id"], "student_id": sid, "attendance_code_id": code_id(api, "L")}]}
    writeback_id = api.post(school("/attendance/lesson"), json=body).json()["writeback_id"]
    assert api.get(f"/writebacks/{writeback_id}").json()["data"]["status"] == "completed"


def test_a_mis_without_comments_drops_them_silently(sim, api):
    sim.state.mis_name = "Facility"
    sid = sim.state.students[0]["id"]
    body = {"attendance": [{"date": "2025-09-08", "session": "AM", "student_id": sid,
                            "attendance_code_id": code_id(api, "L"), "comment": "Bus", "minutes_late": 5}]}
    writeback_id = api.post(school("/attendance/session"), json=body).json()["writeback_id"]
    assert api.get(f"/writebacks/{writeback_id}").json()["data"]["status"] == "completed"
    mark = api.get(school("/attendance/session")).json()["data"][0]
    assert mark["comment"] is None and mark["minutes_late"] is None


def test_stale_reads_show_the_mis_only_after_an_extraction(sim, api):
    sim.state.config.extract_every_seconds = None
    sid = sim.state.students[0]["id"]
    sim.state.set_mark(datetime(2025, 9, 8).date(), "AM", sid, "M")
    assert api.get(school("/attendance/session")).json()["data"] == []
    httpx.post(f"{sim.base_url}/__fake/extract")
    assert len(api.get(school("/attendance/session")).json()["data"]) == 1


def test_faults_stuck_and_failed_writebacks_and_status_codes(sim, api):
    sid = sim.state.students[0]["id"]
    body = {"attendance": [{"date": "2025-09-08", "session": "AM", "student_id": sid,
                            "attendance_code_id": code_id(api, "/")}]}
    httpx.post(f"{sim.base_url}/__fake/faults", json={"mode": "writeback-stuck", "count": 1})
    stuck = api.post(school("/attendance/session"), json=body).json()["writeback_id"]
    assert api.get(f"/writebacks/{stuck}").json()["data"]["status"] == "processing"
    httpx.post(f"{sim.base_url}/__fake/faults", json={"mode": "writeback-failed", "count": 1})
    failed = api.post(school("/attendance/session"), json=body).json()["writeback_id"]
    data = api.get(f"/writebacks/{failed}").json()["data"]
    assert data["status"] == "failed" and data["errors"]
    httpx.post(f"{sim.base_url}/__fake/faults", json={"mode": "status:429", "count": 1, "retryAfter": 3})
    limited = api.get(school())
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "3"
    assert api.get(school()).status_code == 200
    httpx.post(f"{sim.base_url}/__fake/writebacks/{stuck}/complete")
    assert api.get(f"/writebacks/{stuck}").json()["data"]["status"] == "completed"


def test_a_locked_mark_in_the_mis_makes_the_writeback_fail_asynchronously(sim, api):
    sim.state.config.locked_codes = frozenset({"M"})
    sid = sim.state.students[0]["id"]
    sim.state.set_mark(datetime(2025, 9, 8).date(), "AM", sid, "M")
    body = {"attendance": [{"date": "2025-09-08", "session": "AM", "student_id": sid,
                            "attendance_code_id": code_id(api, "L")}]}
    writeback_id = api.post(school("/attendance/session"), json=body).json()["writeback_id"]
    data = api.get(f"/writebacks/{writeback_id}").json()["data"]
    assert data["status"] == "failed" and "locked" in data["errors"][0]["message"]
