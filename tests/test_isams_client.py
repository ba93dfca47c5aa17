"""IsamsClient against the simulator over real HTTP: reads, auth, errors, datetimes, photos, PUTs."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image

from fixtures_isams import LONDON
from imlate_tui.erp.isams import (IsamsAuthError, IsamsBadResponse, IsamsInvalidRequest, IsamsNotFound,
                                  IsamsPermissionError, RegistrationUpdate)


def lower_school_pupil(state):
    return next(s for s in state.students if s["yearGroup"] == 8 and s["latestPhotoId"] is not None)


def am_period(client, division_id=3):
    return next(p for p in client.list_registration_periods(division_id) if p.registration_type == "AM")


# -- reads ------------------------------------------------------------------------------------------

def test_reads_students_school_structure_and_codes(isams_client, isams_state):
    roll = isams_client.list_students()
    assert len(roll.students) == 60 and roll.total_count == 60 and roll.consistent
    assert [s.id for s in roll.students] == [s["id"] for s in isams_state.students]
    pupil = lower_school_pupil(isams_state)
    one = isams_client.get_student(pupil["schoolId"])
    assert (one.id, one.forename, one.form_group, one.year_group) == (
        pupil["id"], pupil["forename"], pupil["formGroup"], 8)
    assert one.dob == pupil["dob"] and one.last_updated.tzinfo is not None
    assert [y.nc_year for y in isams_client.list_year_groups()] == list(range(7, 14))
    assert [(d.id, d.name) for d in isams_client.list_divisions(9)] == [(3, "Lower School")]
    assert [(d.id, d.name) for d in isams_client.list_divisions(12)] == [(6, "Sixth Form")]
    absence = {c.code: c for c in isams_client.list_absence_codes()}
    present = {c.code: c for c in isams_client.list_present_codes()}
    assert {"N", "O", "U", "M", "-"} <= absence.keys() and {"/", "L"} <= present.keys()
    assert absence["-"].is_oos_active and not absence["N"].is_oos_active
    assert any(c.id != c.display_order for c in absence.values())


def test_todays_periods_are_aware_datetimes_in_bst(isams_client):
    periods = isams_client.list_registration_periods(3)
    assert [p.friendly_name for p in periods] == ["AM", "P1", "P2", "P3", "P4", "PM", "P5"]
    am = periods[0]
    assert am.start == datetime(2025, 9, 8, 8, 25, tzinfo=LONDON)
    assert am.start.utcoffset() == timedelta(hours=1)
    assert (am.time.hour, am.finish.hour) == (8, 9) and am.divisions[0].id == 3


@pytest.mark.parametrize(("when", "offset"), [
    (datetime(2025, 9, 8, 7, 0, tzinfo=timezone.utc), timedelta(hours=1)),    # BST
    (datetime(2025, 11, 10, 8, 0, tzinfo=timezone.utc), timedelta(0)),        # GMT
])
def test_offset_less_datetimes_are_read_in_the_school_zone(isams_client, isams_state, when, offset):
    isams_state.set_now(when)
    isams_state.faults.add("timestamps:no-offset")
    am = am_period(isams_client)
    # 08:25 London is 07:25 UTC in September and 08:25 UTC in November; read as UTC it would be wrong.
    assert am.start.astimezone(timezone.utc) == datetime.combine(
        when.date(), datetime.min.time(), tzinfo=timezone.utc) + timedelta(hours=8, minutes=25) - offset
    assert am.start.utcoffset() == offset


# -- auth -----------------------------------------------------------------------------------------

def test_token_is_cached_sent_in_the_form_body_and_renewed_before_expiry(make_isams_client, isams_state,
                                                                          isams_clock):
    client = make_isams_client()
    client.list_year_groups()
    client.list_present_codes()
    assert isams_state.token_requests == 1 and isams_state.last_token_auth == "form"
    isams_clock.advance(3600 - 60 - 1)  # still inside expires_in minus the 60 s margin
    client.list_year_groups()
    assert isams_state.token_requests == 1
    isams_clock.advance(2)
    client.list_year_groups()
    assert isams_state.token_requests == 2


def test_token_expired_at_the_server_gets_one_fresh_token(isams_client, isams_state):
    isams_client.list_year_groups()
    isams_state.advance(3601)  # the server's clock moved; ours did not
    assert len(isams_client.list_year_groups()) == 7
    assert isams_state.token_requests == 2


def test_a_second_401_is_an_auth_error_not_a_loop(isams_client, isams_state, isams_sleep):
    isams_client.list_year_groups()
    isams_state.faults.add("expire-token-now", count=5)
    with pytest.raises(IsamsAuthError, match="refused a freshly issued token"):
        isams_client.list_year_groups()
    assert isams_state.token_requests == 2  # the first, and exactly one renewal
    assert isams_sleep.calls == []


@pytest.mark.parametrize("how", ["wrong-secret", "rotated", "status-401"])
def test_invalid_client_is_reported_plainly(make_isams_client, isams_state, isams_sleep, how):
    secret = "demo-secret"
    if how == "wrong-secret":
        secret = "not-it"
    elif how == "rotated":
        isams_state.faults.add("rotate-secret")
    else:
        isams_state.config.invalid_client_status = 401
        secret = "not-it"
    client = make_isams_client(client_secret=secret)
    with pytest.raises(IsamsAuthError) as caught:
        client.list_year_groups()
    assert str(caught.value) == "iSAMS rejected the client id/secret"
    assert isams_sleep.calls == []


def test_scope_is_sent_and_an_unknown_scope_is_refused(make_isams_client):
    assert make_isams_client(scope="restapi").list_year_groups()
    with pytest.raises(IsamsAuthError, match="scope 'apiv1'"):
        make_isams_client(scope="apiv1").list_year_groups()


# -- errors that must not be retried ----------------------------------------------------------------

def test_missing_permission_is_a_permission_error(isams_client, isams_state, isams_sleep):
    isams_state.set_permissions({"students", "school"})
    with pytest.raises(IsamsPermissionError, match="The user is not authorised for this request"):
        isams_client.list_registration_periods(3)
    assert isams_sleep.calls == []


def test_unknown_student_is_not_found_without_retry(isams_client, isams_state, isams_sleep):
    with pytest.raises(IsamsNotFound):
        isams_client.get_student("0000000000")
    assert isams_sleep.calls == [] and isams_state.api_requests == 1


def test_wrong_shape_is_a_bad_response_naming_the_field(isams_client, isams_state):
    pupil = lower_school_pupil(isams_state)
    am = am_period(isams_client)
    isams_state.set_register_row(am.id, pupil["schoolId"], isPresent="perhaps")
    with pytest.raises(IsamsBadResponse, match="isPresent") as caught:
        isams_client.get_registration_status(am.id, pupil["schoolId"])
    assert "perhaps" not in str(caught.value)


def test_a_malformed_student_is_skipped_not_fatal(isams_client, isams_state):
    victim = isams_state.students[5]
    isams_state.update_student(victim["schoolId"], id="not-a-number")
    roll = isams_client.list_students()
    assert roll.skipped_records == 1 and len(roll.students) == 59 and roll.consistent


# -- photos ------------------------------------------------------------------------------------------

def test_photo_and_missing_photo(isams_client, isams_state):
    pupil = lower_school_pupil(isams_state)
    photo = isams_client.get_current_photo(pupil["schoolId"])
    assert photo.content_type == "image/jpeg"
    assert Image.open(io.BytesIO(photo.content)).format == "JPEG"
    without = next(s for s in isams_state.students if s["latestPhotoId"] is None)
    assert isams_client.get_current_photo(without["schoolId"]) is None
    isams_state.faults.add("photo-content-type:image/png", count=1)
    assert isams_client.get_current_photo(pupil["schoolId"]).content_type == "image/png"


# -- registration status and PUT -------------------------------------------------------------------

def test_put_writes_exactly_the_isams_fields(isams_client, isams_state):
    pupil = lower_school_pupil(isams_state)
    am = am_period(isams_client)
    before = isams_client.get_registration_status(am.id, pupil["schoolId"])
    assert before.is_registered == 0
    left = datetime(2025, 9, 8, 12, 10, tzinfo=timezone.utc)
    update = RegistrationUpdate(is_present=True, is_late=True, number_of_minutes_late=12,
                                registration_comment="Bus late", leaving_or_left_date_time=left)
    isams_client.put_registration_status(am.id, pupil["schoolId"], update)
    [write] = isams_state.writes
    assert write.body == {"isPresent": True, "isLate": True, "numberOfMinutesLate": 12,
                          "registrationComment": "Bus late", "leavingOrLeftDateTime": "2025-09-08T13:10:00+01:00"}
    after = isams_client.get_registration_status(am.id, pupil["schoolId"])
    assert (after.is_registered, after.is_present, after.is_late, after.number_of_minutes_late) == (1, True, True, 12)
    assert after.leaving_or_left_date_time == left


def test_put_validation_errors_carry_isams_message(isams_client, isams_state, isams_sleep):
    pupil = lower_school_pupil(isams_state)
    am = am_period(isams_client)
    code_m = next(c.id for c in isams_client.list_absence_codes() if c.code == "M")
    with pytest.raises(IsamsInvalidRequest, match="present mark cannot have an absence code") as caught:
        isams_client.put_registration_status(am.id, pupil["schoolId"], RegistrationUpdate(
            is_present=True, is_late=False, absence_code_id=code_m))
    assert caught.value.status == 400
    assert caught.value.isams_message == "A present mark cannot have an absence code."
    with pytest.raises(IsamsInvalidRequest, match="does not exist"):
        isams_client.put_registration_status(am.id, pupil["schoolId"], RegistrationUpdate(
            is_present=False, is_late=False, absence_code_id=1))
    isams_state.config.validation["flags"] = False
    isams_client.put_registration_status(am.id, pupil["schoolId"], RegistrationUpdate(
        is_present=True, is_late=False, absence_code_id=code_m))
    assert len(isams_state.writes) == 1 and isams_sleep.calls == []


def test_model_state_is_surfaced(isams_client, isams_state):
    pupil = lower_school_pupil(isams_state)
    am = am_period(isams_client)
    # Bypass the typed model to send what a broken caller might: isLate missing.
    with pytest.raises(IsamsInvalidRequest) as caught:
        isams_client._request("PUT", f"/api/registration/register/{am.id}/students/{pupil['schoolId']}",
                              json_body={"isPresent": True})
    assert "request.isLate" in caught.value.model_state
    assert "request.isLate" in str(caught.value)


def test_registers_of_another_day_are_not_found(isams_client, isams_state):
    pupil = lower_school_pupil(isams_state)
    monday_am = am_period(isams_client)
    isams_state.advance(86400)
    tuesday_am = am_period(isams_client)
    assert tuesday_am.id != monday_am.id
    isams_state.faults.add("period-ids-roll", count=1)
    rolled = am_period(isams_client)
    assert rolled.id != tuesday_am.id
    with pytest.raises(IsamsNotFound):
        isams_client.get_registration_status(tuesday_am.id, pupil["schoolId"])


def test_registration_update_rejects_naive_datetimes_and_negative_minutes():
    with pytest.raises(ValueError):
        RegistrationUpdate(is_present=True, is_late=False, leaving_or_left_date_time=datetime(2025, 9, 8, 12))
    with pytest.raises(ValueError):
        RegistrationUpdate(is_present=True, is_late=True, number_of_minutes_late=-1)
    assert RegistrationUpdate(is_present=False, is_late=False).to_body(LONDON) == {
        "isPresent": False, "isLate": False}
