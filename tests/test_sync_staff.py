"""Optional staff sync (erp.sync_staff) and the employees pager, against the simulator over HTTP."""

import logging
from datetime import date

import pytest
from peewee import IntegrityError

from imlate_tui.db import migrations, people
from imlate_tui.db.connection import database
from imlate_tui.db.models import Person, SchemaVersion, Track
from imlate_tui.erp.isams import IsamsPermissionError
from imlate_tui.services.staff_sync import sync_staff
from imlate_tui.services.student_sync import sync_students

EMPLOYEES = "/api/humanresources/employees"


def staff():
    return {p.isams_employee_id: p for p in Person.select().where(Person.kind == "staff")}


def hr_probe(isams_state):
    """A fault rule that changes nothing but counts the requests that reach the HR module."""
    return isams_state.faults.add("delay:0", route="/api/humanresources/*")


# -- the employees pager ----------------------------------------------------------------------------

def test_employees_pager_reads_every_page_once(isams_client, isams_state):
    before = isams_state.api_requests
    roll = isams_client.list_employees(page_size=7)
    assert [e.id for e in roll.employees] == [e["id"] for e in isams_state.employees]
    assert roll.consistent and roll.total_count == 40 and roll.duplicates == roll.skipped_records == 0
    assert isams_state.api_requests - before == 6              # 40 employees / 7 per page
    first = roll.employees[0]
    seeded = isams_state.employees[0]
    assert (first.forename, first.surname, first.school_email_address) == \
        (seeded["forename"], seeded["surname"], seeded["schoolEmailAddress"])
    assert roll.employees[3].leaving_date.date() == date(2025, 7, 18)


def test_employees_drift_is_walked_again(isams_client, isams_state):
    isams_state.faults.add("paging-drift", route=EMPLOYEES, count=1)
    roll = isams_client.list_employees()
    assert roll.consistent and roll.total_count == 41 and len({e.id for e in roll.employees}) == 41


def test_endless_employees_drift_is_reported(isams_client, isams_state, caplog):
    isams_state.faults.add("paging-drift", route=EMPLOYEES)
    with caplog.at_level(logging.WARNING):
        roll = isams_client.list_employees()
    assert not roll.consistent
    assert any("employee list kept changing" in r.getMessage() for r in caplog.records)


def test_employee_duplicates_and_gaps_across_pages(isams_client, isams_state):
    isams_state.faults.add("duplicate-across-pages", route=EMPLOYEES, count=1)
    roll = isams_client.list_employees()
    assert roll.duplicates == 1 and len(roll.employees) == 40 and roll.consistent
    isams_state.faults.add("missing-across-pages", route=EMPLOYEES)
    roll = isams_client.list_employees()
    assert not roll.consistent and len(roll.employees) < 40


def test_students_pager_is_unaffected_by_employee_faults(isams_client, isams_state):
    isams_state.faults.add("paging-drift", route=EMPLOYEES)
    roll = isams_client.list_students()
    assert roll.consistent and len(roll.students) == 60


def test_employees_need_the_hr_permission(isams_client, isams_state):
    isams_state.set_permissions({"students", "school", "registration"})
    with pytest.raises(IsamsPermissionError):
        isams_client.list_employees()


# -- the sync ----------------------------------------------------------------------------------------

def test_staff_sync_is_off_by_default(job_context, isams_state, erp_settings):
    assert erp_settings.erp.sync_staff is False
    probe = hr_probe(isams_state)
    counts = sync_students(job_context())
    assert counts["created"] == 60 and not any(key.startswith("staff_") for key in counts)
    assert probe.fired == 0
    assert staff() == {}


def test_on_the_student_sync_also_creates_staff(job_context, isams_state, erp_settings):
    erp_settings.erp.sync_staff = True
    probe = hr_probe(isams_state)
    counts = sync_students(job_context())
    assert probe.fired == 1                                    # one page of 40 (page size 100)
    assert counts["created"] == 60 and counts["staff_fetched"] == counts["staff_created"] == 40
    stored = staff()
    assert set(stored) == {e["id"] for e in isams_state.employees}
    seeded = isams_state.employees[0]
    first = stored[seeded["id"]]
    assert (first.forename, first.surname, first.kind) == (seeded["forename"], seeded["surname"], "staff")
    assert first.isams_id is None and first.school_id is None and first.sync_hash is not None
    assert first.email == seeded["schoolEmailAddress"]        # where their visitors' arrival emails go
    left, leaving_at_christmas = stored[isams_state.employees[3]["id"]], stored[isams_state.employees[17]["id"]]
    assert not left.active and left.leaving_date == date(2025, 7, 18)
    assert leaving_at_christmas.active


def test_unchanged_resync_writes_nothing_and_only_pages(job_context, isams_state, erp_settings, writes_counted):
    erp_settings.erp.sync_staff = True
    sync_students(job_context(page_size=10))
    assert writes_counted.count > 100                          # 60 students + 40 staff were written
    before_requests, before_writes = isams_state.api_requests, writes_counted.count
    counts = sync_students(job_context(page_size=10))
    assert counts["staff_unchanged"] == 40 and counts["staff_created"] == counts["staff_updated"] == 0
    assert writes_counted.count == before_writes               # zero rows written
    assert isams_state.api_requests - before_requests == 6 + 4  # student pages + staff pages only


def test_changed_employee_is_updated_keeping_local_fields(job_context, isams_state, sim_clock):
    sync_staff(job_context())
    employee_id = isams_state.employees[5]["id"]
    person = staff()[employee_id]
    people.assign_card(person, "STAFF-CARD-1", sim_clock())
    Person.update(notes="first aider", photo_path="s.jpg", photo_id=4).where(Person.id == person.id).execute()
    isams_state.update_employee(employee_id, surname="Married-Name", preferredName="Jo")
    counts = sync_staff(job_context())
    assert (counts["updated"], counts["unchanged"], counts["created"]) == (1, 39, 0)
    after = staff()[employee_id]
    assert (after.surname, after.preferred_name) == ("Married-Name", "Jo")
    assert (after.notes, after.photo_path, after.photo_id) == ("first aider", "s.jpg", 4)
    assert people.card_owner("STAFF-CARD-1").id == after.id


def test_leavers_are_deactivated_never_deleted_and_come_back(job_context, isams_state, sim_clock):
    sync_staff(job_context())
    gone, left, stays = (isams_state.employees[i]["id"] for i in (0, 1, 2))
    Track.create(person=staff()[gone], at=sim_clock(), local_date=date(2025, 9, 8), direction="in",
                 source="scanner")
    removed = isams_state.employee(gone)
    isams_state.remove_employee(gone)
    isams_state.update_employee(left, leavingDate=date(2025, 9, 5))    # left last Friday
    isams_state.update_employee(stays, leavingDate=date(2025, 9, 8))   # leaves today: still here today
    counts = sync_staff(job_context())
    assert counts["deactivated"] == 2
    now = staff()
    assert not now[gone].active and not now[left].active and now[stays].active
    assert Track.select().where(Track.person == now[gone].id).count() == 1   # history kept
    isams_state.add_employee(**removed)
    isams_state.update_employee(left, leavingDate=None)
    counts = sync_staff(job_context())
    assert counts["reactivated"] == 2 and counts["created"] == 0
    assert staff()[gone].active and staff()[left].active


def test_a_nameless_employee_is_skipped_and_the_rest_synced(job_context, isams_state):
    nameless = isams_state.employees[9]["id"]
    isams_state.update_employee(nameless, forename=" ", surname=None)
    counts = sync_staff(job_context())
    assert counts["skipped"] == 1 and counts["created"] == 39
    assert nameless not in staff()


def test_unreadable_employee_skips_deactivation_for_the_run(job_context, isams_state):
    sync_staff(job_context())
    isams_state.remove_employee(isams_state.employees[8]["id"])
    isams_state.update_employee(isams_state.employees[7]["id"], id="not-a-number")
    counts = sync_staff(job_context())
    assert counts["skipped"] == 1 and counts["deactivated"] == 0 and counts["deactivation_skipped"] >= 1
    assert all(p.active for p in staff().values() if p.leaving_date is None)


def test_employee_id_equal_to_a_student_id_does_not_clash(job_context, isams_state, erp_settings):
    erp_settings.erp.sync_staff = True
    student = isams_state.students[0]
    isams_state.add_employee(id=student["id"], forename="Pat", surname="Same-Number")
    counts = sync_students(job_context())
    assert counts["created"] == 60 and counts["staff_created"] == 41 and counts["staff_skipped"] == 0
    pupil = Person.get(Person.isams_id == student["id"])
    teacher = Person.get(Person.isams_employee_id == student["id"])
    assert pupil.id != teacher.id and (pupil.kind, teacher.kind) == ("student", "staff")
    assert teacher.surname == "Same-Number" and pupil.surname == student["surname"]
    counts = sync_students(job_context())                        # and neither disturbs the other later
    assert counts["unchanged"] == 60 and counts["staff_unchanged"] == 41


def test_hand_added_staff_are_left_alone(job_context, isams_state, sim_clock):
    local = Person.create(kind="staff", forename="Visiting", surname="Coach", created_at=sim_clock(),
                          updated_at=sim_clock())
    sync_staff(job_context())
    isams_state.remove_employee(isams_state.employees[0]["id"])
    counts = sync_staff(job_context())
    assert counts["deactivated"] == 1
    assert Person.get_by_id(local.id).active


def test_dry_run_writes_nothing(job_context, isams_state, writes_counted):
    counts = sync_staff(job_context(dry_run=True))
    assert counts["created"] == 40 and staff() == {} and writes_counted.count == 0


# -- the schema ------------------------------------------------------------------------------------

def test_step_4_gives_an_older_database_the_unique_employee_id(db, clock):
    database.execute_sql("DROP INDEX person_isams_employee_id")
    database.execute_sql("ALTER TABLE person DROP COLUMN isams_employee_id")
    SchemaVersion.delete().where(SchemaVersion.version > 3).execute()
    database.execute_sql("INSERT INTO person (kind, forename, surname, division_ids, active, created_at, updated_at)"
                         " VALUES ('staff', 'Ann', 'Lee', '', TRUE, '2026-01-01 00:00:00', '2026-01-01 00:00:00')")
    assert migrations.migrate() == (3, migrations.LATEST) and migrations.LATEST >= 4
    assert "isams_employee_id" in {c.name for c in database.get_columns("person")}
    assert Person.get(Person.surname == "Lee").isams_employee_id is None
    Person.create(kind="staff", isams_employee_id=5001, created_at=clock(), updated_at=clock())
    with pytest.raises(IntegrityError), database.atomic():
        Person.create(kind="staff", isams_employee_id=5001, created_at=clock(), updated_at=clock())
    assert migrations.migrate() == (migrations.LATEST, migrations.LATEST)


def test_simulator_staff_controls_over_http(isams_server, isams_client, isams_state):
    import httpx
    with httpx.Client(base_url=isams_server.base_url) as fake:
        added = fake.post("/__fake/employees", json={"forename": "Nia", "surname": "Okoro"}).json()
        assert fake.patch(f"/__fake/employees/{added['id']}", json={"preferredName": "Ni"}).status_code == 200
        assert fake.delete(f"/__fake/employees/{isams_state.employees[0]['id']}").status_code == 200
    roll = isams_client.list_employees()
    assert len(roll.employees) == 40 and roll.employees[-1].preferred_name == "Ni"
    assert isams_client._get_json(f"{EMPLOYEES}/{added['id']}")["surname"] == "Okoro"


def test_staff_hash_follows_the_documented_layout():
    from dataclasses import replace

    from imlate_tui.domain.sync_hash import StaffFields, crc64_go_iso, staff_hash, staff_layout, to_signed
    fields = StaffFields(5001, "Ann", "Lee", None, date(2025, 7, 18))
    assert staff_layout(fields) == (b"\x01" + b"\x02" + (5001).to_bytes(8, "big") + b"\x01Ann\x00"
                                    + b"\x01Lee\x00" + b"\x00" + b"\x012025-07-18\x00")
    assert staff_hash(fields) == to_signed(crc64_go_iso(staff_layout(fields)))
    changed = [replace(fields, **{name: value}) for name, value in (
        ("isams_employee_id", 5002), ("forename", "Anne"), ("surname", "Li"), ("preferred_name", "Annie"),
        ("leaving_date", None))]
    assert len({staff_hash(f) for f in [fields, *changed]}) == 6
