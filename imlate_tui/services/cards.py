"""Lost cards: revoke one, list cards, give a replacement.

Revoking moves the code from `card` to `revoked_card` (who revoked it, when, whose it was) in one
write transaction with its audit entry. The kiosk's scan path is untouched: it still finds people
through `card` only, and only a code it does not know is looked up among the revoked ones, so a
lost card scanned at the kiosk says "reported lost" instead of "not recognised" and records nothing.
A replacement is an ordinary card assignment. If the lost card turns up, assigning it again puts it
back in `card` and it works at once (the revocation stays as history).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from imlate_tui.db import audit, card_book
from imlate_tui.db.card_book import CardRow
from imlate_tui.db.connection import write_transaction
from imlate_tui.db.models import Person
from imlate_tui.domain.scanning import normalise_code
from imlate_tui.errors import InvalidInput

if TYPE_CHECKING:
    from imlate_tui.config import Settings


def revoke_card(settings: Settings, raw_code: str, *, now: datetime, actor: str, client: str = "",
                note: str = "", person_id: int | None = None) -> CardRow:
    """Revoke a card in use. With `person_id`, refuses a card that belongs to someone else (a screen
    that showed one person's cards must not revoke another's)."""
    code = normalise_code(raw_code, settings.scanner.max_length)
    with write_transaction():
        card = card_book.card(code)
        if card is None:
            earlier = card_book.revoked(code)
            if earlier is not None:
                raise InvalidInput(f"card {code} was already revoked on {earlier.revoked_at.astimezone(settings.tz):%d %b %Y %H:%M}"
                                   f" (it was {earlier.person.display_name}'s)")
            raise InvalidInput(f"no card {code}: `imlate cards list` shows the cards in use")
        person = card.person
        if person_id is not None and person.id != person_id:
            raise InvalidInput(f"card {code} belongs to {person.display_name}, not to this person")
        row = card_book.move_to_revoked(card, now=now, by=actor, client=client, note=note.strip())
        audit.record(at=now, actor=actor, client=client, action="revoke_card", target=f"person:{person.id}",
                     card=code, name=person.display_name, **({"note": note.strip()} if note.strip() else {}))
    return CardRow(code, person, "revoked", row.revoked_at, actor)


def list_cards(school_id: str | None = None) -> list[CardRow]:
    if school_id is None:
        return card_book.card_rows()
    person = Person.get_or_none(Person.school_id == school_id.strip())
    if person is None:
        raise InvalidInput(f"no person with school id {school_id.strip()}")
    return card_book.card_rows(person)


def cards_text(rows: list[CardRow], settings: Settings) -> str:
    if not rows:
        return "no cards"
    lines = [f"{'Card':<20} {'Status':<8} {'Since':<16} {'School id':<12} Name"]
    for r in rows:
        since = r.since.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
        lines.append(f"{r.code:<20} {r.status:<8} {since:<16} {r.person.school_id or '':<12} "
                     f"{r.person.display_name}{'  (revoked by ' + r.by + ')' if r.by else ''}")
    active = sum(1 for r in rows if r.status == "active")
    lines.append(f"{active} in use, {len(rows) - active} revoked")
    return "\n".join(lines)


def cards_json(rows: list[CardRow]) -> list[dict[str, Any]]:
    return [{"code": r.code, "status": r.status, "since": r.since.isoformat(), "by": r.by or None,
             "person": {"id": r.person.id, "name": r.person.display_name, "school_id": r.person.school_id,
                        "kind": r.person.kind}} for r in rows]
