"""Queries about people and their cards."""

from __future__ import annotations

from datetime import datetime

from peewee import fn

from imlate_tui.db.models import Card, Person
from imlate_tui.errors import InvalidInput


def card_owner(code: str) -> Person | None:
    card = Card.select(Card, Person).join(Person).where(Card.code == code).first()
    return card.person if card else None


def assign_card(person: Person, code: str, now: datetime) -> bool:
    """Give `code` to `person`. Returns False when they already have it; refuses another owner's card."""
    owner = card_owner(code)
    if owner is not None:
        if owner.id == person.id:
            return False
        raise InvalidInput(f"card {code} already belongs to {owner.display_name}; remove it there first")
    Card.create(code=code, person=person, created_at=now)
    return True


def by_school_ids(school_ids: set[str]) -> dict[str, Person]:
    if not school_ids:
        return {}
    rows = Person.select().where(Person.school_id.in_(list(school_ids)))
    return {p.school_id: p for p in rows}


def find_local(kind: str, forename: str, surname: str) -> Person | None:
    """A locally added person (no iSAMS id) of this kind and name, compared case-insensitively."""
    return (Person.select()
            .where((Person.kind == kind) & Person.isams_id.is_null()
                   & (fn.LOWER(Person.forename) == forename.lower())
                   & (fn.LOWER(Person.surname) == surname.lower()))
            .first())


def search(text: str, limit: int = 20) -> list[Person]:
    """Active people whose name or school id contains every word of `text`."""
    query = Person.select().where(Person.active == True)  # noqa: E712 (peewee expression)
    for word in text.lower().split():
        query = query.where(
            fn.LOWER(Person.forename).contains(word) | fn.LOWER(Person.surname).contains(word)
            | fn.LOWER(fn.COALESCE(Person.preferred_name, "")).contains(word)
            | fn.LOWER(fn.COALESCE(Person.school_id, "")).contains(word)
        )
    return list(query.order_by(Person.surname, Person.forename).limit(limit))


def cards_of(person: Person) -> list[str]:
    return [c.code for c in Card.select(Card.code).where(Card.person == person).order_by(Card.code)]

