"""Visitor retention (part of the `retention` job): `retention.visitor_days`, default 180.

With a cutoff of today − visitor_days (school-local days):
- visits of days before the cutoff go, with their host emails and their badge PDFs;
- a visitor with no visit and no track on or after the cutoff goes entirely: the person, their badge
  card and their tracks (a visitor's tracks are their visits; nobody writes them to iSAMS);
- expected visits and watch-list alerts of days before the cutoff go.
The watch list itself stays (operators manage it), and so does the audit log (append-only: the job adds
one entry with the counts). `--dry-run` counts and deletes nothing.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

from imlate_tui.db.connection import write_transaction
from imlate_tui.db.models import Card, Person, Track
from imlate_tui.db.visitor_models import ExpectedVisit, HostNotification, Visit, WatchAlert
from imlate_tui.domain.scanning import school_date
from imlate_tui.jobs.context import JobContext

log = logging.getLogger(__name__)


def _gone_visitors(cutoff: date) -> list[int]:
    recent_visit = Visit.select(Visit.person).where(Visit.local_date >= cutoff)
    recent_track = Track.select(Track.person).where(Track.local_date >= cutoff)
    return [p.id for p in Person.select(Person.id).where(
        (Person.kind == "visitor") & Person.id.not_in(recent_visit) & Person.id.not_in(recent_track))]


def _plan(cutoff: date, cutoff_instant: datetime) -> dict[str, Any]:
    people = _gone_visitors(cutoff)
    old_visits = Visit.select().where((Visit.local_date < cutoff) | Visit.person.in_(people))
    visit_ids = [v.id for v in old_visits]
    files = [Path(v.badge_path) for v in old_visits if v.badge_path and Path(v.badge_path).exists()]
    return {
        "people": people, "visit_ids": visit_ids, "files": files,
        "notes": HostNotification.select().where(HostNotification.visit.in_(visit_ids)).count() if visit_ids else 0,
        "expected": ExpectedVisit.select().where(ExpectedVisit.local_date < cutoff).count(),
        "alerts": WatchAlert.select().where(WatchAlert.at < cutoff_instant).count(),
    }


def purge_visitors(ctx: JobContext) -> dict[str, Any]:
    days = ctx.settings.retention.visitor_days
    keys = ("visitors", "visits", "host_emails", "badge_files", "expected_visits", "watch_alerts")
    if days is None:
        return {"visitor_cutoff": None, **{k: 0 for k in keys}}
    tz = ctx.settings.tz
    cutoff = school_date(ctx.clock(), tz) - timedelta(days=days)
    cutoff_instant = datetime.combine(cutoff, time(0), tz).astimezone(timezone.utc)
    plan = _plan(cutoff, cutoff_instant)
    counts = {"visitor_cutoff": cutoff.isoformat(), "visitors": len(plan["people"]), "visits": len(plan["visit_ids"]),
              "host_emails": plan["notes"], "badge_files": len(plan["files"]),
              "expected_visits": plan["expected"], "watch_alerts": plan["alerts"]}
    if ctx.dry_run:
        return counts
    with write_transaction():
        visits, people = plan["visit_ids"], plan["people"]
        if visits:
            HostNotification.delete().where(HostNotification.visit.in_(visits)).execute()
            WatchAlert.update(visit=None).where(WatchAlert.visit.in_(visits)).execute()
            Visit.delete().where(Visit.id.in_(visits)).execute()
        if people:
            Track.delete().where(Track.person.in_(people)).execute()
            Card.delete().where(Card.person.in_(people)).execute()
            Person.delete().where(Person.id.in_(people)).execute()
        ExpectedVisit.delete().where(ExpectedVisit.local_date < cutoff).execute()
        WatchAlert.delete().where(WatchAlert.at < cutoff_instant).execute()
    for path in plan["files"]:
        try:
            path.unlink()
        except OSError as exc:
            log.warning("badge file %s not removed: %s", path.name, exc.strerror)
    return counts
