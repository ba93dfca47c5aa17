"""Queries of the visitor module: repeat visitors, hosts, the watch list, who is on site, expected visits."""

from __future__ import annotations

from datetime import date, datetime

from peewee import fn

from imlate_tui.db.models import Card, Person, Track
from imlate_tui.db.visitor_models import ExpectedVisit, Visit, WatchEntry

# No 0/O, 1/I/L, 5/S, 2/Z: a badge code read aloud or typed from the label is not mistaken.
_CODE_ALPHABET = "346789ABCDEFGHJKMNPQRTUVWXY"


def clean(text: str | None) -> str:
    """Whitespace collapsed; the form in which names and organisations are stored."""
    return " ".join((text or "").split())


def folded(text: str | None) -> str:
    return clean(text).casefold()


def split_name(name: str) -> tuple[str, str]:
    forename, _, surname = clean(name).rpartition(" ")
    return forename, surname


def new_badge_code() -> str:
    """A fresh badge code, `V` and seven characters, not held by any card."""
    import secrets   # here: the scan path imports this module and never makes a badge

    while True:
        code = "V" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(7))
        if not Card.select().where(Card.code == code).exists():
            return code


def visitor_by_name(name: str, organisation: str) -> Person | None:
    """A returning visitor: the same name, whose latest visit was for the same organisation."""
    forename, surname = split_name(name)
    candidates = (Person.select()
                  .where((Person.kind == "visitor")
                         & (fn.LOWER(Person.forename) == forename.lower())
                         & (fn.LOWER(Person.surname) == surname.lower()))
                  .order_by(Person.id))
    for person in candidates:
        last = latest_visit(person.id)
        if last is not None and folded(last.organisation) == folded(organisation):
            return person
    return None


def visitor_by_badge(code: str) -> Person | None:
    card = Card.select(Card, Person).join(Person).where((Card.code == code) & (Person.kind == "visitor")).first()
    return card.person if card else None


def badge_of(person: Person) -> str | None:
    card = Card.select(Card.code).where(Card.person == person).order_by(Card.id).first()
    return card.code if card else None


def latest_visit(person_id: int) -> Visit | None:
    return (Visit.select().where(Visit.person == person_id)
            .order_by(Visit.arrived_at.desc(), Visit.id.desc()).first())


def open_visit(person_id: int, day: date) -> Visit | None:
    return (Visit.select().where((Visit.person == person_id) & (Visit.local_date == day) & Visit.left_at.is_null())
            .order_by(Visit.id.desc()).first())


def staff_matching(text: str) -> list[Person]:
    """Active staff whose email is `text`, or else whose name is `text` exactly, or else contains every word."""
    wanted = folded(text)
    if not wanted:
        return []
    staff = Person.select().where((Person.kind == "staff") & (Person.active == True))  # noqa: E712
    by_email = list(staff.where(fn.LOWER(Person.email) == wanted))
    if by_email:
        return by_email
    everyone = list(staff.order_by(Person.surname, Person.forename))
    exact = [p for p in everyone if wanted in (folded(p.display_name), folded(f"{p.forename} {p.surname}"))]
    if exact:
        return exact
    words = wanted.split()
    return [p for p in everyone
            if all(w in folded(f"{p.forename} {p.surname} {p.preferred_name or ''} {p.email or ''}") for w in words)]


def watch_match(name: str, organisation: str) -> WatchEntry | None:
    """The active watch-list entry this visitor matches: the same name (and organisation, when the entry names one)."""
    wanted, org = folded(name), folded(organisation)
    for entry in WatchEntry.select().where(WatchEntry.active == True).order_by(WatchEntry.id):  # noqa: E712
        if folded(entry.name) == wanted and (not entry.organisation or folded(entry.organisation) == org):
            return entry
    return None


def visitors_on_site(day: date) -> list[tuple[Person, Visit | None, datetime]]:
    """Visitors whose last track today is a sign-in, with their visit, oldest arrival first.

    Status comes from the tracks (as for everyone), so a sign-out made anywhere — the kiosk, a scan, the
    auto sign-out — takes the visitor off the list."""
    last_at = (Track.select(Track.person, fn.MAX(Track.at).alias("last_at"))
               .where(Track.local_date == day).group_by(Track.person))
    rows = (Track.select(Track, Person).join(Person)
            .join(last_at, on=((Track.person == last_at.c.person_id) & (Track.at == last_at.c.last_at)))
            .where((Person.kind == "visitor") & (Track.local_date == day)))
    result = []
    for track in rows:
        if track.direction == "in":
            result.append((track.person, open_visit(track.person.id, day) or latest_visit(track.person.id), track.at))
    return sorted(result, key=lambda row: row[2])


def visits_between(first: date, last: date) -> list[Visit]:
    return list(Visit.select(Visit, Person).join(Person, on=(Visit.person == Person.id))
                .where((Visit.local_date >= first) & (Visit.local_date <= last))
                .order_by(Visit.arrived_at.desc()))


def expected_on(day: date, *, waiting_only: bool = True) -> list[ExpectedVisit]:
    query = ExpectedVisit.select().where(ExpectedVisit.local_date == day)
    if waiting_only:
        query = query.where(ExpectedVisit.arrived_visit_id.is_null())
    return list(query.order_by(ExpectedVisit.name))


def expected_for(name: str, day: date) -> ExpectedVisit | None:
    wanted = folded(name)
    return next((e for e in expected_on(day) if folded(e.name) == wanted), None)
