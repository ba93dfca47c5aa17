"""`imlate report daily|range`: what the attendance officer reads, on a seeded day and a seeded fortnight."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from reports_seed import LONDON, at, intent, person, track, write
from imlate_tui.errors import InvalidInput
from imlate_tui.services.reports_daily import daily_csv, daily_report, daily_text
from imlate_tui.services.reports_range import person_days, range_csv, range_text

DAY = date(2026, 11, 24)   # a Tuesday, GMT


@pytest.fixture
def seeded_day(db):
    ada = person("Ada", "Byron", year=9, form="9A")
    ben = person("Ben", "Cole", year=9, form="9A")
    cara = person("Cara", "Dunn", year=10, form="10B")
    eli = person("Eli", "Fox", year=8, form="8C")
    person("Dan", "Eve", year=7, form="7A", active=False)          # left: never "not signed"
    tom = person("Tom", "Ward", kind="staff")
    person("Vic", "Guest", kind="visitor")
    late = track(ada, at(DAY, "08:45"), "in", minutes_late=45, reason="L - Bus late")
    intent(late, status="failed", summary="AM: late 45 min — failed: iSAMS rejected the update (HTTP 400)")
    track(ben, at(DAY, "08:20"), "in")
    track(ben, at(DAY, "11:00"), "out", reason="M - Medical appointment")
    track(ben, at(DAY, "13:05"), "in")
    track(ben, at(DAY, "15:40"), "out")                             # after school_day_ends: not early
    track(tom, at(DAY, "07:30"), "in")
    track(tom, at(DAY, "12:00"), "out")                             # staff: not an early leaver
    eli_in = track(eli, at(DAY, "08:30"), "in")
    intent(eli_in, status="pending")
    track(cara, at(date(2026, 11, 23), "08:30"), "in")              # yesterday does not count today
    write(cara, DAY, outcome="failed", error="iSAMS unavailable (HTTP 503)")   # absence marking, no intent
    write(ada, DAY, outcome="sent")
    return db


def test_daily_text_lists_late_early_not_signed_and_failures(seeded_day):
    text = daily_text(daily_report(seeded_day, DAY))
    lines = text.splitlines()
    assert lines[0] == "DAILY REPORT — Tuesday 24 November 2026 (Europe/London)"
    late = lines[lines.index("Late arrivals (1)") + 1]
    assert late.startswith("  08:45  Ada Byron (Y9 9A)") and "45 min late  L - Bus late" in late
    early = lines[lines.index("Early leavers (1)") + 1]
    assert early.startswith("  11:00  Ben Cole (Y9 9A)")
    assert early.endswith("M - Medical appointment  back at 13:05")
    start = lines.index("Not signed (students) (1)")
    assert lines[start + 1] == "  Cara Dunn (Y10 10B)"
    assert lines[start + 2] == ""                                   # not Dan (inactive), Tom, Vic
    failures = lines[lines.index("Writeback failures (2)") + 1:]
    assert failures[0].startswith("  08:45  Ada Byron (Y9 9A)")
    assert failures[0].endswith("sign-in: AM: late 45 min — failed: iSAMS rejected the update (HTTP 400)")
    assert failures[1].startswith("  10:10  Cara Dunn (Y10 10B)")
    assert failures[1].endswith("absence mark AM: iSAMS unavailable (HTTP 503)")
    assert failures[2] == "  (1 still pending: the writer keeps retrying them)"


def test_daily_csv_has_one_row_per_finding_with_iso_times(seeded_day):
    rows = list(csv.DictReader(io.StringIO(daily_csv(daily_report(seeded_day, DAY)))))
    assert [(r["section"], r["name"]) for r in rows] == [
        ("late", "Ada Byron"), ("early_leave", "Ben Cole"), ("not_signed", "Cara Dunn"),
        ("writeback_failed", "Ada Byron"), ("writeback_failed", "Cara Dunn")]
    late, early, absent, failed, _ = rows
    assert late["date"] == "2026-11-24" and late["at"] == "2026-11-24T08:45:00+00:00"
    assert (late["minutes_late"], late["reason"], late["year_group"], late["form_group"]) == ("45", "L - Bus late", "9", "9A")
    assert early["reason"] == "M - Medical appointment" and early["detail"] == "back_at=2026-11-24T13:05:00+00:00"
    assert absent["at"] == "" and absent["school_id"] == "CDUNN"
    assert failed["detail"].startswith("sign-in: AM: late 45 min — failed")


def test_daily_report_on_a_quiet_day_says_none(db):
    text = daily_text(daily_report(db, DAY))
    assert "Late arrivals (0)\n  none" in text and "Writeback failures (0)\n  none" in text
    assert daily_csv(daily_report(db, DAY)).splitlines() == [
        "section,date,at,school_id,name,kind,year_group,form_group,minutes_late,reason,detail"]


def test_early_leave_follows_school_day_ends(seeded_day):
    later = seeded_day.model_copy(update={"attendance": seeded_day.attendance.model_copy(
        update={"school_day_ends": "16:00"})})
    report = daily_report(later, DAY)
    assert [(x.person.forename, x.at.astimezone(LONDON).strftime("%H:%M")) for x in report.early_leavers] == [
        ("Ben", "11:00"), ("Ben", "15:40")]
    assert report.early_leavers[1].back_at is None


@pytest.fixture
def seeded_fortnight(db):
    ada = person("Ada", "Byron", year=9, form="9A")
    ben = person("Ben", "Cole", kind="staff")
    fri, sun, mon = date(2026, 3, 27), date(2026, 3, 29), date(2026, 3, 30)
    for hhmm, direction in (("08:00", "in"), ("12:00", "out"), ("13:00", "in"), ("15:30", "out")):
        track(ada, at(fri, hhmm), direction)
    # Clocks go forward at 01:00 GMT on Sunday 29 March 2026: 00:30 GMT to 03:30 BST is two real hours.
    track(ada, at(sun, "00:30"), "in")
    track(ada, at(sun, "03:30"), "out")
    track(ada, at(mon, "08:00"), "in")                              # never signed out
    track(ben, at(mon, "08:10"), "in")
    track(ben, at(mon, "16:00"), "out")
    track(ben, at(date(2026, 3, 31), "08:00"), "in")                # outside the range asked for
    return db


def test_range_csv_per_person_per_day_with_real_elapsed_minutes(seeded_fortnight):
    text = range_csv(person_days(date(2026, 3, 27), date(2026, 3, 30)), seeded_fortnight.tz)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["date", "school_id", "name", "kind", "year_group", "form_group", "first_in", "last_out",
                       "minutes_on_site", "sign_ins", "still_signed_in"]
    assert rows[1:] == [
        ["2026-03-27", "ABYRON", "Ada Byron", "student", "9", "9A", "2026-03-27T08:00:00+00:00",
         "2026-03-27T15:30:00+00:00", "390", "2", "no"],
        ["2026-03-29", "ABYRON", "Ada Byron", "student", "9", "9A", "2026-03-29T00:30:00+00:00",
         "2026-03-29T03:30:00+01:00", "120", "1", "no"],
        ["2026-03-30", "ABYRON", "Ada Byron", "student", "9", "9A", "2026-03-30T08:00:00+01:00", "", "0", "1", "yes"],
        ["2026-03-30", "BCOLE", "Ben Cole", "staff", "", "", "2026-03-30T08:10:00+01:00",
         "2026-03-30T16:00:00+01:00", "470", "1", "no"],
    ]


def test_range_counts_the_long_autumn_night(db):
    ada = person("Ada", "Byron")
    sun = date(2026, 10, 25)   # clocks go back at 02:00 BST: 00:30 BST to 03:30 GMT is four real hours
    track(ada, at(sun, "00:30"), "in")
    track(ada, at(sun, "03:30"), "out")
    [day] = person_days(sun, sun)
    assert day.minutes_on_site == 240 and day.still_signed_in is False


def test_range_text_and_bad_range(seeded_fortnight):
    text = range_text(person_days(date(2026, 3, 30), date(2026, 3, 30)), seeded_fortnight.tz)
    assert text.splitlines()[1].endswith("08:00                0  (still signed in)")
    with pytest.raises(InvalidInput, match="before --from"):
        person_days(date(2026, 3, 30), date(2026, 3, 27))
