"""Visitors: sign-in and its records, repeat visitors, expected visitors, the watch list, badge-scan sign-out."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from imlate_tui.db.models import AuditEntry, Card, Person, Track
from imlate_tui.db.visitor_models import ExpectedVisit, HostNotification, Visit, WatchAlert, WatchEntry
from imlate_tui.errors import InvalidInput
from imlate_tui.services.scanning import Outcome, scan_service_for
from imlate_tui.services.visitor_tracks import sign_out
from imlate_tui.services.visitors import VisitorDetails, Visitors


def staff(forename: str, surname: str, email: str | None = None) -> Person:
    now = datetime(2026, 11, 1, tzinfo=timezone.utc)
    return Person.create(kind="staff", forename=forename, surname=surname, email=email, created_at=now, updated_at=now)


@pytest.fixture
def host(db) -> Person:
    return staff("Helen", "Okafor", "h.okafor@hillside.example")


@pytest.fixture
def visitors(db, clock) -> Visitors:
    return Visitors(db, clock)


def details(host: Person | None, name="Jane Marlowe", organisation="Acme Lifts", **kw) -> VisitorDetails:
    return VisitorDetails(name, organisation, host.id if host else None, kw.pop("visit_type", "contractor"),
                          notice_accepted=True, **kw)


def test_a_walk_in_is_signed_in_with_a_visit_a_badge_card_and_a_queued_host_email(visitors, host, clock):
    result = visitors.sign_in(details(host, car_registration="ab12 cde"), actor="kiosk:reception")
    assert result.result == "signed_in" and not result.returning and result.host == "Helen Okafor"
    person = Person.get_by_id(result.person.id)
    assert (person.kind, person.forename, person.surname) == ("visitor", "Jane", "Marlowe")
    assert Card.get(Card.person == person).code == result.badge and result.badge.startswith("V")
    track = Track.get(Track.person == person)
    assert (track.direction, track.at) == ("in", clock.now)
    visit = Visit.get_by_id(result.visit_id)
    assert (visit.organisation, visit.visit_type, visit.car_registration, visit.host_name) == (
        "Acme Lifts", "contractor", "AB12 CDE", "Helen Okafor")
    assert visit.notice_accepted_at == clock.now and visit.in_track_id == track.id
    note = HostNotification.get(HostNotification.visit == visit)
    assert (note.status, note.to_address) == ("pending", "h.okafor@hillside.example")
    assert "Jane Marlowe (Acme Lifts)" in note.subject


def test_a_repeat_visitor_by_name_and_organisation_is_not_created_twice(visitors, host, clock):
    first = visitors.sign_in(details(host), actor="k")
    sign_out(visitors.settings, badge_code=first.badge, actor="k", clock=clock)
    clock.advance(days=7)
    again = visitors.sign_in(details(host, name="  jane   MARLOWE ", organisation="acme lifts"), actor="k")
    assert again.returning and again.person.id == first.person.id and again.badge == first.badge
    assert Person.select().where(Person.kind == "visitor").count() == 1
    assert Visit.select().count() == 2
    # Same name, another organisation: another person.
    other = visitors.sign_in(details(host, organisation="Other Lifts"), actor="k")
    assert not other.returning and other.person.id != first.person.id


def test_a_repeat_visitor_is_recognised_by_the_badge_code_they_bring(visitors, host, clock):
    first = visitors.sign_in(details(host), actor="k")
    sign_out(visitors.settings, badge_code=first.badge, actor="k", clock=clock)
    clock.advance(days=1)
    again = visitors.sign_in(details(host, name="Jane Marlowe-Smith", organisation="New Co",
                                     badge_code=first.badge.lower()), actor="k")
    assert again.returning and again.person.id == first.person.id


def test_signing_in_twice_the_same_day_is_refused_as_already_signed_in(visitors, host):
    first = visitors.sign_in(details(host), actor="k")
    second = visitors.sign_in(details(host), actor="k")
    assert second.result == "already_signed_in" and second.badge == first.badge
    assert Track.select().count() == 1 and Visit.select().count() == 1


def test_scanning_the_badge_signs_the_visitor_out_and_closes_the_visit(visitors, host, clock):
    first = visitors.sign_in(details(host), actor="k")
    clock.advance(minutes=45)
    result = scan_service_for(visitors.settings, clock).scan(first.badge.lower(), source="scanner")
    assert result.result is Outcome.SIGNED_OUT and result.person.id == first.person.id
    assert Visit.get_by_id(first.visit_id).left_at == clock.now


def test_a_returning_visitor_scanning_a_kept_badge_is_signed_in_with_a_new_visit_and_host_email(visitors, host, clock):
    first = visitors.sign_in(details(host), actor="k")
    sign_out(visitors.settings, badge_code=first.badge, actor="k", clock=clock)
    clock.advance(days=1)
    result = scan_service_for(visitors.settings, clock).scan(first.badge, source="scanner")
    assert result.result is Outcome.SIGNED_IN
    visit = Visit.select().order_by(Visit.id.desc()).first()
    assert (visit.source, visit.organisation, visit.host_id) == ("scan", "Acme Lifts", host.id)
    assert HostNotification.select().where(HostNotification.visit == visit).count() == 1


def test_sign_out_by_name_refuses_an_unknown_or_absent_visitor(visitors, host, clock):
    visitors.sign_in(details(host), actor="k")
    with pytest.raises(InvalidInput, match="no visitor called 'Bob' is signed in"):
        sign_out(visitors.settings, name="Bob", actor="k", clock=clock)
    clock.advance(minutes=1)
    assert sign_out(visitors.settings, name="jane marlowe", actor="k", clock=clock).result is Outcome.SIGNED_OUT
    with pytest.raises(InvalidInput):
        sign_out(visitors.settings, name="jane marlowe", actor="k", clock=clock)


def test_an_expected_visitor_arrives_in_one_step(visitors, host, clock):
    expected = visitors.expect("Sam Lee", "Ofsted", "h.okafor@hillside.example", date(2026, 11, 24), actor="office")
    assert [e.name for e in visitors_expected(clock)] == ["Sam Lee"]
    result = visitors.sign_in(VisitorDetails("sam lee", "Ofsted", host.id, "visitor", notice_accepted=True,
                                             expected_id=expected.id), actor="k")
    assert result.person.name == "Sam Lee"   # as the office typed it
    assert ExpectedVisit.get_by_id(expected.id).arrived_visit_id == result.visit_id
    assert visitors_expected(clock) == []
    assert AuditEntry.get(AuditEntry.action == "visitors.expect").actor == "office"


def visitors_expected(clock):
    from imlate_tui.db.visitors import expected_on

    return expected_on(date(2026, 11, 24))


def test_a_watch_list_match_is_not_signed_in_until_reception_allows_it(visitors, host):
    WatchEntry.create(name="Jane Marlowe", reason="court order", created_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    held = visitors.sign_in(details(host), actor="kiosk")
    assert held.result == "watch_list_match" and held.person is None
    assert Track.select().count() == 0 and Visit.select().count() == 0
    alert = WatchAlert.get_by_id(held.alert_id)
    assert (alert.name, alert.decision) == ("Jane Marlowe", "pending")
    allowed = visitors.sign_in(details(host), actor="kiosk:reception (PIN)", allow_alert=held.alert_id)
    assert allowed.result == "signed_in"
    alert = WatchAlert.get_by_id(held.alert_id)
    assert (alert.decision, alert.decided_by, alert.visit_id) == ("allowed", "kiosk:reception (PIN)", allowed.visit_id)
    assert AuditEntry.get(AuditEntry.action == "watch_list.allowed").target == f"alert:{held.alert_id}"


def test_a_refused_watch_list_match_is_recorded_and_not_signed_in(visitors, host):
    WatchEntry.create(name="jane marlowe", organisation="Acme Lifts", created_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert visitors.sign_in(details(host, organisation="Other Co"), actor="k").result == "signed_in"  # other org
    held = visitors.sign_in(details(host, name="Jane Marlowe", organisation="ACME lifts"), actor="k")
    assert held.result == "watch_list_match"
    visitors.refuse(held.alert_id, actor="reception")
    assert WatchAlert.get_by_id(held.alert_id).decision == "refused"
    with pytest.raises(InvalidInput):
        visitors.refuse(held.alert_id, actor="reception")   # decided once


def test_host_lookup_by_email_or_name_and_clear_errors(visitors, host):
    staff("Tom", "Brennan")
    staff("Tom", "Brennan-Smith", "tbs@hillside.example")
    assert visitors.host("H.OKAFOR@hillside.example").id == host.id
    assert visitors.host("tom brennan").surname == "Brennan"   # exact name beats the longer one
    with pytest.raises(InvalidInput, match="ambiguous"):
        visitors.host("tom")
    with pytest.raises(InvalidInput, match="no member of staff"):
        visitors.host("nobody")


def test_a_host_without_email_gives_a_skipped_notification_saying_why(visitors):
    bare = staff("Ann", "Nomail")
    result = visitors.sign_in(details(bare), actor="k")
    note = HostNotification.get_by_id(result.notification_id)
    assert (note.status, note.last_error) == ("skipped", "Ann Nomail has no email address")


def test_bad_input_is_refused_with_one_sentence(visitors, host):
    with pytest.raises(InvalidInput, match="name is empty"):
        visitors.sign_in(details(host, name="  "), actor="k")
    with pytest.raises(InvalidInput, match="unknown visit type 'plumber'"):
        visitors.sign_in(details(host, visit_type="plumber"), actor="k")
    assert Person.select().where(Person.kind == "visitor").count() == 0
