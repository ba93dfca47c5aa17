"""The fire roll call in `imlate admin`: start, mark, filter and end it at 80x24 and 45x25, and two
admin sessions at once, each seeing the other's marks."""

from __future__ import annotations

import json

import pytest

from admin_helpers import OPERATOR, VIEWER, admin_app, admin_settings, database_state, record_notifications, wait_for
from imlate_tui.db.changes import ChangeWatch
from imlate_tui.db.models import AuditEntry
from imlate_tui.db.office_models import RollCall, RollCallEntry
from imlate_tui.services.scanning import ScanService
from imlate_tui.ui.admin.dialogs import ConfirmDialog
from imlate_tui.ui.admin.firelist import FireListScreen
from imlate_tui.ui.admin.roll_call import RollCallScreen
from imlate_tui.ui.admin_app import make_admin_app
from kiosk_helpers import add_person

SIZES = [(80, 24), (45, 25)]
MARSHAL2 = "carol"


@pytest.fixture
def settings(tmp_path):
    return admin_settings(tmp_path, admin={"operators": [OPERATOR, MARSHAL2]})


@pytest.fixture
def school(db, clock):
    people = [("Ann", "Able", 7, "7A"), ("Bea", "Baker", 7, "7B"), ("Cal", "Cole", 8, "8A"),
              ("Eve", "Evans", 8, "8A"), ("Fay", "Ford", 9, "9C")]
    for first, last, year, form in people:
        add_person(first, last, card=first.upper(), year=year, form=form)
    add_person("Dee", "Dunn", card="DEE", kind="staff")
    add_person("Vic", "Visitor", card="VIC", kind="visitor")
    add_person("Olly", "Out", card="OLLY", year=9, form="9C")     # never signs in
    scans = ScanService(db, clock)
    for card in ("ANN", "BEA", "CAL", "EVE", "FAY", "DEE", "VIC"):
        scans.scan(card)


def head(screen) -> str:
    return str(screen.query_one("#rc-head").render())


def line(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


def rows(screen) -> list[tuple[str, str]]:
    t = screen.table
    return [(str(t.get_row_at(i)[0]), str(t.get_row_at(i)[1])) for i in range(t.row_count)]


async def start_roll_call(pilot) -> RollCallScreen:
    await pilot.press("f10")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, RollCallScreen)
    await pilot.press("s")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ConfirmDialog)
    await pilot.press("y")
    await pilot.pause()
    return screen


async def move_to(pilot, screen: RollCallScreen, name: str) -> None:
    names = [n for _, n in rows(screen)]
    screen.table.move_cursor(row=names.index(name))
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_a_marshal_runs_a_roll_call(school, db, clock, size):
    app = admin_app(db, clock)
    said = record_notifications(app)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press("f10")
        await pilot.pause()
        assert head(app.screen) == "No roll call yet. S starts one: it freezes the 7 on site now."
        await pilot.press("escape")
        screen = await start_roll_call(pilot)
        assert head(screen) == "ROLL CALL 08:00: 0/7 found, 7 MISSING"
        assert line(screen, "#rc-missing") == "Missing: Staff 1, Visitors 1, Y7 2, Y8 2, Y9 1"
        assert rows(screen) == [("[ ]", "Dee Dunn"), ("[ ]", "Vic Visitor"), ("[ ]", "Ann Able"),
                                ("[ ]", "Bea Baker"), ("[ ]", "Cal Cole"), ("[ ]", "Eve Evans"), ("[ ]", "Fay Ford")]

        ScanService(db, clock).scan("OLLY")      # arrives during the fire: not on the frozen list
        await pilot.press("space")              # Dee, the first row
        await move_to(pilot, screen, "Cal Cole")
        await pilot.press("enter")              # Enter never marks (a stray one must not tick anyone)
        await pilot.pause()
        assert ("[ ]", "Cal Cole") in rows(screen)
        await pilot.press("space")
        await pilot.pause()
        assert head(screen) == "ROLL CALL 08:00: 2/7 found, 5 MISSING"
        assert line(screen, "#rc-missing") == "Missing: Visitors 1, Y7 2, Y8 1, Y9 1"
        assert rows(screen)[0] == ("[x]", "Dee Dunn") and ("[x]", "Cal Cole") in rows(screen)

        await pilot.press("m")                  # only the missing
        await pilot.pause()
        assert [n for _, n in rows(screen)] == ["Vic Visitor", "Ann Able", "Bea Baker", "Eve Evans", "Fay Ford"]
        assert line(screen, "#rc-filter").startswith("Missing only (M)")
        for _ in range(4):                       # all → Staff → Visitors → Year 7 → Year 8
            await pilot.press("g")
        await pilot.pause()
        assert [n for _, n in rows(screen)] == ["Eve Evans"]
        await pilot.press("g")                   # Year 9, then the forms: 7A, 7B, 8A, 9C, then all again
        await pilot.pause()
        assert [n for _, n in rows(screen)] == ["Fay Ford"]
        await pilot.press(*"ggggg")
        await pilot.pause()
        assert "all groups (G)" in line(screen, "#rc-filter") and len(rows(screen)) == 5
        await pilot.press("slash", *"fa", "enter")
        await pilot.pause()
        assert [n for _, n in rows(screen)] == ["Fay Ford"]
        await pilot.press("escape")              # the search is cleared again
        await pilot.pause()
        assert screen.search_text == "" and len(rows(screen)) == 5

        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "with 5 of 7 still missing" in str(app.screen.query_one("#title").render())
        await pilot.press("y")
        await pilot.pause()
        assert head(screen) == "Ended 08:00-08:00: 2/7 found, 5 missing"
        assert said[-1] == ("Roll call ended: 5 missing, recorded in the audit log", "information")
        marks = rows(screen)
        await pilot.press("space")              # no marks after the end (the key is off)
        await pilot.pause()
        assert rows(screen) == marks and "Found" not in [b.binding.description for b in app.active_bindings.values()
                                                         if b.binding.show and b.enabled]

    end = AuditEntry.get(AuditEntry.action == "roll_call_end")
    details = json.loads(end.details)
    assert (details["on_site"], details["found"], details["missing"]) == (7, 2, 5)
    assert "Vic Visitor (Visitors)" in details["missing_names"] and "Olly Out (Year 9 · 9C)" not in details["missing_names"]


async def test_two_sessions_mark_at_once_and_see_each_other(school, db, clock):
    first = admin_app(db, clock, poll_seconds=0.05)
    second = make_admin_app(db, clock=clock, user=MARSHAL2, client_address="198.51.100.9", poll_seconds=0.05)
    async with first.run_test(size=(80, 24)) as p1, second.run_test(size=(45, 25)) as p2:
        # Both sessions run in this one test process and so share one SQLite connection, whose own
        # commits never move SQLite's native marker; the portable marker (what PostgreSQL uses) does.
        for app in (first, second):
            app.changes = ChangeWatch(query=True)
            app.changes.changed()
        screen1 = await start_roll_call(p1)
        await p2.press("f10")
        await p2.pause()
        screen2 = second.screen
        assert isinstance(screen2, RollCallScreen)
        assert await wait_for(p2, lambda: head(screen2).startswith("ROLL CALL 08:00: 0/7"), 5)

        await move_to(p1, screen1, "Bea Baker")
        await p1.press("space")                                 # alice finds Bea…
        assert await wait_for(p2, lambda: ("[x]", "Bea Baker") in rows(screen2), 5) is not None   # …carol sees it
        assert head(screen2) == "ROLL CALL 08:00: 1/7 found, 6 MISSING"

        await move_to(p2, screen2, "Vic Visitor")
        await p2.press("space")                                 # carol finds Vic…
        assert await wait_for(p1, lambda: ("[x]", "Vic Visitor") in rows(screen1), 5) is not None  # …alice sees it
        assert head(screen1) == "ROLL CALL 08:00: 2/7 found, 5 MISSING"
        assert str(screen1.table.get_row(str(RollCallEntry.get(RollCallEntry.name == "Vic Visitor").id))[3]) \
            == f"08:00 {MARSHAL2}"

        await p2.press("s")                                     # carol cannot start a second one
        await p2.pause()
        assert RollCall.select().count() == 1


async def test_a_read_only_user_watches_but_cannot_mark(school, db, clock):
    app = admin_app(db, clock, user=VIEWER)
    said = record_notifications(app)
    before = database_state()
    async with app.run_test(size=(45, 25)) as pilot:
        await pilot.pause()
        await pilot.press("f10")
        await pilot.pause()
        for key in ("s", "space", "e"):
            await pilot.press(key)
            await pilot.pause()
        assert isinstance(app.screen, RollCallScreen)
    assert ("read-only: your user bob is not in admin.operators", "warning") in said
    assert database_state() == before and RollCall.select().count() == 0


async def test_r_on_the_fire_list_opens_the_roll_call(school, db, clock):
    app = admin_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        assert isinstance(app.screen, FireListScreen)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, RollCallScreen)
        assert app.screen.focused is app.screen.table      # keys are marks, not typed into the search


async def test_keys_right_after_opening_the_roll_call_reach_the_list(school, db, clock):
    """Opening the screen and pressing keys at once (a slow box, a burst): S must start, not type."""
    from textual import events

    app = admin_app(db, clock)
    async with app.run_test(size=(45, 25)) as pilot:
        await pilot.press("f3")
        await pilot.pause()
        for key in ("r", "s"):
            app.post_message(events.Key(key, key))
        assert await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), 5) is not None


async def test_keys_typed_in_one_burst_after_slash_search_then_mark_the_right_person(school, db, clock):
    """An SSH app sends "/bak⏎ " in one burst; each key must still do what it would typed slowly."""
    from textual import events

    app = admin_app(db, clock)
    async with app.run_test(size=(45, 25)) as pilot:
        screen = await start_roll_call(pilot)
        for key, char in [("slash", "/"), ("b", "b"), ("a", "a"), ("k", "k"), ("enter", None), ("space", " ")]:
            app.post_message(events.Key(key, char))     # as the terminal driver posts them, no waiting
        assert await wait_for(pilot, lambda: head(screen) == "ROLL CALL 08:00: 1/7 found, 6 MISSING", 5)
        assert rows(screen) == [("[x]", "Bea Baker")]
        assert RollCallEntry.get(RollCallEntry.found == True).name == "Bea Baker"   # noqa: E712
