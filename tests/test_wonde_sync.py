"""Student, photo and codes sync through Wonde (the simulator over HTTP): only changes are written."""

from imlate_tui.db.models import Person, RegistrationCode
from imlate_tui.jobs.context import JobContext
from imlate_tui.jobs.runner import run_job
from imlate_tui.services.photo_sync import sync_photos
from imlate_tui.services.student_sync import sync_students


def run(school, job):
    ctx = JobContext(school.settings, clock=school.clock, client_factory=school.client)
    try:
        return job(ctx)
    finally:
        ctx.close()


def test_students_arrive_with_year_and_form_and_an_unchanged_resync_writes_nothing(wonde_day, wonde_state):
    school = wonde_day()                                  # syncs codes and students once
    assert Person.select().where(Person.kind == "student").count() == len(wonde_state.students)
    source = wonde_state.students[0]
    person = Person.get(Person.school_id == source["mis_id"])
    assert (person.year_group, person.form_group, person.active) == (source["_year"], source["_form"], True)
    again = run(school, sync_students)
    assert again["created"] == 0 and again["updated"] == 0 and again["deactivated"] == 0
    assert RegistrationCode.select().where(RegistrationCode.code == "L").count() == 1


def test_a_change_is_written_and_a_deleted_student_is_deactivated_not_removed(wonde_day, wonde_state):
    school = wonde_day()
    changed, gone = wonde_state.students[1], wonde_state.students[2]
    wonde_state.clock.advance(60)
    wonde_state.update_student(changed["id"], surname="Renamed")
    wonde_state.remove_student(gone["id"])
    counts = run(school, sync_students)
    assert counts["updated"] == 1 and counts["deactivated"] == 1
    assert Person.get(Person.school_id == changed["mis_id"]).surname == "Renamed"
    left = Person.get(Person.school_id == gone["mis_id"])
    assert left.active is False


def test_photos_are_downloaded_once_and_not_again_when_nothing_changed(wonde_day, wonde_state):
    school = wonde_day()
    first = run(school, sync_photos)
    with_photo = [s for s in wonde_state.students if s["_photo"]]
    assert first["downloaded"] == len(with_photo) and first["no_photo"] == len(wonde_state.students) - len(with_photo)
    before = wonde_state.api_requests
    again = run(school, sync_photos)
    assert again["candidates"] == 0 and again["downloaded"] == 0
    assert wonde_state.api_requests == before             # not one request when nothing changed
    wonde_state.clock.advance(60)
    wonde_state.new_photo(with_photo[0]["id"])
    run(school, sync_students)
    third = run(school, sync_photos)
    assert (third["candidates"], third["downloaded"]) == (1, 1)


def test_codes_are_stored_so_a_failed_fetch_keeps_the_last_good_copy(wonde_day, wonde_state):
    school = wonde_day()
    stored = RegistrationCode.select().count()
    wonde_state.faults.add("status:500")
    outcome = run_job("codes-sync", JobContext(school.settings, clock=school.clock, client_factory=school.client))
    assert outcome.outcome == "failed"
    assert RegistrationCode.select().count() == stored


def test_doctor_checks_the_wonde_token_and_says_what_the_mis_takes(wonde_day, wonde_state):
    from imlate_tui.services.doctor_checks import Level, isams_check

    school = wonde_day()
    wonde_state.mis_name = "Facility"
    check = isams_check(school.settings, school.client)
    assert check.level is Level.OK and check.name == "Wonde"
    assert "Wonde (Facility) reached, token accepted" in check.message
    assert "not written back: comments, minutes late" in check.message
    wonde_state.token_revoked = True
    refused = isams_check(school.settings, school.client)
    assert refused.level is Level.FAIL and "IMLATE_ERP__WONDE__TOKEN" in refused.fix
