"""Visitors signing in and out: the use cases behind the kiosk form, `imlate visitors …` and the admin view.

A sign-in is one write transaction: the visitor found again or created (a returning visitor — same name and
organisation, or the badge code they bring back — is never created twice), their badge code (a card of
theirs, so the kiosk's scan path finds it and a scan signs them out), the track (like anyone's), the visit
record, the expected visit ticked off and the host's email queued. The badge is drawn and printed after
the commit: a printer that is off or missing never undoes or holds up a sign-in.

Watch list: a visitor whose name matches an active entry is not signed in. An alert is stored and the
caller must ask reception; `sign_in(..., allow_alert=ID, actor=...)` signs them in with the decision
recorded, `refuse(ID, actor)` records the refusal.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from imlate_tui.clock import Clock, utc_now
from imlate_tui.db import audit, scan_path
from imlate_tui.db import visitors as q
from imlate_tui.db.connection import write_transaction
from imlate_tui.db.models import Card, Person
from imlate_tui.db.visitor_models import ExpectedVisit, Visit, WatchAlert
from imlate_tui.domain.scanning import Direction, school_date
from imlate_tui.errors import InvalidInput
from imlate_tui.services import host_email
from imlate_tui.services.scanning import PersonView

if TYPE_CHECKING:
    from imlate_tui.config import Settings

log = logging.getLogger(__name__)


@dataclass
class VisitorDetails:
    name: str
    organisation: str
    host_id: int | None
    visit_type: str = "visitor"
    car_registration: str | None = None
    notice_accepted: bool = False
    expected_id: int | None = None
    badge_code: str | None = None
    """A returning visitor's code (typed or scanned from the badge they kept)."""


@dataclass
class VisitorSignIn:
    result: str
    """signed_in | watch_list_match | already_signed_in"""
    person: PersonView | None = None
    badge: str | None = None
    visit_id: int | None = None
    returning: bool = False
    host: str = ""
    alert_id: int | None = None
    notification_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        person = None if self.person is None else {
            "id": self.person.id, "name": self.person.name, "school_id": self.person.school_id,
            "kind": self.person.kind}
        return {"result": self.result, "person": person, "badge": self.badge, "visit": self.visit_id,
                "returning": self.returning, "host": self.host, **self.extra}


class Visitors:
    def __init__(self, settings: Settings, clock: Clock = utc_now, terminal: str | None = None) -> None:
        self.settings = settings
        self.clock = clock
        self.terminal = terminal or settings.kiosk.terminal_name

    # -- looking things up ------------------------------------------------------------------------

    def host(self, text: str) -> Person:
        """The one active member of staff `text` names (email or name); InvalidInput when none or several."""
        found = q.staff_matching(text)
        if not found:
            raise InvalidInput(f"no member of staff matches host {text!r} (give a staff name or email)")
        if len(found) > 1:
            names = ", ".join(p.display_name for p in found[:4]) + (" …" if len(found) > 4 else "")
            raise InvalidInput(f"host {text!r} is ambiguous ({names}); give the full name or the email")
        return found[0]

    def search_hosts(self, text: str, limit: int = 8) -> list[Person]:
        return q.staff_matching(text)[:limit]

    def check_type(self, visit_type: str | None) -> str:
        types = self.settings.visitors.types
        if not visit_type:
            return types[0]
        for known in types:
            if known.casefold() == q.folded(visit_type):
                return known
        raise InvalidInput(f"unknown visit type {visit_type!r} (visitors.types: {', '.join(types)})")

    def today(self) -> date:
        return school_date(self.clock(), self.settings.tz)

    # -- sign in ----------------------------------------------------------------------------------

    def sign_in(self, details: VisitorDetails, *, actor: str, source: str = "kiosk",
                allow_alert: int | None = None) -> VisitorSignIn:
        name, organisation = q.clean(details.name), q.clean(details.organisation)
        if not name:
            raise InvalidInput("the visitor's name is empty")
        if len(name) > 200 or len(organisation) > 200:
            raise InvalidInput("the name and organisation must be at most 200 characters each")
        visit_type = self.check_type(details.visit_type)
        car = q.clean(details.car_registration).upper() or None
        if car is not None and len(car) > 20:
            raise InvalidInput("the car registration must be at most 20 characters")
        with write_transaction():
            now = self.clock()
            day = school_date(now, self.tz)
            if allow_alert is None and (entry := q.watch_match(name, organisation)) is not None:
                alert = WatchAlert.create(entry=entry, name=name, organisation=organisation, at=now,
                                          terminal=self.terminal)
                log.warning("visitor %r (%s) matches watch-list entry %s: waiting for reception", name,
                            organisation, entry.id)
                return VisitorSignIn("watch_list_match", alert_id=alert.id)
            host = Person.get_or_none((Person.id == details.host_id) & (Person.kind == "staff")) \
                if details.host_id is not None else None
            if details.host_id is not None and host is None:
                raise InvalidInput("the chosen host is not a member of staff")
            expected = self._expected(details.expected_id, name, day)
            if expected is not None and q.folded(expected.name) == q.folded(name):
                name = expected.name   # as the office typed it, capitals and all
            person, returning = self._visitor(name, organisation, details.badge_code, now)
            last = scan_path.last_track_on(person.id, day)
            if last is not None and last.direction is Direction.IN:
                return VisitorSignIn("already_signed_in", PersonView.of(person), q.badge_of(person),
                                     returning=returning)
            code = q.badge_of(person)
            if code is None:
                code = q.new_badge_code()
                Card.create(code=code, person=person, created_at=now)
            track = scan_path.insert_track(person=person, at=now, day=day, direction=Direction.IN,
                                           source="keyboard" if source == "kiosk" else "manual",
                                           terminal=self.terminal, actor=actor, note=f"visitor: {visit_type}",
                                           minutes_late=None)
            visit = Visit.create(person=person, organisation=organisation, host=host,
                                 host_name=host.display_name if host else "", visit_type=visit_type,
                                 car_registration=car, badge_code=code,
                                 notice_accepted_at=now if details.notice_accepted else None, local_date=day,
                                 arrived_at=now, in_track=track.id, expected=expected, source=source)
            if expected is not None:
                ExpectedVisit.update(arrived_visit_id=visit.id).where(ExpectedVisit.id == expected.id).execute()
            if allow_alert is not None:
                self._decide(allow_alert, "allowed", actor, now, visit)
            note = host_email.queue(visit, person, host, self.settings, now)
        return VisitorSignIn("signed_in", PersonView.of(person), code, visit.id, returning,
                             host.display_name if host else "", notification_id=note.id)

    @property
    def tz(self):
        return self.settings.tz

    def _visitor(self, name: str, organisation: str, badge_code: str | None, now: datetime) -> tuple[Person, bool]:
        person = None
        if badge_code:
            person = q.visitor_by_badge(badge_code.strip().upper())
        if person is None:
            person = q.visitor_by_name(name, organisation)
        if person is not None:
            if not person.active:
                Person.update(active=True, updated_at=now).where(Person.id == person.id).execute()
            return person, True
        forename, surname = q.split_name(name)
        return Person.create(kind="visitor", forename=forename, surname=surname, created_at=now,
                             updated_at=now), False

    @staticmethod
    def _expected(expected_id: int | None, name: str, day: date) -> ExpectedVisit | None:
        if expected_id is not None:
            found = ExpectedVisit.get_or_none((ExpectedVisit.id == expected_id)
                                              & ExpectedVisit.arrived_visit_id.is_null())
            if found is not None:
                return found
        return q.expected_for(name, day)

    def _decide(self, alert_id: int, decision: str, actor: str, now: datetime, visit: Visit | None = None) -> None:
        alert = WatchAlert.get_or_none(WatchAlert.id == alert_id)
        if alert is None or alert.decision != "pending":
            raise InvalidInput("that watch-list alert is not waiting for a decision")
        WatchAlert.update(decision=decision, decided_by=actor, decided_at=now, visit=visit).where(
            WatchAlert.id == alert_id).execute()
        audit.record(at=now, actor=actor, client=self.terminal, action=f"watch_list.{decision}",
                     target=f"alert:{alert_id}", name=alert.name, organisation=alert.organisation)

    def refuse(self, alert_id: int, *, actor: str) -> None:
        """Reception turned the watch-listed visitor away (or did not confirm): recorded, not signed in."""
        with write_transaction():
            self._decide(alert_id, "refused", actor, self.clock())

    # -- pre-registration -------------------------------------------------------------------------

    def expect(self, name: str, organisation: str, host_text: str | None, day: date, *, actor: str,
               visit_type: str | None = None) -> ExpectedVisit:
        name, organisation = q.clean(name), q.clean(organisation)
        if not name:
            raise InvalidInput("the visitor's name is empty")
        host = self.host(host_text) if host_text else None
        kind = self.check_type(visit_type)
        with write_transaction():
            now = self.clock()
            row = ExpectedVisit.create(name=name, organisation=organisation, host=host, visit_type=kind,
                                       local_date=day, created_by=actor, created_at=now)
            audit.record(at=now, actor=actor, action="visitors.expect", target=f"expected:{row.id}",
                         name=name, organisation=organisation, date=day.isoformat())
        return row
