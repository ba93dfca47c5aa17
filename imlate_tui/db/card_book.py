"""Queries about cards in use and cards reported lost (`revoked_card`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from imlate_tui.db.models import Card, Person
from imlate_tui.db.office_models import RevokedCard


@dataclass(frozen=True)
class CardRow:
    code: str
    person: Person
    status: str
    """"active" or "revoked"."""
    since: datetime
    """When it was given (active) or revoked."""
    by: str = ""


def revoked(code: str) -> RevokedCard | None:
    """The newest revocation of a normalised code (only asked after the card table had no match)."""
    return (RevokedCard.select(RevokedCard, Person).join(Person)
            .where(RevokedCard.code == code).order_by(RevokedCard.revoked_at.desc()).first())


def move_to_revoked(card: Card, *, now: datetime, by: str, client: str, note: str) -> RevokedCard:
    """Take a card out of use: its row leaves `card` and a `revoked_card` row records whose it was."""
    row = RevokedCard.create(code=card.code, person=card.person_id, revoked_at=now, revoked_by=by,
                             client=client, note=note)
    Card.delete().where(Card.id == card.id).execute()
    return row


def card(code: str) -> Card | None:
    return Card.select(Card, Person).join(Person).where(Card.code == code).first()


def card_rows(person: Person | None = None) -> list[CardRow]:
    """Cards in use, then cards reported lost, each with their person; one person's when given."""
    cards = Card.select(Card, Person).join(Person)
    lost = RevokedCard.select(RevokedCard, Person).join(Person)
    if person is not None:
        cards = cards.where(Card.person == person.id)
        lost = lost.where(RevokedCard.person == person.id)
    rows = [CardRow(c.code, c.person, "active", c.created_at) for c in cards.order_by(Card.code)]
    rows += [CardRow(r.code, r.person, "revoked", r.revoked_at, r.revoked_by)
             for r in lost.order_by(RevokedCard.revoked_at.desc(), RevokedCard.id.desc())]
    return rows


def codes_of(person_ids: list[int]) -> dict[int, list[str]]:
    """The cards in use of these people, by person id (for a screen listing search results)."""
    found: dict[int, list[str]] = {pid: [] for pid in person_ids}
    if person_ids:
        for c in Card.select(Card.code, Card.person).where(Card.person.in_(person_ids)).order_by(Card.code):
            found[c.person_id].append(c.code)
    return found
