"""student-sync against the simulator over HTTP."""

from datetime import date

from imlate_tui.db import people, registration
from imlate_tui.db.models import Person, Track
from imlate_tui.services.codes_sync import sync_codes
from imlate_tui.services.student_sync import sync_students


def students():
    return {p.school_id: p for p in Person.select().where(Person.kind == "student")}


def test_first_sync_creates_every_student_with_its_divisions(job_context, isams_state):
    counts = sync_students(job_context())
    assert counts["fetched"] == counts["created"] == len(isams_state.students) == 60
    stored = students()
    sample = isams_state.students[0]
    person = stored[sample["schoolId"]]
    assert (person.isams_id, person.forename, person.surname) == (sample["id"], sample["forename"], sample["surname"])
    assert person.year_group == sample["yearGroup"] and person.form_group == sample["formGroup"]
    expected_division = {7: 3, 8: 3, 9: 3, 10: 4, 11: 4, 12: 6, 13: 6}[sample["yearGroup"]]
    assert person.divisions == [expected_division]
    assert person.active and person.sync_hash is not None
    # the divisions were fetched once per year group and kept for the next run
    assert set(registration.division_map()) == {s["yearGroup"] for s in isams_state.students}


def test_unchanged_resync_writes_nothing_and_only_pages(job_context, isams_state, writes_counted):
    sync_students(job_context(page_size=10))
    assert writes_counted.count > 60                          # the counter sees the first sync's writes
    before_requests, before_writes = isams_state.api_requests, writes_counted.count
    counts = sync_students(job_context(page_size=10))
    assert counts["unchanged"] == 60 and counts["created"] == counts["updated"] == 0
    assert writes_counted.count == before_writes             # zero rows written
    assert isams_state.api_requests - before_requests == 6   # 60 students / 10 per page, nothing else


def test_changed_student_is_updated_keeping_local_fields(job_context, isams_state, sim_clock):
    sync_students(job_context())
    school_id = isams_state.students[3]["schoolId"]
    person = students()[school_id]
    people.assign_card(person, "CARD-XYZ", sim_clock())
    Person.update(notes="allergic to nuts", photo_path="x.jpg", photo_id=9).where(Person.id == person.id).execute()
    isams_state.update_student(school_id, forename="Renamed", formGroup="9Z")
    counts = sync_students(job_context())
    assert (counts["updated"], counts["unchanged"], counts["created"]) == (1, 59, 0)
    after = students()[school_id]
    assert (after.forename, after.form_group) == ("Renamed", "9Z")
    assert (after.notes, after.photo_path, after.photo_id) == ("allergic to nuts", "x.jpg", 9)
    assert people.card_owner("CARD-XYZ").id == after.id


def test_leavers_are_deactivated_never_deleted_and_come_back(job_context, isams_state, sim_clock):
    sync_students(job_context())
    gone, left, stays = (isams_state.students[i]["schoolId"] for i in (0, 1, 2))
    person = students()[gone]
    Track.create(person=person, at=sim_clock(), local_date=date(2025, 9, 8), direction="in", source="scanner")
    removed = isams_state.student(gone)
    isams_state.remove_student(gone)
    isams_state.set_leaving_date(left, date(2025, 9, 5))       # left last Friday
    isams_state.set_leaving_date(stays, date(2025, 9, 8))      # leaves today: still on roll today
    counts = sync_students(job_context())
    assert counts["deactivated"] == 2
    now = students()
    assert not now[gone].active and not now[left].active and now[stays].active
    assert Track.select().where(Track.person == now[gone].id).count() == 1   # history kept
    isams_state.add_student(**removed)                          # back in iSAMS, same id
    isams_state.set_leaving_date(left, None)
    counts = sync_students(job_context())
    assert counts["reactivated"] == 2
    assert students()[gone].active and students()[left].active
    assert Person.select().where(Person.isams_id == removed["id"]).count() == 1


def test_one_bad_record_is_skipped_and_the_rest_synced(job_context, isams_state, sim_clock):
    clash = isams_state.students[5]["schoolId"]
    Person.create(kind="staff", forename="Local", surname="Person", school_id=clash,
                  created_at=sim_clock(), updated_at=sim_clock())
    counts = sync_students(job_context())
    assert counts["skipped"] == 1 and counts["created"] == 59
    assert students().get(clash) is None


def test_unreadable_record_skips_deactivation_for_the_run(job_context, isams_state):
    sync_students(job_context())
    victim = isams_state.students[7]["schoolId"]
    isams_state.remove_student(isams_state.students[8]["schoolId"])
    isams_state.update_student(victim, id="not-a-number")     # iSAMS sends garbage for one record
    counts = sync_students(job_context())
    assert counts["skipped"] == 1
    assert counts["deactivated"] == 0 and counts["deactivation_skipped"] >= 1
    assert all(p.active for p in students().values())


def test_dry_run_writes_nothing(job_context, isams_state, writes_counted):
    counts = sync_students(job_context(dry_run=True))
    assert counts["created"] == 60
    assert Person.select().count() == 0
    assert writes_counted.count == 0


def test_codes_sync_keeps_the_last_good_copy(job_context, isams_state):
    counts = sync_codes(job_context())
    assert counts["absence_codes"] == len(isams_state.absence_codes)
    assert registration.code_id("absence", "O") == next(c["id"] for c in isams_state.absence_codes if c["code"] == "O")
    assert registration.code_id("present", "/") is not None
    lower = registration.periods_on(date(2025, 9, 8), 3)
    assert [p.friendly_name for p in lower][:1] == ["AM"] and len(lower) == len(isams_state.today_periods(3))
    assert registration.periods_on(date(2025, 9, 9), 3) is None   # another day: never fetched
    isams_state.faults.add("status:503")
    import pytest
    from imlate_tui.erp.isams import IsamsUnavailable
    with pytest.raises(IsamsUnavailable):
        sync_codes(job_context())
    assert registration.code_id("absence", "O") is not None
    assert len(registration.periods_on(date(2025, 9, 8), 3)) == len(lower)
