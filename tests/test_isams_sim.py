"""The iSAMS simulator on its own: state, registers, auth surface, faults and controls over HTTP."""

from __future__ import annotations

import base64
import io
import subprocess
import sys
import time
from datetime import date, datetime

import httpx
import pytest
from PIL import Image

from fixtures_isams import SIM_MONDAY
from imlate_tui.demo.isams_sim import SimConfig, SimState, SimulatorServer

MONDAY, SATURDAY = date(2025, 9, 8), date(2025, 9, 13)


def bearer(http: httpx.Client) -> dict[str, str]:
    answer = http.post("/auth/connect/token", data={"grant_type": "client_credentials",
                                                   "client_id": "imlate-demo", "client_secret": "demo-secret"})
    assert answer.status_code == 200
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.fixture
def http(isams_server):
    with httpx.Client(base_url=isams_server.base_url, timeout=5) as client:
        yield client


# -- state ------------------------------------------------------------------------------------------

def test_seed_is_deterministic_and_realistic():
    one, two = SimState(SimConfig(student_count=300)), SimState(SimConfig(student_count=300))
    assert one.students == two.students and len(one.students) == 300
    assert {s["yearGroup"] for s in one.students} == set(range(7, 14))
    assert len({s["schoolId"] for s in one.students}) == 300
    assert all(s["formGroup"].startswith(str(s["yearGroup"])) for s in one.students)
    without_photo = [s for s in one.students if s["latestPhotoId"] is None]
    assert 0 < len(without_photo) < 80
    assert all(c["id"] >= 101 for c in one.absence_codes)
    assert sum(c["id"] - 100 != c["displayOrder"] for c in one.absence_codes) > 10
    assert SimState(SimConfig(student_count=2000)).students[1999]["id"] > 0


def test_periods_have_fresh_ids_each_day_and_none_at_weekends(isams_state):
    monday = isams_state.periods_for(MONDAY, 3)
    assert [p["friendlyName"] for p in monday] == ["AM", "P1", "P2", "P3", "P4", "PM", "P5"]
    am, pm = monday[0], monday[5]
    assert (am["registrationType"], pm["registrationType"], monday[1]["registrationType"]) == ("AM", "PM", "Lesson")
    assert [am[k].strftime("%H:%M") for k in ("start", "time", "finish")] == ["08:25", "08:30", "09:00"]
    assert [pm[k].strftime("%H:%M") for k in ("start", "time", "finish")] == ["13:25", "13:30", "14:00"]
    assert isams_state.periods_for(MONDAY, 3) == monday  # same day, same ids
    tuesday_ids = {p["id"] for p in isams_state.periods_for(date(2025, 9, 9), 3)}
    assert not tuesday_ids & {p["id"] for p in monday}
    assert isams_state.periods_for(SATURDAY, 3) == []
    assert not {p["id"] for p in isams_state.periods_for(MONDAY, 4)} & {p["id"] for p in monday}


def test_rolled_period_ids_forget_the_old_ones(isams_state):
    pupil = next(s for s in isams_state.students if s["yearGroup"] == 7)
    old = isams_state.today_periods(3)[0]["id"]
    assert isams_state.register_row(old, pupil["schoolId"]) is not None
    isams_state.roll_period_ids()
    assert isams_state.register_row(old, pupil["schoolId"]) is None
    assert isams_state.today_periods(3)[0]["id"] != old


def test_registers_start_untaken_with_some_office_leave(isams_state):
    code_ids = {c["id"]: c["code"] for c in isams_state.absence_codes}
    rows = [isams_state.register_row(p["id"], s["schoolId"])
            for day in (MONDAY, date(2025, 9, 9), date(2025, 9, 10))
            for division in (3, 4, 6) for p in isams_state.periods_for(day, division)[:1]
            for s in isams_state.students_in_division(division)]
    rows = [r for r in rows if r is not None]
    assert all(r["isRegistered"] == 0 for r in rows)
    flagged = [r for r in rows if r["isOutOfSchool"] or r["isFutureAbsence"]]
    assert flagged and all(code_ids[r["absenceCodeId"]] in ("M", "V") for r in flagged)
    other_division = next(s for s in isams_state.students if s["yearGroup"] == 12)
    assert isams_state.register_row(isams_state.periods_for(MONDAY, 3)[0]["id"], other_division["schoolId"]) is None


def test_write_log_keeps_body_before_and_after(isams_state):
    pupil = next(s for s in isams_state.students if s["yearGroup"] == 9)
    am = isams_state.today_periods(3)[0]
    body = {"isPresent": True, "isLate": True, "numberOfMinutesLate": 7}
    isams_state.apply_put(am["id"], pupil["schoolId"], body)
    [write] = isams_state.writes
    assert (write.period_id, write.school_id, write.body, write.at) == (am["id"], pupil["schoolId"], body, SIM_MONDAY)
    assert write.before["isRegistered"] == 0 and write.after["isRegistered"] == 1
    assert write.after["numberOfMinutesLate"] == 7


def test_put_rules_are_switchable(isams_state):
    from imlate_tui.demo.sim_state import PutRejected
    pupil = next(s for s in isams_state.students if s["yearGroup"] == 9)
    am = isams_state.today_periods(3)[0]
    with pytest.raises(PutRejected) as caught:
        isams_state.apply_put(am["id"], pupil["schoolId"], {"isPresent": True})
    assert "request.isLate" in caught.value.payload["modelState"]
    isams_state.config.validation["shape"] = False
    isams_state.apply_put(am["id"], pupil["schoolId"], {"isPresent": True})
    isams_state.config.register_closed_after_minutes = 10
    isams_state.set_now(datetime(2025, 9, 8, 9, 11, tzinfo=isams_state.timezone))
    with pytest.raises(PutRejected, match="closed"):
        isams_state.apply_put(am["id"], pupil["schoolId"], {"isPresent": True, "isLate": False})


def test_mutation_helpers(isams_state):
    added = isams_state.add_student(yearGroup=10, forename="Zed")
    assert isams_state.student(added["schoolId"])["forename"] == "Zed"
    isams_state.update_student(added["schoolId"], formGroup="10L")
    isams_state.set_leaving_date(added["schoolId"], date(2025, 7, 18))
    isams_state.set_latest_photo(added["schoolId"], None)
    student = isams_state.student(added["schoolId"])
    assert student["formGroup"] == "10L" and student["leavingDate"].date() == date(2025, 7, 18)
    assert student["latestPhotoId"] is None and student["lastUpdated"] == SIM_MONDAY
    isams_state.remove_student(added["schoolId"])
    assert isams_state.student(added["schoolId"]) is None


# -- HTTP surface ------------------------------------------------------------------------------

def test_api_auth_answers_like_isams(http, isams_state):
    missing = http.get("/api/students")
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"] == "Bearer"
    stale = http.get("/api/students", headers={"Authorization": "Bearer nope"})
    assert stale.status_code == 401 and 'error="invalid_token"' in stale.headers["WWW-Authenticate"]
    basic = base64.b64encode(b"imlate-demo:demo-secret").decode()
    token = http.post("/auth/connect/token", data={"grant_type": "client_credentials"},
                      headers={"Authorization": f"Basic {basic}"})
    assert token.status_code == 200 and token.json()["token_type"] == "Bearer"
    assert isams_state.last_token_auth == "basic"
    assert http.post("/auth/connect/token", data={"grant_type": "password"}).json() == {
        "error": "unsupported_grant_type"}
    bad = http.post("/auth/connect/token", data={"grant_type": "client_credentials", "client_id": "imlate-demo",
                                                 "client_secret": "x"})
    assert (bad.status_code, bad.json()) == (400, {"error": "invalid_client"})
    isams_state.set_permissions({"school"})
    denied = http.get("/api/students", headers={"Authorization": f"Bearer {token.json()['access_token']}"})
    assert (denied.status_code, denied.json()["message"]) == (403, "The user is not authorised for this request")


def test_paging_envelope(http, isams_state):
    auth = bearer(http)
    page = http.get("/api/students", params={"page": 3, "pageSize": 25}, headers=auth).json()
    assert {k: page[k] for k in ("count", "page", "pageSize", "totalCount", "totalPages")} == {
        "count": 10, "page": 3, "pageSize": 25, "totalCount": 60, "totalPages": 3}
    assert http.get("/api/students", params={"page": 9}, headers=auth).json()["students"] == []
    expanded = http.get("/api/students", params={"pageSize": 1, "expand": "customFields"}, headers=auth).json()
    assert expanded["students"][0]["customFields"] == [] and expanded["totalPages"] == 60


def test_photos_are_generated_per_photo_id(http, isams_state):
    auth = bearer(http)
    pupil = next(s for s in isams_state.students if s["latestPhotoId"])
    first = http.get(f"/api/students/{pupil['schoolId']}/photos/current", headers=auth)
    assert first.headers["Content-Type"] == "image/jpeg" and Image.open(io.BytesIO(first.content)).size == (90, 120)
    isams_state.set_latest_photo(pupil["schoolId"], pupil["latestPhotoId"] + 1)
    second = http.get(f"/api/students/{pupil['schoolId']}/photos/current", headers=auth)
    assert second.content != first.content
    isams_state.set_latest_photo(pupil["schoolId"], None)
    assert http.get(f"/api/students/{pupil['schoolId']}/photos/current", headers=auth).status_code == 404


def test_faults_and_controls_over_http(http, isams_state):
    auth = bearer(http)
    added = http.post("/__fake/faults", json={"mode": "status:429", "count": 1, "retryAfter": 2})
    assert added.status_code == 201
    throttled = http.get("/api/school/yeargroups", headers=auth)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "2"
    assert http.get("/api/school/yeargroups", headers=auth).status_code == 200
    assert http.post("/__fake/faults", json={"mode": "nonsense"}).status_code == 400
    http.post("/__fake/faults", json={"mode": "status:500-html", "probability": 1.0})
    assert http.get("/api/school/terms", headers=auth).headers["Content-Type"] == "text/html"
    assert len(http.get("/__fake/faults").json()["faults"]) == 1
    http.delete("/__fake/faults")
    assert http.get("/api/school/terms", headers=auth).status_code == 200
    clock = http.post("/__fake/clock", json={"now": "2025-11-10T09:00:00+00:00"}).json()
    assert clock["today"] == "2025-11-10"
    assert http.get("/api/school/terms", headers=auth).status_code == 401  # two months on, the token expired
    auth = bearer(http)
    am = http.get("/api/registration/periods", params={"divisionId": 3}, headers=auth).json()["registrationPeriods"][0]
    assert am["start"] == "2025-11-10T08:25:00+00:00"
    pupil = next(s for s in isams_state.students if s["yearGroup"] == 7)
    put = http.put(f"/api/registration/register/{am['id']}/students/{pupil['schoolId']}", headers=auth,
                   json={"isPresent": False, "isLate": False, "absenceCodeId": isams_state.absence_codes[1]["id"]})
    assert put.status_code == 200 and put.content == b""
    [write] = http.get("/__fake/writes").json()["writes"]
    assert write["school_id"] == pupil["schoolId"] and write["after"]["isRegistered"] == 1
    assert http.get("/__fake/stats").json()["tokenRequests"] == 2
    new = http.post("/__fake/students", json={"forename": "Ada", "yearGroup": 11}).json()
    assert http.get(f"/api/students/{new['schoolId']}", headers=auth).json()["forename"] == "Ada"
    http.post("/__fake/reset")
    assert isams_state.writes == [] and isams_state.student(new["schoolId"]) is None


def test_server_stops_promptly_with_a_connection_open(isams_state):
    server = SimulatorServer(isams_state).start()
    client = httpx.Client(base_url=server.base_url)
    assert client.get("/__fake/stats").status_code == 200  # leaves a keep-alive connection open
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 1.5
    client.close()


def test_runs_as_a_module():
    process = subprocess.Popen([sys.executable, "-m", "imlate_tui.demo.isams_sim", "--port", "0", "--students", "20"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        base_url = line.split(" on ")[1].split(" ")[0]
        assert httpx.get(f"{base_url}/__fake/stats", timeout=5).json() == {"tokenRequests": 0, "apiRequests": 0}
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=5)
    assert errors == ""  # quiet: nothing scribbled over a terminal
