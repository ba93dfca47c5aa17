"""Visitors as lists for people to read: `imlate visitors list` and the admin view."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from imlate_tui.db import visitors as q
from imlate_tui.db.visitor_models import Visit
from imlate_tui.domain.scanning import school_date

if TYPE_CHECKING:
    from imlate_tui.config import Settings


def visitor_rows(settings: Settings, now: datetime, *, on_site_only: bool = False) -> list[dict[str, Any]]:
    """Today's visits (newest first), each with whether the visitor is on site now."""
    day = school_date(now, settings.tz)
    on_site = {person.id for person, _visit, _at in q.visitors_on_site(day)}
    rows = []
    seen_on_site: set[int] = set()
    for visit in q.visits_between(day, day):
        here = visit.person_id in on_site and visit.left_at is None and visit.person_id not in seen_on_site
        if here:
            seen_on_site.add(visit.person_id)
        if on_site_only and not here:
            continue
        rows.append(_row(visit, here, settings))
    return rows


def _row(visit: Visit, here: bool, settings: Settings) -> dict[str, Any]:
    tz = settings.tz
    return {"visit": visit.id, "person_id": visit.person_id, "name": visit.person.display_name,
            "organisation": visit.organisation, "type": visit.visit_type, "host": visit.host_name,
            "badge": visit.badge_code, "car_registration": visit.car_registration,
            "arrived_at": visit.arrived_at.isoformat(), "arrived_at_local": f"{visit.arrived_at.astimezone(tz):%H:%M}",
            "left_at": visit.left_at.isoformat() if visit.left_at else None,
            "left_at_local": f"{visit.left_at.astimezone(tz):%H:%M}" if visit.left_at else None,
            "on_site": here, "badge_printed": visit.badge_printed, "print_problem": visit.print_error}
