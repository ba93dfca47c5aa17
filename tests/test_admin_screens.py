"""The admin screens under the pilot: roster, fire list, person detail, writeback queue, audit log,
and what an operator and a read-only user can do from them."""

from __future__ import annotations

import pytest

from admin_helpers import (
    CLIENT, OPERATOR, VIEWER, admin_app, admin_settings, database_state, names, record_notifications, text,
    wait_for,
)
from imlate_tui.db import attendance
from imlate_tui.db.models import AttendanceIntent, AuditEntry, Person, Track
from imlate_tui.services.scanning import ScanService
from imlate_tui.ui.admin.audit import AuditScreen
from imlate_tui.ui.admin.dialogs import ConfirmDialog, NoteDialog
from imlate_tui.ui.admin.firelist import FireListScreen
from imlate_tui.ui.admin.person import PersonScreen
from imlate_tui.ui.admin.queue import QueueScreen
from imlate_tui.ui.admin.roster import AdminRosterScreen
from kiosk_helpers import add_person


@pytest.fixture
def settings(tmp_path):
    return admin_settings(tmp_path)


@pytest.fixture
def school(db, clock):
    people = {
        "ann": add_person("Ann", "Able", card="A1", year=7, form="7A"),
        "bea": add_person("Bea", "Baker", card="B1", year=7, form="7B"),
        "cal": add_person("Cal", "Cole", card="C1", year=8, form="8A"),
        "dee": add_person("Dee", "Dunn", card="D1", kind="staff"),
        "vic": add_person("Vic", "Visitor", card="V1", kind="visitor"),
        "old": add_person("Olly", "Oldboy", card="O1", year=11, form="11C", active=False),
    }
    scans = ScanService(db, clock)
    for card in ("A1", "B1", "D1"):
        scans.scan(card)
    clock.advance(minutes=5)
    scans.scan("B1")  # Bea is out again
    return people


@pytest.fixture
def failed_intent(db, clock, school) -> AttendanceIntent:
    track = Track.select().where(Track.person == school["ann"].id).get()
    intent = attendance.add_intent(track=track, person=school["ann"], first_of_day=True, hold_until=None,
                                   now=clock())
    attendance.settle(intent, status="failed", summary="iSAMS answered 500", now=clock())
    return intent


def roster_of(app) -> AdminRosterScreen:
    assert isinstance(app.screen, AdminRosterScreen)
    return app.screen


async def open_person(pilot, search: str) -> PersonScreen:
    await pilot.press(*search, "enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, PersonScreen)
    return pilot.app.screen


async def test_roster_shows_everyone_active_with_status_and_counts(school, db, clock):
    app = admin_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = roster_of(app)
        assert names(screen.table) == ["Ann Able", "Bea Baker", "Cal Cole", "Dee Dunn", "Vic Visitor"]
        assert text(screen, "#counts") == "In 2  Out 1  Not signed 2"
        assert [str(c) for c in screen.table.get_row(str(school["bea"].id))] == [
            "Bea Baker", "Signed Out", "08:05", "7", "7B"]
        assert "Roster Tue 24 Nov 2026" in text(screen, "#roster-title")
        assert f"{OPERATOR} from {CLIENT}: operator" in text(screen, "#who")


async def test_roster_filters_by_status_who_and_year_or_form(school, db, clock):
    app = admin_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = roster_of(app)
        await pilot.press("f7")
        assert names(screen.table) == ["Ann Able", "Dee Dunn"]
        await pilot.press("f7")
        assert names(screen.table) == ["Bea Baker"]
        await pilot.press("f7")
        assert names(screen.table) == ["Cal Cole", "Vic Visitor"]
        await pilot.press("f7", "f8")  # status All, students
        assert names(screen.table) == ["Ann Able", "Bea Baker", "Cal Cole"]
        assert text(screen, "#counts") == "In 1  Out 1  Not signed 1"
        await pilot.press("f8")
        assert names(screen.table) == ["Dee Dunn"]
        await pilot.press("f8")
        assert names(screen.table) == ["Vic Visitor"]
        await pilot.press("f8")  # the people no longer active
        assert names(screen.table) == ["Olly Oldboy"]
        await pilot.press("f8", "f9")  # everyone, year 7
        assert names(screen.table) == ["Ann Able", "Bea Baker"]
        await pilot.press("f9")
        assert names(screen.table) == ["Ann Able"]
        assert "Year/form: 7A (F9)" in text(screen, "#filters")
        await pilot.press("f9", "f9")  # 7B, then year 8
        assert names(screen.table) == ["Cal Cole"]
        assert "Year/form: Year 8 (F9)" in text(screen, "#filters")


async def test_roster_type_to_search_and_enter_opens_the_person(school, db, clock):
    app = admin_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = roster_of(app)
        await pilot.press(*"bak")
        assert names(screen.table) == ["Bea Baker"]
        await pilot.press("backspace", "backspace", "backspace", *"o")
        assert names(screen.table) == ["Cal Cole", "Vic Visitor"]
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, PersonScreen) and app.screen.person_id == school["vic"].id
        assert "Vic Visitor · visitor · Not Signed" in text(app.screen, "#person-head")
        await pilot.press("escape")
        assert app.screen is screen
        await pilot.press("enter", "f3", "f2")   # F2 shows the roster list, not the page left open
        assert app.screen is screen


async def test_fire_list_groups_who_is_on_site(school, db, clock):
    app = admin_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(app.screen, FireListScreen)
        assert "2 on site  (staff 1, visitors 0, students 1)" in text(app.screen, "#fire-head")
        body = text(app.screen, "#fire-list")
        assert body.index("Staff (1)") < body.index("Dee Dunn") < body.index("Year 7 · 7A (1)") < body.index("Ann Able")
        assert "Bea Baker" not in body and "Cal Cole" not in body
        assert "imlate firelist" in str(app.screen.query_one(".note").render())


async def test_person_detail_shows_tracks_intents_and_register_decisions(school, db, clock, failed_intent):
    Track.update(minutes_late=12, reason="L - Bus late").where(Track.id == failed_intent.track_id).execute()
    attendance.record_write(person_id=school["ann"].id, day=failed_intent.local_date, period_id=41,
                            period_name="AM", rule="late sign-in: present, late", outcome="failed", now=clock(),
                            intent_id=failed_intent.id, body={"isPresent": True, "numberOfMinutesLate": 12},
                            error="iSAMS answered 500")
    app = admin_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = await open_person(pilot, "ann")
        assert "Ann Able · student · year 7 7A · Signed In" in text(screen, "#person-head")
        day = text(screen, "#person-day")
        assert "Cards: A1" in day
        assert "08:00:00 IN  keyboard 12 min late  reason: L - Bus late" in day
        assert "failed   attempts 1: iSAMS answered 500" in day
        assert "AM     failed    late sign-in: present, late  [writer]" in day
        assert "body: isPresent=True numberOfMinutesLate=12" in day   # tried, not sent


async def test_operator_signs_someone_in_by_hand_with_a_note(school, db, clock):
    app = admin_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        roster = roster_of(app)
        person = await open_person(pilot, "cal")
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, NoteDialog)
        await pilot.press(*"lost card", "enter")
        await pilot.pause()
        assert app.screen is person
        track = Track.select().where(Track.person == school["cal"].id).get()
        assert (track.direction, track.source, track.actor, track.note) == ("in", "manual", OPERATOR, "lost card")
        entry = AuditEntry.select().order_by(AuditEntry.id.desc()).get()
        assert (entry.action, entry.actor, entry.client) == ("manual_sign_in", OPERATOR, CLIENT)
        assert "Cal Cole · student · year 8 8A · Signed In" in text(person, "#person-head")
        assert "by alice  note: lost card" in text(person, "#person-day")
        said = record_notifications(app)
        await pilot.press("i")   # already in: said at once, no dialog
        await pilot.pause()
        assert app.screen is person and said == [("Cal Cole is already signed in", "warning")]
        await pilot.press("escape")
        await pilot.pause()
        assert str(roster.table.get_row(str(school["cal"].id))[1]) == "Signed In"
        await pilot.press("ctrl+u")   # clear the search: the counts are of everyone again
        assert text(roster, "#counts") == "In 3  Out 1  Not signed 1"


async def test_operator_assigns_a_card_and_deactivates_someone(school, db, clock):
    app = admin_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        person = await open_person(pilot, "vic")
        await pilot.press("c", *"v2", "enter")
        await pilot.pause()
        assert "Cards: V1, V2" in text(person, "#person-day")
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await pilot.pause()
        assert not Person.get_by_id(school["vic"].id).active
        assert "INACTIVE" in text(person, "#person-head")
        actions = [e.action for e in AuditEntry.select().order_by(AuditEntry.id)]
        assert actions == ["assign_card", "deactivate_person"]


async def test_queue_retry_sets_a_failed_mark_due_again(school, db, clock, failed_intent):
    app = admin_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f4")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        assert "1 failed, 0 pending" in text(screen, "#queue-head")
        assert names(screen.query_one("#queue-table")) == ["08:00"]
        assert "Ann Able: iSAMS answered 500" in text(screen, "#queue-detail")
        clock.advance(minutes=30)
        await pilot.press("r")
        await pilot.pause()
        intent = AttendanceIntent.get_by_id(failed_intent.id)
        assert (intent.status, intent.next_attempt_at) == ("pending", clock())
        assert "0 failed, 1 pending" in text(screen, "#queue-head")
        entry = AuditEntry.select().order_by(AuditEntry.id.desc()).get()
        assert (entry.action, entry.actor, entry.client) == ("retry_writeback", OPERATOR, CLIENT)


async def test_audit_log_shows_the_newest_change_first(school, db, clock):
    app = admin_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await open_person(pilot, "cal")
        await pilot.press("i", "enter")
        await pilot.pause()
        clock.advance(minutes=1)
        await pilot.press("o", *"went home", "enter")
        await pilot.pause()
        await pilot.press("f6")

        def audit_rows() -> list:
            if not isinstance(app.screen, AuditScreen):
                return []
            table = app.screen.query_one("#audit-table")
            return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        # the actions and the audit list load in workers: wait for both rows, however busy the machine
        assert await wait_for(pilot, lambda: len(audit_rows()) == 2
                              and "went home" in text(app.screen, "#audit-detail"), 15) is not None, audit_rows()
        screen = app.screen
        rows = audit_rows()
        assert [r[1:5] for r in rows] == [[OPERATOR, CLIENT, "manual_sign_out", "Cal Cole (8A)"],
                                          [OPERATOR, CLIENT, "manual_sign_in", "Cal Cole (8A)"]]
        assert "went home" in text(screen, "#audit-detail")
        assert "manual_sign_out Cal Cole (8A) by alice" in text(screen, "#audit-detail")


async def test_a_read_only_user_is_told_once_and_cannot_change_anything(school, db, clock, failed_intent):
    app = admin_app(db, clock, user=VIEWER)
    said = record_notifications(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        refusal = f"read-only: your user {VIEWER} is not in admin.operators"
        assert refusal in text(app.screen, "#who")
        before = database_state()
        await open_person(pilot, "cal")
        for key in ("i", "o", "c", "a"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, PersonScreen), f"{key} opened a dialog for a read-only user"
        await pilot.press("f4")
        await pilot.pause()
        await pilot.press("r")
        await pilot.press("f5")
        await pilot.pause()
        await pilot.press("n")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert database_state() == before
        assert [m for m, _ in said].count(refusal) == 6   # each refused key answers with the reason
        assert all(severity == "warning" for _, severity in said)


def test_audit_targets_are_named_people_whatever_points_at_them(school, db, clock, failed_intent):
    from imlate_tui.db import audit
    from imlate_tui.db.audit_names import names_for

    staff, ann = school["dee"], school["ann"]
    track = Track.select().where(Track.person == ann.id).get()
    entries = [audit.record(at=clock(), actor=OPERATOR, action=a, target=t) for a, t in (
        ("assign_card", f"person:{staff.id}"), ("set_reason", f"track:{track.id}"),
        ("retry_writeback", f"intent:{failed_intent.id}"), ("run_job", "job:writeback"), ("x", "person:99999"))]
    assert names_for(entries) == {f"person:{staff.id}": "Dee Dunn (staff)", f"track:{track.id}": "Ann Able (7A)",
                                  f"intent:{failed_intent.id}": "Ann Able (7A)"}


@pytest.mark.parametrize("width", [45, 80, 160])
async def test_every_screen_key_is_visible_at_any_width(school, db, clock, width):
    from imlate_tui.ui.admin.base import SCREENS

    app = admin_app(db, clock)
    async with app.run_test(size=(width, 24)) as pilot:
        await pilot.pause()
        nav = app.screen.query_one("#nav")
        shown = [nav.render_line(y).text for y in range(nav.size.height)]
        assert nav.region.right <= width
        for key, _mode, label in SCREENS:
            assert any(f"{key.upper()} {label}" in line for line in shown), f"{key} {label} not shown at {width}"
        assert nav.size.height == (1 if width >= 110 else 2 if width >= 80 else 3)


async def test_closing_while_changes_keep_coming_is_clean(db, clock):
    """A reload from the change poll during shutdown found the screen's widgets gone (a CI failure)."""
    from imlate_tui.ui.admin.jobs import JobsScreen

    app = admin_app(db, clock, poll_seconds=0.001)
    async with app.run_test(size=(45, 25)) as pilot:
        await pilot.press("f5")
        await pilot.pause()
        assert isinstance(app.screen, JobsScreen)
        app.changes.changed = lambda: True     # every poll reloads, as under constant writes
        await pilot.pause(0.05)
    assert app.return_code in (None, 0)
