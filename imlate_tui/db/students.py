"""Writes of the student sync: only the synced columns, never cards, photos or notes."""

from __future__ import annotations

from datetime import datetime

from imlate_tui.db.models import Person
from imlate_tui.domain.sync_hash import SyncedFields


def by_isams_id() -> dict[int, Person]:
    return {p.isams_id: p for p in Person.select().where(Person.isams_id.is_null(False))}


def _columns(fields: SyncedFields) -> dict[str, object]:
    return {"school_id": fields.school_id, "forename": fields.forename, "surname": fields.surname,
            "preferred_name": fields.preferred_name, "year_group": fields.year_group,
            "form_group": fields.form_group, "leaving_date": fields.leaving_date,
            "latest_photo_id": fields.latest_photo_id,
            "division_ids": ",".join(str(d) for d in sorted(fields.division_ids))}


def create(fields: SyncedFields, sync_hash: int, active: bool, now: datetime) -> Person:
    return Person.create(kind="student", isams_id=fields.isams_id, sync_hash=sync_hash, active=active,
                         created_at=now, updated_at=now, **_columns(fields))


def update(person_id: int, fields: SyncedFields, sync_hash: int, active: bool, now: datetime) -> None:
    Person.update(sync_hash=sync_hash, active=active, updated_at=now, **_columns(fields)) \
        .where(Person.id == person_id).execute()


def set_active(person_ids: list[int], active: bool, now: datetime) -> int:
    if not person_ids:
        return 0
    return Person.update(active=active, updated_at=now).where(Person.id.in_(person_ids)).execute()
