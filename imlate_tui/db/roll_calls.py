"""Queries for fire roll calls (the tables are in `office_models.py`)."""

from __future__ import annotations

from datetime import datetime

from imlate_tui.db.connection import database, is_sqlite
from imlate_tui.db.office_models import RollCall, RollCallEntry


def lock_roll_calls() -> None:
    """Inside a write transaction: one roll call starts at a time (SQLite's writer lock does this)."""
    if not is_sqlite():
        database.execute_sql("LOCK TABLE roll_call IN SHARE ROW EXCLUSIVE MODE")


def running() -> RollCall | None:
    return RollCall.select().where(RollCall.ended_at.is_null()).order_by(RollCall.id.desc()).first()


def latest() -> RollCall | None:
    return RollCall.select().order_by(RollCall.id.desc()).first()


def entries(roll_call_id: int) -> list[RollCallEntry]:
    return list(RollCallEntry.select().where(RollCallEntry.roll_call == roll_call_id)
                .order_by(RollCallEntry.sort_key, RollCallEntry.id))   # ids follow the fire list's order


def set_found(entry_id: int, found: bool, *, now: datetime, by: str) -> int:
    """Mark found (keeping who found them first) or not found; returns rows changed."""
    query = RollCallEntry.update(found=found, found_at=now if found else None, found_by=by if found else None)
    return query.where((RollCallEntry.id == entry_id) & (RollCallEntry.found == (not found))).execute()
