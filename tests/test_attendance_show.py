"""`imlate attendance show`: one student's day with every decision and the rule that made it."""

from datetime import date

import pytest

from imlate_tui.db.models import Track
from imlate_tui.errors import InvalidInput
from imlate_tui.services.attendance_report import show_student

MONDAY = date(2025, 9, 8)


def test_shows_scans_intents_and_register_decisions(school_day, isams_state):
    school = school_day(MONDAY, attendance={"lesson_attendance": False, "leaver_code": "M"})
    sid = school.student()
    result = school.scan(sid, "08:40")
    Track.update(reason="L - Bus late").where(Track.id == result.track_id).execute()
    school.writer().deliver_due()
    school.scan(sid, "11:00")
    school.set_time("11:01")
    school.writer().deliver_due()
    text = show_student(school.settings, sid, MONDAY)
    lines = text.splitlines()
    assert lines[0].endswith("— Monday 08 September 2025")
    assert "08:40:00 IN  (scanner), 15 min late, reason: L - Bus late" in text
    assert "11:00:00 OUT (scanner)" in text
    assert "sent (attempts 1): AM: reason L: present, late" in text
    assert "AM     sent      reason L: present, late  [writer]" in text
    assert "sent: isLate=True isPresent=True numberOfMinutesLate=15 registrationComment=Bus late" in text
    assert "PM     sent      early leaver: PM marked M  [writer]" in text


def test_unknown_school_id(db):
    with pytest.raises(InvalidInput, match="no student with school id 'nope'"):
        show_student(db, "nope", MONDAY)
