"""`imlate jobs run auto-signout` end to end against the iSAMS simulator over HTTP: students still in
are signed out with source `auto`, and no PUT reaches iSAMS for it, while a student's own early
sign-out does reach it (so the test would notice the auto sign-out being written back)."""

from __future__ import annotations

import json
from datetime import date

from imlate_tui import cli
from imlate_tui.db.connection import close_database, open_database
from imlate_tui.db.models import AttendanceIntent, Person, Track
from imlate_tui.demo.isams_sim import DEMO_CLIENT_SECRET

DAY = date(2025, 9, 8)   # a Monday in BST


def test_auto_signout_is_never_written_back(school_day, isams_state, tmp_path, monkeypatch, capsys):
    # leaver_code M: an early leave marks the untaken PM register M, so an auto sign-out at 15:00 that
    # were treated as an early leave would be PUT to iSAMS.
    attendance = {"lesson_attendance": False, "auto_signout": {"student": "15:00"}, "leaver_code": "M",
                  "reasons": {"prompt_on_late": False, "prompt_on_leaving": False}}
    school = school_day(DAY, attendance=attendance, scanner={"repeat_window_seconds": 0})
    forgetful, leaver = school.student(), school.student(skip=1)
    school.scan(forgetful, "08:20")
    school.scan(leaver, "08:21")
    school.set_time("08:22")
    school.writer().deliver_due()
    school.scan(leaver, "11:00")                  # her own early sign-out: written to iSAMS
    school.set_time("11:01")
    school.writer().deliver_due()
    puts = [(w.school_id, w.body) for w in isams_state.writes]
    assert [sid for sid, _ in puts] == [forgetful, leaver, leaver, leaver]
    assert all("leavingOrLeftDateTime" in body for _, body in puts[2:])

    isams = school.settings.erp.isams
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database: {{url: '{school.settings.database.url}'}}\nlogging: {{file: {tmp_path / 'cli.log'}}}\n"
        f"erp: {{enabled: true, isams: {{base_url: '{isams.base_url}', client_id: {isams.client_id}}}}}\n"
        f"attendance: {json.dumps(attendance)}\n")
    monkeypatch.setenv("IMLATE_CONFIG", str(config))
    monkeypatch.setenv("IMLATE_ERP__ISAMS__CLIENT_SECRET", DEMO_CLIENT_SECRET)
    school.set_time("16:00")
    monkeypatch.setattr(cli, "utc_now", lambda: school.local("16:00"))
    close_database()
    capsys.readouterr()

    assert cli.main(["jobs", "run", "auto-signout", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["outcome"], result["counts"]) == ("ok", {"signed_out": 1, "student": 1})
    assert cli.main(["jobs", "run", "writeback", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["outcome"] == "ok"

    assert [(w.school_id, w.body) for w in isams_state.writes] == puts   # no PUT for the auto sign-out
    open_database(school.settings.database.url, tmp_path)
    person = Person.get(Person.school_id == forgetful)
    auto = Track.get(Track.source == "auto")
    assert (auto.person_id, auto.direction, auto.at) == (person.id, "out", school.local("15:00"))
    assert AttendanceIntent.select().where(AttendanceIntent.track == auto.id).count() == 0
    assert AttendanceIntent.select().where(AttendanceIntent.status == "pending").count() == 0
    close_database()

    assert cli.main(["report", "daily", "--date", DAY.isoformat()]) == 0
    report = capsys.readouterr().out
    early = report.split("Early leavers")[1].split("Not signed")[0]
    assert person.display_name not in early and "Early leavers (1)" in report
    assert "Signed out automatically (1)" in report and f"15:00  {person.display_name}" in report
