"""The pure sign-in/out rule: alternation, the repeat window, the school day, manual moves, bad codes."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from imlate_tui.domain.scanning import (
    Direction, LastTrack, MoveRefused, Status, check_manual_move, decide_scan, normalise_code, school_date,
    status_of,
)
from imlate_tui.errors import InvalidInput

LONDON = ZoneInfo("Europe/London")
T0 = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)


def test_alternation_over_many_scans_without_repeat_window():
    last, seen = None, []
    for i in range(41):
        decision = decide_scan(last, T0 + timedelta(minutes=i), repeat_window_seconds=0)
        assert not decision.repeat
        seen.append(decision.direction)
        last = LastTrack(decision.direction, T0 + timedelta(minutes=i))
    # 1st, 3rd, 5th ... are sign-ins; 2nd, 4th ... sign-outs
    assert seen == [Direction.IN if i % 2 == 0 else Direction.OUT for i in range(41)]
    assert status_of(last) is Status.SIGNED_IN


@pytest.mark.parametrize(("elapsed", "repeat"), [(0, True), (1, True), (9.999, True), (10, False), (11, False)])
def test_repeat_window_inside_edge_and_outside(elapsed, repeat):
    last = LastTrack(Direction.IN, T0)
    decision = decide_scan(last, T0 + timedelta(seconds=elapsed), repeat_window_seconds=10)
    assert decision.repeat is repeat
    assert decision.direction is (Direction.IN if repeat else Direction.OUT)


def test_repeat_window_zero_gives_strict_alternation_even_for_instant_rescans():
    last = LastTrack(Direction.IN, T0)
    decision = decide_scan(last, T0, repeat_window_seconds=0)
    assert (decision.repeat, decision.direction) == (False, Direction.OUT)


def test_clock_stepped_backwards_counts_as_repeat():
    last = LastTrack(Direction.OUT, T0)
    decision = decide_scan(last, T0 - timedelta(seconds=30), repeat_window_seconds=10)
    assert decision.repeat and decision.direction is Direction.OUT


def test_status_of():
    assert status_of(None) is Status.NOT_SIGNED
    assert status_of(LastTrack(Direction.IN, T0)) is Status.SIGNED_IN
    assert status_of(LastTrack(Direction.OUT, T0)) is Status.SIGNED_OUT


@pytest.mark.parametrize(("utc", "local_day"), [
    # an ordinary winter night (GMT = UTC)
    ("2026-11-24T23:59:59", "2026-11-24"), ("2026-11-25T00:00:00", "2026-11-25"),
    # an ordinary summer night: midnight BST is 23:00 UTC the day before
    ("2026-06-10T22:59:59", "2026-06-10"), ("2026-06-10T23:00:00", "2026-06-11"),
    # clocks go forward 2026-03-29 at 01:00 UTC: the night before is still GMT
    ("2026-03-28T23:59:59", "2026-03-28"), ("2026-03-29T00:00:00", "2026-03-29"),
    ("2026-03-29T00:59:59", "2026-03-29"), ("2026-03-29T01:00:00", "2026-03-29"),
    ("2026-03-29T22:59:59", "2026-03-29"), ("2026-03-29T23:00:00", "2026-03-30"),
    # clocks go back 2026-10-25 at 01:00 UTC: the night before is BST
    ("2026-10-24T22:59:59", "2026-10-24"), ("2026-10-24T23:00:00", "2026-10-25"),
    ("2026-10-25T00:30:00", "2026-10-25"), ("2026-10-25T01:30:00", "2026-10-25"),
    ("2026-10-25T23:59:59", "2026-10-25"), ("2026-10-26T00:00:00", "2026-10-26"),
])
def test_school_day_is_midnight_to_midnight_in_the_school_zone(utc, local_day):
    instant = datetime.fromisoformat(utc).replace(tzinfo=timezone.utc)
    assert school_date(instant, LONDON).isoformat() == local_day


def test_school_date_refuses_naive_datetimes():
    with pytest.raises(ValueError):
        school_date(datetime(2026, 1, 1), LONDON)


def test_manual_moves_that_are_impossible_are_refused():
    with pytest.raises(MoveRefused, match="has not signed in today"):
        check_manual_move(None, Direction.OUT, "Ann Lee")
    with pytest.raises(MoveRefused, match="already signed out"):
        check_manual_move(LastTrack(Direction.OUT, T0), Direction.OUT, "Ann Lee")
    with pytest.raises(MoveRefused, match="already signed in"):
        check_manual_move(LastTrack(Direction.IN, T0), Direction.IN, "Ann Lee")
    # the possible ones pass
    check_manual_move(None, Direction.IN, "Ann Lee")
    check_manual_move(LastTrack(Direction.OUT, T0), Direction.IN, "Ann Lee")
    check_manual_move(LastTrack(Direction.IN, T0), Direction.OUT, "Ann Lee")


def test_codes_are_trimmed_and_upper_cased():
    assert normalise_code("  ab12cd \t") == "AB12CD"


@pytest.mark.parametrize(("raw", "message"), [
    ("", "empty scan"), ("   \t ", "empty scan"),
    ("A" * 65, "longer than 64"),
    ("12\x0034", "control characters"), ("12\x1b[A", "control characters"), ("AB\u200bCD", "control characters"),
])
def test_bad_codes_are_refused_with_a_clear_message(raw, message):
    with pytest.raises(InvalidInput, match=message):
        normalise_code(raw)


def test_a_64_character_code_is_accepted():
    assert normalise_code("x" * 64) == "X" * 64
