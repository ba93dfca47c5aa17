"""The retention job: a dry run counts, a real run purges old attendance data and nothing else."""

from __future__ import annotations

from datetime import date

import pytest

from reports_seed import at, intent, person, track, write
from imlate_tui.config import RetentionSettings
from imlate_tui.db import audit, retention
from imlate_tui.db.connection import write_transaction
from imlate_tui.db.models import AttendanceIntent, AttendanceWrite, AuditEntry, Card, Person, Track
from imlate_tui.jobs.context import JobContext
from imlate_tui.services.retention import purge

OLD, KEPT = date(2026, 10, 24), date(2026, 10, 25)   # with 30 days on 24 November: the cutoff is 25 October


@pytest.fixture
def keeps_30_days(db):
    return db.model_copy(update={"retention": RetentionSettings(days=30)})


@pytest.fixture
def history(keeps_30_days, clock):
    ada = person("Ada", "Byron", year=9, form="9A")
    Card.create(code="CARD-1", person=ada, created_at=clock())
    old_in, old_out = track(ada, at(OLD, "08:40"), "in", minutes_late=10), track(ada, at(OLD, "15:40"), "out")
    old_intent = intent(old_in)
    write(ada, OLD, intent_id=old_intent.id)
    write(ada, date(2026, 10, 20), outcome="sent")                     # absence marking of an old day
    new_in = track(ada, at(KEPT, "08:20"), "in")
    write(ada, KEPT, intent_id=intent(new_in).id)
    write(ada, date(2026, 11, 20), outcome="sent")
    track(ada, at(date(2026, 11, 24), "07:55"), "in")
    with write_transaction():
        audit.record(at=at(OLD, "09:00"), actor="alice", action="manual.sign_in", target="ABYRON")
    return {"old_tracks": {old_in.id, old_out.id}, "old_intent": old_intent.id}


def test_dry_run_counts_and_deletes_nothing(keeps_30_days, clock, history):
    counts = purge(JobContext(keeps_30_days, clock=clock, dry_run=True))
    assert {k: counts[k] for k in ("cutoff", "tracks", "attendance_intents", "register_writes")} == {"cutoff": "2026-10-25", "tracks": 2, "attendance_intents": 1, "register_writes": 2}
    assert (Track.select().count(), AttendanceIntent.select().count(), AttendanceWrite.select().count()) == (4, 2, 4)
    assert AuditEntry.select().count() == 1


def test_purge_removes_old_rows_keeps_new_ones_people_cards_and_audit(keeps_30_days, clock, history):
    counts = purge(JobContext(keeps_30_days, clock=clock))
    assert {k: counts[k] for k in ("cutoff", "tracks", "attendance_intents", "register_writes")} == {"cutoff": "2026-10-25", "tracks": 2, "attendance_intents": 1, "register_writes": 2}
    assert not Track.select().where(Track.id.in_(history["old_tracks"])).exists()
    assert sorted(t.local_date for t in Track.select()) == [KEPT, date(2026, 11, 24)]
    assert AttendanceIntent.get_or_none(AttendanceIntent.id == history["old_intent"]) is None
    assert not AttendanceWrite.select().where(AttendanceWrite.intent == history["old_intent"]).exists()
    assert sorted(w.local_date for w in AttendanceWrite.select()) == [KEPT, date(2026, 11, 20)]
    assert (Person.select().count(), Card.select().count()) == (1, 1)
    entries = list(AuditEntry.select().order_by(AuditEntry.id))
    assert [(e.actor, e.action) for e in entries] == [("alice", "manual.sign_in"), ("retention job", "retention.purge")]
    assert '"tracks": 2' in entries[1].details
    # A second run the same day finds nothing and adds no audit entry.
    again = purge(JobContext(keeps_30_days, clock=clock))
    assert (again["tracks"], again["attendance_intents"], again["register_writes"]) == (0, 0, 0)
    assert AuditEntry.select().count() == 2


def test_retention_unset_keeps_everything(db, clock, history):
    counts = purge(JobContext(db, clock=clock))
    assert counts["cutoff"] is None and counts["tracks"] == 0
    assert Track.select().count() == 4


def test_deletes_in_chunks_until_done(db, clock):
    ada = person("Ada", "Byron")
    for day in range(1, 8):
        intent(track(ada, at(date(2026, 9, day), "08:30"), "in"))
    deleted = retention.delete_before(date(2026, 9, 6), chunk=2)
    assert deleted == {"register_writes": 0, "attendance_intents": 5, "tracks": 5}
    assert sorted(t.local_date.day for t in Track.select()) == [6, 7]
    assert AttendanceIntent.select().count() == 2
