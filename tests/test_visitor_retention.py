"""Visitor retention: details, visits, host emails and badge files of visitors not seen for visitor_days go."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from imlate_tui.db.models import AuditEntry, Card, Person, Track
from imlate_tui.db.visitor_models import ExpectedVisit, HostNotification, Visit, WatchEntry
from imlate_tui.jobs.context import JobContext
from imlate_tui.services.retention import purge
from imlate_tui.services.visitor_badges import print_badge
from imlate_tui.services.visitor_tracks import sign_out
from imlate_tui.services.visitors import VisitorDetails, Visitors


def test_old_visitors_and_their_badges_go_recent_ones_and_staff_stay(db, clock, tmp_path):
    settings = db.model_copy(update={"visitors": db.visitors.model_copy(update={"badge": db.visitors.badge.model_copy(
        update={"folder": str(tmp_path / "badges")})})})
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    host = Person.create(kind="staff", forename="Helen", surname="Okafor", email="h@x.example", created_at=now,
                         updated_at=now)
    WatchEntry.create(name="Someone Barred", created_at=now)
    start = clock.now
    clock.now = start - timedelta(days=200)
    visitors = Visitors(settings, clock)
    old = visitors.sign_in(VisitorDetails("Old Visitor", "Gone Ltd", host.id, notice_accepted=True), actor="k")
    old_badge = print_badge(old.visit_id, settings).path
    sign_out(settings, badge_code=old.badge, actor="k", clock=clock)
    back = visitors.sign_in(VisitorDetails("Back Again", "Still Co", host.id, notice_accepted=True), actor="k")
    sign_out(settings, badge_code=back.badge, actor="k", clock=clock)
    visitors.expect("Long Ago", "", None, clock.now.date(), actor="office")
    clock.now = start - timedelta(days=10)
    recent = visitors.sign_in(VisitorDetails("Back Again", "Still Co", host.id, notice_accepted=True), actor="k")
    clock.now = start
    assert old_badge.exists()

    dry = purge(JobContext(settings, clock=clock, dry_run=True))
    assert (dry["visitor_cutoff"], dry["visitors"], dry["visits"], dry["host_emails"], dry["badge_files"],
            dry["expected_visits"]) == ("2026-05-28", 1, 2, 2, 1, 1)
    assert Visit.select().count() == 3 and old_badge.exists()

    done = purge(JobContext(settings, clock=clock))
    assert done["visitors"] == 1 and done["visits"] == 2
    assert not old_badge.exists()
    assert Person.get_or_none(Person.id == old.person.id) is None
    assert not Card.select().where(Card.code == old.badge).exists()
    assert not Track.select().where(Track.person == old.person.id).exists()
    assert [v.id for v in Visit.select()] == [recent.visit_id]
    assert HostNotification.select().count() == 1 and ExpectedVisit.select().count() == 0
    assert Person.get_by_id(host.id) and WatchEntry.select().count() == 1
    assert AuditEntry.get(AuditEntry.action == "retention.visitors").actor == "retention job"
    again = purge(JobContext(settings, clock=clock))
    assert (again["visitors"], again["visits"]) == (0, 0)
    assert Path(tmp_path / "badges").exists()
