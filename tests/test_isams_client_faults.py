"""Retries, back-off, paging drift and log hygiene, with faults injected into the simulator."""

from __future__ import annotations

import logging
import re

import pytest

from imlate_tui.demo.isams_sim import SimulatorServer
from imlate_tui.erp.isams import (IsamsBadResponse, IsamsInvalidRequest, IsamsNotFound, IsamsPermissionError,
                                  IsamsUnavailable, RegistrationUpdate)


@pytest.mark.parametrize("mode", ["status:429", "status:502", "status:503", "status:504", "lock-timeout",
                                  "reset"])
def test_each_retryable_fault_is_recovered(isams_client, isams_state, isams_sleep, mode):
    isams_state.faults.add(mode, count=1)
    assert len(isams_client.list_year_groups()) == 7
    assert len(isams_sleep.calls) == 1
    assert isams_state.api_requests == 2


def test_a_time_out_is_retried(make_isams_client, isams_state, isams_sleep):
    client = make_isams_client(timeout=0.2)
    client.list_year_groups()
    isams_state.faults.add("delay:600", count=1)
    assert len(client.list_year_groups()) == 7
    assert len(isams_sleep.calls) == 1


def test_retry_after_is_honoured(isams_client, isams_state, isams_sleep):
    isams_state.faults.add("status:429", count=2, retry_after=3)
    isams_client.list_present_codes()
    assert isams_sleep.calls == [3.0, 3.0]


def test_back_off_grows_with_jitter_and_gives_up(isams_client, isams_state, isams_sleep):
    isams_client.list_year_groups()
    isams_state.faults.add("status:503")
    with pytest.raises(IsamsUnavailable, match="after 5 attempts"):
        isams_client.list_year_groups()
    assert len(isams_sleep.calls) == 4
    for retry, waited in enumerate(isams_sleep.calls):
        ceiling = min(8.0, 0.5 * 2 ** retry)
        assert ceiling / 2 <= waited <= ceiling
    assert isams_sleep.calls[3] > isams_sleep.calls[0]


@pytest.mark.parametrize(("mode", "error"), [
    ("status:500-html", IsamsUnavailable), ("status:500", IsamsUnavailable), ("status:400", IsamsInvalidRequest),
    ("status:409", IsamsInvalidRequest), ("status:403", IsamsPermissionError), ("status:404", IsamsNotFound)])
def test_non_retryable_statuses_fail_at_once(isams_client, isams_state, isams_sleep, mode, error):
    isams_state.faults.add(mode, count=1)
    with pytest.raises(error):
        isams_client.list_year_groups()
    assert isams_sleep.calls == [] and isams_state.api_requests == 1


def test_truncated_json_is_a_clear_bad_response(isams_client, isams_state):
    isams_state.faults.add("truncated-json", count=1)
    with pytest.raises(IsamsBadResponse, match="not valid JSON, perhaps cut off"):
        isams_client.list_absence_codes()


def test_token_endpoint_trouble_is_retried(isams_client, isams_state, isams_sleep):
    isams_state.faults.add("status:503", route="/auth/connect/token", count=2)
    assert isams_client.list_year_groups()
    assert len(isams_sleep.calls) == 2


def test_a_put_is_retried_and_written_once(isams_client, isams_state, isams_sleep):
    pupil = next(s for s in isams_state.students if s["yearGroup"] == 7)
    am = isams_client.list_registration_periods(3)[0]
    isams_state.faults.add("status:503", method="PUT", count=1)
    isams_client.put_registration_status(am.id, pupil["schoolId"], RegistrationUpdate(is_present=True, is_late=False))
    assert len(isams_sleep.calls) == 1 and len(isams_state.writes) == 1


def test_an_unreachable_server_is_unavailable(make_isams_client, isams_state, isams_sleep):
    with SimulatorServer(isams_state) as gone:
        base_url = gone.base_url
    client = make_isams_client(base_url=base_url, max_retries=2)
    with pytest.raises(IsamsUnavailable, match="connection failed"):
        client.list_year_groups()
    assert len(isams_sleep.calls) == 2


# -- paging ------------------------------------------------------------------------------------

def test_paging_drift_is_walked_again(isams_client, isams_state):
    isams_state.faults.add("paging-drift", count=1)
    roll = isams_client.list_students()
    assert roll.consistent and roll.total_count == 61 and len(roll.students) == 61
    assert len({s.id for s in roll.students}) == 61


def test_endless_drift_is_reported_not_hidden(isams_client, isams_state, caplog):
    isams_state.faults.add("paging-drift")
    with caplog.at_level(logging.WARNING):
        roll = isams_client.list_students()
    assert not roll.consistent
    assert len({s.id for s in roll.students}) == len(roll.students)
    assert any("kept changing" in r.getMessage() for r in caplog.records)


def test_duplicates_across_pages_are_removed(isams_client, isams_state):
    isams_state.faults.add("duplicate-across-pages", count=1)
    roll = isams_client.list_students()
    assert roll.duplicates == 1 and len(roll.students) == 60 and roll.consistent


def test_a_student_missing_from_a_page_triggers_a_second_walk(isams_client, isams_state):
    isams_state.faults.add("missing-across-pages", count=1)
    roll = isams_client.list_students()
    assert roll.consistent and len(roll.students) == 60


# -- log hygiene ---------------------------------------------------------------------------------

def test_no_log_line_carries_the_secret_or_a_token(make_isams_client, isams_state, caplog):
    secret = "s3cret-Value-9431"
    isams_state.config.client_secret = secret
    isams_state.client_secret = secret
    client = make_isams_client(client_secret=secret)
    pupil = next(s for s in isams_state.students if s["yearGroup"] == 7)
    with caplog.at_level(logging.DEBUG):
        am = client.list_registration_periods(3)[0]
        isams_state.faults.add("expire-token-now", count=1)
        isams_state.faults.add("status:429", count=1)
        client.put_registration_status(am.id, pupil["schoolId"], RegistrationUpdate(
            is_present=True, is_late=True, number_of_minutes_late=3, registration_comment="Bus late"))
        client.list_students()
        isams_state.faults.add("truncated-json", count=1)
        with pytest.raises(IsamsBadResponse):
            client.get_student(pupil["schoolId"])
    assert len(isams_state.issued_tokens) == 2
    assert any("/api/registration/register" in r.getMessage() for r in caplog.records)
    for record in caplog.records:
        line = record.getMessage() + repr(record.args)
        assert secret not in line
        assert not re.search(r"Bearer [\w.~+/=-]{8,}", line)  # a credential, not the WWW-Authenticate scheme
        assert "Bus late" not in line
        assert pupil["surname"] not in line.replace("iSAMS", "")
        for token in isams_state.issued_tokens:
            assert token not in line
