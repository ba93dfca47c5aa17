"""Local demo people (staff and visitors with cards) for `imlate demo` and the benchmarks.

Students come from the iSAMS simulator; these are the people a school adds by CSV.
"""

from __future__ import annotations

from datetime import datetime

from imlate_tui.db import people
from imlate_tui.db.connection import write_transaction
from imlate_tui.db.models import Person

DEMO_STAFF = [("Helen", "Okafor", "STAFF-001"), ("Tom", "Brennan", "STAFF-002"), ("Priya", "Shah", "STAFF-003")]
DEMO_VISITORS = [("Visitor", "Badge 1", "VISITOR-01"), ("Visitor", "Badge 2", "VISITOR-02")]


def seed_local_people(now: datetime) -> list[tuple[str, str]]:
    """Create the demo staff and visitor badges (idempotent). Returns (name, card) pairs."""
    shown = []
    with write_transaction():
        for kind, rows in (("staff", DEMO_STAFF), ("visitor", DEMO_VISITORS)):
            for forename, surname, card in rows:
                person = people.find_local(kind, forename, surname) or Person.create(
                    kind=kind, forename=forename, surname=surname, created_at=now, updated_at=now)
                people.assign_card(person, card, now)
                shown.append((person.display_name, card))
    return shown
