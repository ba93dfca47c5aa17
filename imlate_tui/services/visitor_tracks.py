"""Visitors on the ordinary scan path, and signing visitors out.

`VisitorTracks` is a scan-service listener (it runs inside the scan's transaction, after the track):
- a visitor's sign-**out** (badge scanned, sign-out by hand, auto sign-out) closes their open visit;
- a visitor's sign-**in** by scanning the badge they kept is a returning visit: a visit record copied from
  their last one and the host's email queued — unless they now match the watch list, in which case the
  scan is refused (the whole transaction rolls back, nothing is recorded) and they are sent to reception.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from imlate_tui.clock import Clock, utc_now
from imlate_tui.db import visitors as q
from imlate_tui.db.models import Person, Track
from imlate_tui.db.visitor_models import Visit
from imlate_tui.domain.scanning import Direction, normalise_code
from imlate_tui.errors import InvalidInput
from imlate_tui.services.scanning import ScanResult, ScanService, scan_service_for

if TYPE_CHECKING:
    from imlate_tui.config import Settings

log = logging.getLogger(__name__)


class VisitorTracks:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def __call__(self, track: Track, person: Person) -> None:
        if person.kind != "visitor":
            return
        if track.direction == Direction.OUT:
            visit = q.open_visit(person.id, track.local_date)
            if visit is not None:
                Visit.update(left_at=track.at, out_track=track.id).where(Visit.id == visit.id).execute()
            return
        if q.open_visit(person.id, track.local_date) is not None or track.source == "manual":
            return
        last = q.latest_visit(person.id)
        if (entry := q.watch_match(person.display_name, last.organisation if last else "")) is not None:
            # The refusal rolls the scan's transaction back, so an alert row would vanish with it: the log
            # keeps the line, and the alert proper is recorded when reception signs them in with the form.
            log.warning("badge scan by %r matches watch-list entry %s: refused, sent to reception",
                        person.display_name, entry.id)
            raise _SeeReception(person.display_name)
        visit = Visit.create(person=person, organisation=last.organisation if last else "",
                             host=last.host_id if last else None, host_name=last.host_name if last else "",
                             visit_type=last.visit_type if last else self.settings.visitors.types[0],
                             car_registration=last.car_registration if last else None,
                             badge_code=q.badge_of(person) or "", notice_accepted_at=None,
                             local_date=track.local_date, arrived_at=track.at, in_track=track.id, source="scan")
        host = Person.get_or_none(Person.id == last.host_id) if last and last.host_id else None
        from imlate_tui.services import host_email   # smtplib, ssl, email: only when a visitor comes back

        host_email.queue(visit, person, host, self.settings, track.at)


class _SeeReception(InvalidInput):
    def __init__(self, name: str) -> None:
        super().__init__(f"{name}: please see reception before signing in")


def visitor_by_name_on_site(name: str, day) -> Person:
    wanted = q.folded(name)
    found = [p for p, _visit, _at in q.visitors_on_site(day) if q.folded(p.display_name) == wanted]
    if not found:
        raise InvalidInput(f"no visitor called {name!r} is signed in")
    if len(found) > 1:
        raise InvalidInput(f"{len(found)} visitors called {name!r} are signed in; use the badge code")
    return found[0]


def sign_out(settings: Settings, *, badge_code: str | None = None, name: str | None = None, actor: str,
             clock: Clock = utc_now, service: ScanService | None = None) -> ScanResult:
    """Sign a visitor out by badge code or by name; refuses one who is not signed in."""
    service = service or scan_service_for(settings, clock)
    if badge_code:
        person = q.visitor_by_badge(normalise_code(badge_code))
        if person is None:
            raise InvalidInput(f"no visitor has badge {badge_code.strip().upper()}")
    elif name:
        from imlate_tui.domain.scanning import school_date

        person = visitor_by_name_on_site(name, school_date(clock(), settings.tz))
    else:
        raise InvalidInput("give a badge code or --name")
    return service.manual(person.id, Direction.OUT, actor=actor, note="visitor sign-out")


def arrived_text(at: datetime, settings: Settings) -> str:
    return f"{at.astimezone(settings.tz):%H:%M}"
