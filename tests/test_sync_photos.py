"""photo-sync against the simulator: only changed photos are fetched, files written whole."""

from PIL import Image

from imlate_tui.db.models import Person
from imlate_tui.services.photo_sync import check_image, sync_photos
from imlate_tui.services.student_sync import sync_students

import pytest


def with_photo(state):
    return [s for s in state.students if s["latestPhotoId"] is not None]


def test_first_run_downloads_each_photo_then_nothing(job_context, isams_state, erp_settings):
    sync_students(job_context())
    expected = len(with_photo(isams_state))
    assert 0 < expected < len(isams_state.students)      # the simulator has students without photos
    counts = sync_photos(job_context())
    assert counts["downloaded"] == expected and counts["no_photo"] == 0
    photos = erp_settings.path(erp_settings.photos_dir)
    sample = Person.get(Person.school_id == with_photo(isams_state)[0]["schoolId"])
    assert sample.photo_path.endswith(".jpg") and sample.photo_id == sample.latest_photo_id
    with Image.open(photos / sample.photo_path) as img:
        assert img.size[0] > 64
    with Image.open(photos / (sample.photo_path[:-4] + ".small.png")) as small:
        assert max(small.size) <= 64
    assert not list(photos.glob(".tmp-*"))                  # nothing half-written left behind
    before = isams_state.api_requests
    again = sync_photos(job_context())
    assert again == {"candidates": 0, "downloaded": 0, "no_photo": 0, "invalid": 0, "skipped": 0}
    assert isams_state.api_requests == before                 # zero requests when nothing changed


def test_a_changed_photo_id_or_a_lost_file_is_fetched_again(job_context, isams_state, erp_settings):
    sync_students(job_context())
    sync_photos(job_context())
    first, second = with_photo(isams_state)[:2]
    new_id = first["latestPhotoId"] + 1
    isams_state.set_latest_photo(first["schoolId"], new_id)
    sync_students(job_context())
    lost = Person.get(Person.school_id == second["schoolId"])
    (erp_settings.path(erp_settings.photos_dir) / lost.photo_path).unlink()
    counts = sync_photos(job_context())
    assert (counts["candidates"], counts["downloaded"]) == (2, 2)
    assert Person.get(Person.school_id == first["schoolId"]).photo_id == new_id


def test_missing_photo_is_remembered_not_asked_again(job_context, isams_state):
    sync_students(job_context())
    isams_state.faults.add("photo-missing")
    counts = sync_photos(job_context())
    assert counts["no_photo"] == len(with_photo(isams_state)) and counts["downloaded"] == 0
    isams_state.faults.clear()
    assert sync_photos(job_context())["candidates"] == 0
    assert Person.select().where(Person.photo_path.is_null(False)).count() == 0


def test_bytes_that_are_not_an_image_are_refused():
    with pytest.raises(ValueError, match="not an image"):
        check_image(b"<html>oops</html>")
    with pytest.raises(ValueError, match="not an image"):
        check_image(b"\xff\xd8\xff\xe0" + b"\x00" * 20)   # a JPEG header and nothing else


def test_dry_run_lists_candidates_without_requests(job_context, isams_state):
    sync_students(job_context())
    before = isams_state.api_requests
    counts = sync_photos(job_context(dry_run=True))
    assert counts["candidates"] == len(with_photo(isams_state)) and counts["downloaded"] == 0
    assert isams_state.api_requests == before
