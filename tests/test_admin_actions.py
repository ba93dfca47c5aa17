"""AdminActions: every change an admin may make works for an operator, is audit-logged with the OS
user and the SSH client address, and is refused for everyone else with nothing changed."""

from __future__ import annotations

import json

import pytest

from admin_helpers import CLIENT, OPERATOR, VIEWER, admin_settings, database_state
from imlate_tui.db import attendance
from imlate_tui.db.models import AttendanceIntent, AuditEntry, Card, JobRun, Person, Track
from imlate_tui.domain.scanning import Direction, MoveRefused
from imlate_tui.errors import InvalidInput
from imlate_tui.services.admin_actions import AdminActions, PermissionDenied, ssh_client_address, writeback_queue
from imlate_tui.services.scanning import ScanService
from kiosk_helpers import add_person


@pytest.fixture
def settings(tmp_path):
    return admin_settings(tmp_path)


@pytest.fixture
def ann(db):
    return add_person("Ann", "Able", card="A1", year=7, form="7A")


def actions(settings, clock, user: str) -> AdminActions:
    return AdminActions(settings, user=user, client=CLIENT, clock=clock)


def last_audit() -> AuditEntry:
    return AuditEntry.select().order_by(AuditEntry.id.desc()).get()


@pytest.fixture
def failed_intent(db, clock, ann) -> AttendanceIntent:
    track = ScanService(db, clock).scan("A1")
    intent = attendance.add_intent(track=Track.get_by_id(track.track_id), person=ann, first_of_day=True,
                                   hold_until=None, now=clock())
    attendance.settle(intent, status="failed", summary="iSAMS said 400: no such period", now=clock())
    return AttendanceIntent.get_by_id(intent.id)


def test_ssh_client_address_is_the_first_field_of_ssh_client():
    assert ssh_client_address({"SSH_CLIENT": "203.0.113.7 52144 22"}) == "203.0.113.7"
    assert ssh_client_address({}) == "local"


def test_operator_signs_someone_in_and_out_with_a_note(db, clock, ann):
    admin = actions(db, clock, OPERATOR)
    assert admin.can_change
    result = admin.sign(ann.id, Direction.IN, "lost card")
    assert result.message == "Ann Able: signed in"
    track = Track.get_by_id(result.track_id)
    assert (track.source, track.actor, track.note) == ("manual", OPERATOR, "lost card")
    entry = last_audit()
    assert (entry.actor, entry.client, entry.action, entry.target) == (OPERATOR, CLIENT, "manual_sign_in",
                                                                      f"person:{ann.id}")
    assert json.loads(entry.details)["note"] == "lost card"
    clock.advance(minutes=30)
    assert admin.sign(ann.id, Direction.OUT).message == "Ann Able: signed out"
    with pytest.raises(MoveRefused, match="already signed out"):
        admin.sign(ann.id, Direction.OUT)


def test_operator_assigns_a_card(db, clock, ann):
    admin = actions(db, clock, OPERATOR)
    admin.assign_card(ann.id, " new7 ")
    assert Card.get(Card.code == "NEW7").person_id == ann.id
    entry = last_audit()
    assert (entry.actor, entry.client, entry.action) == (OPERATOR, CLIENT, "assign_card")
    other = add_person("Bea", "Baker")
    with pytest.raises(InvalidInput, match="already belongs to Ann Able"):
        admin.assign_card(other.id, "NEW7")


def test_operator_deactivates_and_activates_a_person(db, clock, ann):
    admin = actions(db, clock, OPERATOR)
    assert admin.set_active(ann.id, False).name == "Ann Able"
    assert not Person.get_by_id(ann.id).active
    assert (last_audit().action, last_audit().actor, last_audit().client) == ("deactivate_person", OPERATOR, CLIENT)
    assert ScanService(db, clock).scan("A1").result.value == "inactive_person"
    admin.set_active(ann.id, True)
    assert Person.get_by_id(ann.id).active
    assert last_audit().action == "activate_person"
    audits = AuditEntry.select().count()
    admin.set_active(ann.id, True)  # already active: nothing to record
    assert AuditEntry.select().count() == audits


def test_operator_retries_a_failed_writeback(db, clock, failed_intent):
    assert [i.id for i in writeback_queue()] == [failed_intent.id]
    clock.advance(minutes=10)
    actions(db, clock, OPERATOR).retry_intent(failed_intent.id)
    intent = AttendanceIntent.get_by_id(failed_intent.id)
    assert (intent.status, intent.next_attempt_at) == ("pending", clock())
    assert [i.id for i in attendance.due(clock())] == [intent.id]
    entry = last_audit()
    assert (entry.action, entry.target, entry.actor, entry.client) == (
        "retry_writeback", f"intent:{intent.id}", OPERATOR, CLIENT)


def test_a_sent_mark_is_not_retried(db, clock, failed_intent):
    attendance.settle(failed_intent, status="sent", summary="present", now=clock())
    with pytest.raises(InvalidInput, match="already sent"):
        actions(db, clock, OPERATOR).retry_intent(failed_intent.id)


def test_operator_runs_a_job_now_and_it_is_recorded(db, clock):
    result = actions(db, clock, OPERATOR).run_job("writeback")
    assert result.outcome == "failed" and "erp.enabled" in (result.error or "")  # recorded, not raised
    run = JobRun.get()
    assert (run.job, run.trigger, run.outcome) == ("writeback", "manual", "failed")
    entry = last_audit()
    assert (entry.action, entry.target, entry.actor, entry.client) == ("run_job", "job:writeback", OPERATOR, CLIENT)
    with pytest.raises(InvalidInput, match="no job called"):
        actions(db, clock, OPERATOR).run_job("coffee")


@pytest.mark.parametrize("attempt", [
    lambda a, ann, intent: a.sign(ann.id, Direction.IN, "sneaky"),
    lambda a, ann, intent: a.sign(ann.id, Direction.OUT),
    lambda a, ann, intent: a.assign_card(ann.id, "X9"),
    lambda a, ann, intent: a.set_active(ann.id, False),
    lambda a, ann, intent: a.retry_intent(intent.id),
    lambda a, ann, intent: a.run_job("writeback"),
], ids=["sign-in", "sign-out", "assign-card", "deactivate", "retry", "run-job"])
def test_non_operators_are_refused_and_nothing_changes(db, clock, ann, failed_intent, attempt):
    viewer = actions(db, clock, VIEWER)
    assert not viewer.can_change
    before = database_state()
    with pytest.raises(PermissionDenied, match=f"read-only: your user {VIEWER} is not in admin.operators"):
        attempt(viewer, ann, failed_intent)
    assert database_state() == before


def test_an_empty_operator_list_means_everyone_is_read_only(tmp_path, clock):
    from conftest import fresh_database, make_settings
    from imlate_tui.db.connection import close_database

    settings = make_settings(tmp_path)
    fresh_database(settings)
    try:
        person = add_person("Ann", "Able")
        with pytest.raises(PermissionDenied):
            AdminActions(settings, user="root", client="local", clock=clock).set_active(person.id, False)
    finally:
        close_database()
