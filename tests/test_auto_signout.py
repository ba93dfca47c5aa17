"""The auto-signout job: who is signed out, at what time, and how it shows in rosters, reports and the
fire list (the iSAMS side is in test_auto_signout_e2e.py)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from conftest import make_settings
from imlate_tui.db import tracks
from imlate_tui.db.models import AttendanceIntent, Track
from imlate_tui.jobs.context import JobContext
from imlate_tui.jobs.registry import JOBS
from imlate_tui.jobs.runner import run_job
from imlate_tui.jobs.scheduler import build_scheduler
from imlate_tui.services import roster
from imlate_tui.services.reports_daily import daily_csv, daily_report, daily_text
from imlate_tui.services.scanning import ScanService
from kiosk_helpers import add_person

DAY = datetime(2026, 11, 24, tzinfo=timezone.utc).date()   # GMT: local time = UTC


def at(hhmm: str) -> datetime:
    h, m = map(int, hhmm.split(":"))
    return datetime(2026, 11, 24, h, m, tzinfo=timezone.utc)


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path, scanner={"repeat_window_seconds": 0})


@pytest.fixture
def day(db, clock):
    """Students, staff and a visitor scanning through a day; returns the people by first name."""
    people = {
        "amy": add_person("Amy", "Ash", card="AMY", year=7, form="7A"),      # in all day, forgets to sign out
        "bob": add_person("Bob", "Birch", card="BOB", year=8, form="8B"),    # signs out himself at 16:00
        "cat": add_person("Cat", "Cedar", card="CAT", year=8, form="8B"),    # comes in for an event at 18:20
        "dan": add_person("Dan", "Dale", card="DAN", kind="staff"),          # staff: auto sign-out is off
        "val": add_person("Val", "Vine", card="VAL", kind="visitor"),        # visitor, still in
    }
    scans = ScanService(db, clock)
    for card, when in [("AMY", "08:00"), ("BOB", "08:05"), ("DAN", "07:50"), ("VAL", "14:00"),
                       ("BOB", "16:00"), ("CAT", "18:20")]:
        clock.now = at(when)
        scans.scan(card)
    return people


def run(db, clock, when: str, dry_run: bool = False):
    clock.now = at(when)
    return run_job("auto-signout", JobContext(db, clock=clock, dry_run=dry_run), trigger="schedule")


def statuses() -> dict[str, tuple[str, str]]:
    return {r.person.forename: (r.status.value, r.last_source or "") for r in tracks.roster(DAY)}


def test_before_any_time_nothing_happens(day, db, clock):
    result = run(db, clock, "17:59")
    assert (result.outcome, result.counts) == ("ok", {"signed_out": 0, "due": "none yet"})
    assert Track.select().where(Track.source == "auto").count() == 0


def test_students_at_their_time_visitors_at_theirs_staff_never(day, db, clock):
    dry = run(db, clock, "18:30", dry_run=True)
    assert dry.counts == {"signed_out": 1, "student": 1}
    assert Track.select().where(Track.source == "auto").count() == 0      # a dry run writes nothing

    assert run(db, clock, "18:30").counts == {"signed_out": 1, "student": 1}
    auto = Track.get(Track.source == "auto")
    assert (auto.person_id, auto.direction, auto.at, auto.actor) == (day["amy"].id, "out", at("18:00"), "auto-signout")
    assert auto.note == "signed out automatically at 18:00"
    # Cat signed in after 18:00 for an event: she stays on the fire list; Val's time is 19:00
    assert statuses() == {"Amy": ("signed_out", "auto"), "Bob": ("signed_out", "keyboard"),
                          "Cat": ("signed_in", "keyboard"), "Dan": ("signed_in", "keyboard"),
                          "Val": ("signed_in", "keyboard")}

    assert run(db, clock, "19:05").counts == {"signed_out": 1, "student": 0, "visitor": 1}
    assert statuses()["Val"] == ("signed_out", "auto")
    assert Track.get((Track.source == "auto") & (Track.person == day["val"].id)).at == at("19:00")
    assert run(db, clock, "23:55").counts == {"signed_out": 0, "student": 0, "visitor": 0}   # nothing twice
    assert AttendanceIntent.select().count() == 0


def test_a_missed_run_catches_up_later_that_day(day, db, clock):
    assert run(db, clock, "21:40").counts == {"signed_out": 2, "student": 1, "visitor": 1}
    assert sorted((t.person.forename, t.at) for t in Track.select().where(Track.source == "auto")) == [
        ("Amy", at("18:00")), ("Val", at("19:00"))]


def test_the_job_runs_at_start_and_every_five_minutes(tmp_path, clock):
    settings = make_settings(tmp_path)
    assert JOBS["auto-signout"].run_at_start and not JOBS["auto-signout"].needs_erp
    scheduler = build_scheduler(settings, lambda name, trigger: None, clock)
    ids = {job.id for job in scheduler.get_jobs()}
    assert {"auto-signout", "auto-signout@start"} <= ids
    assert str(next(j for j in scheduler.get_jobs() if j.id == "auto-signout").trigger.fields[6]) == "*/5"


def test_null_switches_a_kind_off(tmp_path, clock):
    from imlate_tui.db.connection import close_database
    from conftest import fresh_database

    settings = make_settings(tmp_path, attendance={"auto_signout": {"student": None, "visitor": None}})
    fresh_database(settings)
    try:
        add_person("Amy", "Ash", card="AMY")
        ScanService(settings, clock).scan("AMY")
        assert run(settings, clock, "23:00").counts == {"signed_out": 0, "due": "none yet"}
    finally:
        close_database()


def test_auto_sign_outs_show_in_roster_fire_list_and_daily_report(day, db, clock):
    run(db, clock, "19:30")
    rows = roster.roster(DAY)
    text = roster.roster_text(rows, db.tz)
    amy = next(line for line in text.splitlines() if line.startswith("Amy Ash"))
    assert amy.endswith("Signed Out  18:00 (auto)")
    bob = next(line for line in text.splitlines() if line.startswith("Bob Birch"))
    assert "(auto)" not in bob

    fire = roster.firelist_text(rows, db.tz, clock())
    assert "Amy Ash" not in fire and "Val Vine" not in fire and "Cat Cedar" in fire and "Dan Dale" in fire
    assert fire.splitlines()[-1] == ("Not listed: 2 signed out automatically at 18:00, 19:00 "
                                     "(they did not sign out themselves; see the roster)")

    report = daily_report(db, DAY)
    assert [(t.person.forename, t.at) for t in report.auto_signed_out] == [("Amy", at("18:00")), ("Val", at("19:00"))]
    assert "Amy" not in {x.person.forename for x in report.early_leavers}
    out = daily_text(report)
    assert "Signed out automatically (2)" in out and "18:00  Amy Ash (Y7 7A)" in out
    assert "auto_signout,2026-11-24,2026-11-24T18:00:00+00:00,,Amy Ash,student" in daily_csv(report)


def test_an_auto_sign_out_before_the_school_day_ends_is_not_an_early_leave(tmp_path, clock):
    from imlate_tui.db.connection import close_database
    from conftest import fresh_database

    settings = make_settings(tmp_path, attendance={"auto_signout": {"student": "15:00"}})
    fresh_database(settings)
    try:
        add_person("Amy", "Ash", card="AMY", year=7, form="7A")
        ScanService(settings, clock).scan("AMY")
        assert run(settings, clock, "15:10").counts["student"] == 1
        report = daily_report(settings, DAY)
        assert report.early_leavers == [] and len(report.auto_signed_out) == 1
    finally:
        close_database()


async def test_the_admin_roster_shows_auto_live(day, db, clock):
    from admin_helpers import admin_app, wait_for

    clock.now = at("18:10")
    app = admin_app(db, clock, poll_seconds=0.05)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.table
        assert str(table.get_row(str(day["amy"].id))[1]) == "Signed In"
        run_job("auto-signout", JobContext(db, clock=clock), trigger="schedule")   # as the scheduler would
        app.data_changed()   # this test's job ran on the app's own connection: SQLite's marker stays put
        assert await wait_for(pilot, lambda: str(table.get_row(str(day["amy"].id))[1]) == "Signed Out (auto)", 5)
        assert str(table.get_row(str(day["bob"].id))[1]) == "Signed Out"
