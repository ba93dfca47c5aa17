"""Queries about people and their cards."""

from __future__ import annotations

from datetime import datetime

from peewee import fn

from imlate_tui.db.connection import database
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



CHUNK = 500
"""Values per IN (...) query: well under SQLite's limit on bound parameters."""
# The bulk queries below are plain SQL: for 100,000 cards peewee spent over 80% of the time building
# SQL text, much of it while the import held the write lock.


def _in_chunks(sql: str, values: list) -> list[tuple]:
    """Run `sql` (with one `{}` for the IN list) over `values` in chunks; all rows."""
    rows: list[tuple] = []
    for i in range(0, len(values), CHUNK):
        part = values[i:i + CHUNK]
        marks = ", ".join([database.param] * len(part))
        rows += database.execute_sql(sql.format(marks), part).fetchall()
    return rows


def people_by_school_ids(school_ids: set[str]) -> dict[str, int]:
    """School id → person id, for any number of ids."""
    return {sid: pid for pid, sid in _in_chunks("SELECT id, school_id FROM person WHERE school_id IN ({})",
                                                sorted(school_ids))}


def card_holders(codes: list[str]) -> dict[str, int]:
    """Card code → the person id holding it, for those of `codes` that are taken."""
    return dict(_in_chunks("SELECT code, person_id FROM card WHERE code IN ({})", codes))


def display_names(person_ids: set[int]) -> dict[int, str]:
    ids = sorted(person_ids)
    names: dict[int, str] = {}
    for i in range(0, len(ids), CHUNK):
        names.update({p.id: p.display_name for p in Person.select().where(Person.id.in_(ids[i:i + CHUNK]))})
    return names


def add_cards(cards: list[tuple[int, str]], now: datetime) -> None:
    """Insert (person id, code) cards, one prepared statement for all."""
    if cards:
        at = Card.created_at.db_value(now)
        p = database.param
        database.cursor().executemany(f"INSERT INTO card (code, person_id, created_at) VALUES ({p}, {p}, {p})",
                                      [(code, pid, at) for pid, code in cards])


def remove_cards(codes: list[str]) -> None:
    for i in range(0, len(codes), CHUNK):
        Card.delete().where(Card.code.in_(codes[i:i + CHUNK])).execute()
