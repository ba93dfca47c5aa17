"""Today at a glance in `imlate admin` (F1) at 80x24 and 45x25, against the iSAMS simulator over HTTP:
late arrivals and early leavers with minutes, reason and writeback state; filters and search; and
each correction made from the screens, followed by the writeback it causes."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from admin_helpers import OPERATOR, VIEWER, admin_app, database_state, names, record_notifications, text, wait_for
from imlate_tui.db.connection import database
from imlate_tui.db.models import AttendanceIntent, AuditEntry, Person, Track
from imlate_tui.ui.admin.correction_dialogs import FieldsDialog, TrackPicker
from imlate_tui.ui.admin.late import LateScreen
from imlate_tui.ui.admin.person import PersonScreen

DAY = date(2025, 9, 8)
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((45, 25), id="45x25")]
NO_PROMPTS = {"lesson_attendance": False, "reasons": {"prompt_on_late": False, "prompt_on_leaving": False}}


def code_id(state, code):
    return next(c["id"] for c in state.absence_codes if c["code"] == code)


class Morning:
    """Five students' morning: on time, late (sent), late on a protected register (skipped), late with a
    rejected PUT (failed), and an early leaver not yet delivered (pending)."""

    def __init__(self, school, state) -> None:
        self.school = school
        sids = [school.student(skip=n) for n in range(6)]
        self.people = {k: Person.get(Person.school_id == sid) for k, sid in zip("eabcdf", sids)}
        self.sid = dict(zip("eabcdf", sids))
        school.scan(self.sid["e"], "08:20")
        school.scan(self.sid["d"], "08:21")
        self.deliver("08:22")
        self.tracks = {"a": school.scan(self.sid["a"], "08:40").track_id}
        self.deliver("08:41")
        state.set_register_row(school.period_id("AM"), self.sid["b"], isRegistered=1, isPresent=False,
                               absenceCodeId=code_id(state, "M"))
        self.tracks["b"] = school.scan(self.sid["b"], "08:45").track_id
        self.deliver("08:46")
        state.faults.add("status:400", route="/api/registration/register/*", method="PUT", count=1)
        self.tracks["c"] = school.scan(self.sid["c"], "08:50").track_id
        self.deliver("08:51")
        self.tracks["d"] = school.scan(self.sid["d"], "11:00").track_id
        school.set_time("11:05")

    def deliver(self, hhmm: str) -> None:
        self.school.set_time(hhmm)
        self.school.writer().deliver_due()

    def deliver_elsewhere(self) -> None:
        """The writer of another process (its own database connection), as the scheduler runs it."""
        def run() -> None:
            with database.connection_context():
                self.school.writer().deliver_due()
        worker = threading.Thread(target=run)
        worker.start()
        worker.join(timeout=60)

    def name(self, key: str) -> str:
        return self.people[key].display_name


@pytest.fixture
def morning(school_day, isams_state):
    school = school_day(DAY, admin={"operators": [OPERATOR]}, attendance=NO_PROMPTS)
    return Morning(school, isams_state)


def app_for(morning, user=OPERATOR):
    return admin_app(morning.school.settings, morning.school.clock, user=user, client_factory=morning.school.client,
                     poll_seconds=0.05)


async def open_late(pilot) -> LateScreen:
    await pilot.press("f1")
    await pilot.pause()
    assert isinstance(pilot.app.screen, LateScreen)
    return pilot.app.screen


@pytest.mark.parametrize("size", SIZES)
async def test_the_late_list_shows_minutes_reason_and_writeback_state(morning, size):
    app = app_for(morning)
    async with app.run_test(size=size) as pilot:
        screen = await open_late(pilot)
        m = morning
        assert names(screen.table) == ["08:40", "08:45", "08:50", "11:00"]
        rows = {str(screen.table.get_row_at(i)[1]): [str(c) for c in screen.table.get_row_at(i)]
                for i in range(screen.table.row_count)}
        assert m.name("e") not in rows    # on time: not listed
        if size[0] >= 80:   # the reason, and the writeback state with its rule or iSAMS's message
            assert rows[m.name("a")][3:] == ["15 min", "", "sent"]
            assert rows[m.name("b")][3:] == ["20 min", "", "skipped: AM: protected code M"]
            assert rows[m.name("c")][5].startswith("failed: AM: late 25 min: present, late — failed: ")
            assert rows[m.name("d")][3:] == ["left", "", "pending"]
        else:               # a phone: the state only; the line under the list has the rest
            assert [rows[m.name(k)][3:] for k in "abcd"] == [["15 min", "sent"], ["20 min", "skipped"],
                                                             ["25 min", "failed"], ["left", "pending"]]
            await pilot.press("down")
            assert text(screen, "#late-detail").endswith("iSAMS: skipped: AM: protected code M")
            await pilot.press("down")
            assert "iSAMS: failed: AM: late 25 min: present, late — failed: " in text(screen, "#late-detail")
            await pilot.press("up", "up")
        assert "3 late, 1 left early · iSAMS 1 sent, 1 skipped, 1 failed, 1 pending" in text(screen, "#late-head")
        assert text(screen, "#late-detail").startswith(f"{m.name('a')} ({m.people['a'].form_group}, {m.sid['a']}): "
                                                      f"signed in 08:40, 15 min late")
        await pilot.press("f7")
        assert names(screen.table) == ["08:40", "08:45", "08:50"]
        await pilot.press("f7")
        assert names(screen.table) == ["11:00"]
        await pilot.press("f7", "f9")   # everyone, then the first year that has someone listed
        years = sorted({p.year_group for k, p in m.people.items() if k in "abcd"})
        assert f"Year {years[0]}" in text(screen, "#late-filters")
        assert set(names(screen.table)) == {str(screen.shown[k].at.astimezone(m.school.settings.tz).strftime("%H:%M"))
                                            for k in screen.shown}
        assert all(e.year_group == years[0] for e in screen.shown.values())


@pytest.mark.parametrize("size", SIZES)
async def test_search_finds_by_name_school_id_or_form(morning, size):
    app = app_for(morning)
    async with app.run_test(size=size) as pilot:
        screen = await open_late(pilot)
        m = morning
        await pilot.press("slash", *m.sid["c"][-5:])
        assert [e.name for e in screen.shown.values()] == [m.name("c")]
        await pilot.press("ctrl+u", *m.people["b"].form_group.lower())
        assert {e.name for e in screen.shown.values()} == {m.name(k) for k in "abcd"
                                                           if m.people[k].form_group == m.people["b"].form_group}
        await pilot.press("ctrl+u", *m.people["d"].surname[:4])
        assert m.name("d") in {e.name for e in screen.shown.values()}
        await pilot.press("enter", "enter")   # back to the list, then the person's day
        await pilot.pause()
        assert isinstance(app.screen, PersonScreen)


async def test_roster_search_finds_by_school_id_and_form(morning):
    app = app_for(morning)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        roster = app.screen
        await pilot.press(*morning.sid["a"])
        assert names(roster.table) == [morning.name("a")]
        form = morning.people["a"].form_group
        await pilot.press("ctrl+u", *form)
        assert names(roster.table) and all(str(c) == form for c in
                                           [roster.table.get_row_at(i)[4] for i in range(roster.table.row_count)])


@pytest.mark.parametrize("size", SIZES)
async def test_a_reason_from_the_late_list_is_written_back_and_shows_live(morning, isams_state, size):
    app = app_for(morning)
    async with app.run_test(size=size) as pilot:
        screen = await open_late(pilot)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, FieldsDialog)
        await pilot.press("2", "enter", *"mother phoned", "enter")
        await pilot.pause()
        assert app.screen is screen
        track = Track.get_by_id(morning.tracks["a"])
        assert track.reason == "M - Medical appointment"
        entry = AuditEntry.select().order_by(AuditEntry.id.desc()).get()
        assert (entry.actor, entry.action) == (OPERATOR, "correct_reason") and "mother phoned" in entry.details
        assert str(screen.table.get_row_at(0)[-1]) == "pending"
        morning.deliver_elsewhere()
        assert await wait_for(pilot, lambda: str(screen.table.get_row_at(0)[-1]) == "sent", 10) is not None
        assert "reason: M - Medical appointment. iSAMS: sent — AM: reason code M" in text(screen, "#late-detail")
        assert morning.school.writes(morning.sid["a"])[-1] == (
            "AM", {"isPresent": False, "isLate": False, "absenceCodeId": code_id(isams_state, "M"),
                   "registrationComment": "Medical appointment"})


@pytest.mark.parametrize("size", SIZES)
async def test_voiding_from_the_late_list_takes_the_mark_back(morning, isams_state, size):
    app = app_for(morning)
    async with app.run_test(size=size) as pilot:
        screen = await open_late(pilot)
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, FieldsDialog)
        await pilot.press("enter")          # why is required
        await pilot.pause()
        assert isinstance(app.screen, FieldsDialog) and Track.get_by_id(morning.tracks["a"]).voided_at is None
        await pilot.press(*"friend scanned the card", "enter")
        await pilot.pause()
        assert Track.get_by_id(morning.tracks["a"]).voided_by == OPERATOR
        assert names(screen.table) == ["08:45", "08:50", "11:00"]      # no longer listed
        assert "· 1 voided (F7)" in text(screen, "#late-head")
        morning.deliver_elsewhere()
        assert morning.school.writes(morning.sid["a"])[-1] == (
            "AM", {"isPresent": False, "isLate": False, "absenceCodeId": code_id(isams_state, "O")})
        await pilot.press("f7", "f7", "f7")       # the voided scans, and what the writer did about each
        assert "Voided scans" in text(screen, "#late-filters") and names(screen.table) == ["08:40"]
        assert await wait_for(pilot, lambda: "marked O" in text(screen, "#late-detail"), 10) is not None
        assert f"{morning.name('a')} " in text(screen, "#late-detail")
        assert "the sign-in at 08:40 was voided" in text(screen, "#late-detail")
        await pilot.press("f2")
        await pilot.pause()
        row = app.screen.table.get_row(str(morning.people["a"].id))
        assert str(row[1]) == "Not Signed"


async def test_sign_in_at_an_earlier_time_from_the_persons_page(morning, isams_state):
    app = app_for(morning)
    f = morning.people["f"]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(*f.school_id, "enter")
        await pilot.pause()
        person = app.screen
        assert isinstance(person, PersonScreen)
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("i", "enter", *"08:35", "enter", *"lost card, came with mother", "enter")
        await pilot.pause()
        track = Track.get(Track.person == f.id)
        assert (track.direction, track.minutes_late, track.note) == ("in", 10, "lost card, came with mother")
        assert track.at == morning.school.local("08:35")
        assert "10 min late" in text(person, "#person-day")
        morning.deliver_elsewhere()
        assert morning.school.writes(f.school_id) == [("AM", {"isPresent": True, "isLate": True,
                                                              "numberOfMinutesLate": 10})]
        await pilot.press("escape", "f1")
        await pilot.pause()
        assert "08:35" in names(app.screen.table)


async def test_void_from_the_persons_page_shows_the_scan_struck_through_with_who_and_why(morning):
    app = app_for(morning)
    d = morning.people["d"]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(*d.school_id, "enter")
        await pilot.pause()
        person = app.screen
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, TrackPicker)
        await pilot.press("down", "enter")    # the 11:00 sign-out
        await pilot.pause()
        await pilot.press(*"scanned twice by mistake", "enter")
        await pilot.pause()
        assert Track.get_by_id(morning.tracks["d"]).voided_at is not None
        assert "Signed In" in text(person, "#person-head")
        assert f"VOID by {OPERATOR} at 11:05: scanned twice by mistake" in text(person, "#person-day")
        intent = AttendanceIntent.get(AttendanceIntent.track == morning.tracks["d"])
        assert (intent.status, intent.correction) == ("pending", "void")


async def test_a_read_only_user_cannot_correct_from_any_screen(morning):
    app = app_for(morning, user=VIEWER)
    said = record_notifications(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_late(pilot)
        before = database_state()
        for key in ("r", "v"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, LateScreen)
        await pilot.press("enter")
        await pilot.pause()
        for key in ("r", "v", "t"):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, PersonScreen)
        assert database_state() == before
        assert [m for m, _ in said].count(f"read-only: your user {VIEWER} is not in admin.operators") == 5


async def test_a_wonde_school_sees_wonde_where_an_isams_school_sees_isams(wonde_day):
    school = wonde_day(DAY, admin={"operators": [OPERATOR]}, attendance=NO_PROMPTS)
    sid = school.student()
    school.scan(sid, "08:40")
    app = admin_app(school.settings, school.clock, client_factory=school.client)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_late(pilot)
        headers = [str(c.label) for c in screen.table.columns.values()]
        assert headers[-1] == "Wonde" and "iSAMS" not in headers
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PersonScreen)
        assert "Writeback to Wonde" in text(app.screen, "#person-day")
