"""Writes of the staff sync: only the synced columns, never cards, photos or notes."""

from __future__ import annotations

from datetime import datetime

from imlate_tui.db.models import Person
from imlate_tui.domain.sync_hash import StaffFields


def by_employee_id() -> dict[int, Person]:
    """Everyone carrying an iSAMS employee id (staff added by hand have none and are left alone)."""
    return {p.isams_employee_id: p for p in Person.select().where(Person.isams_employee_id.is_null(False))}


def _columns(fields: StaffFields) -> dict[str, object]:
    return {"forename": fields.forename, "surname": fields.surname, "preferred_name": fields.preferred_name,
            "leaving_date": fields.leaving_date}


def create(fields: StaffFields, sync_hash: int, active: bool, now: datetime) -> Person:
    return Person.create(kind="staff", isams_employee_id=fields.isams_employee_id, sync_hash=sync_hash,
                         active=active, created_at=now, updated_at=now, **_columns(fields))


def update(person_id: int, fields: StaffFields, sync_hash: int, active: bool, now: datetime) -> None:
    Person.update(sync_hash=sync_hash, active=active, updated_at=now, **_columns(fields)) \
        .where(Person.id == person_id).execute()



def fill_emails(addresses: dict[int, str]) -> int:
    """Synced staff keep their iSAMS school email (where host notifications go): written only where it
    differs, so an unchanged re-sync writes nothing; a person iSAMS gives no address for keeps theirs."""
    from imlate_tui.db.connection import write_transaction

    changed = 0
    with write_transaction():
        for person in Person.select(Person.id, Person.email, Person.isams_employee_id).where(
                Person.isams_employee_id.in_(list(addresses))):
            wanted = addresses[person.isams_employee_id].strip()
            if wanted and person.email != wanted:
                changed += Person.update(email=wanted).where(Person.id == person.id).execute()
    return changed
