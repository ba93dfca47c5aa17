"""Counting and deleting what retention purges: register writes, attendance intents and tracks of
school-local days before a cutoff. People, cards, job runs and the audit log are never touched here.
"""

from __future__ import annotations

from datetime import date

from peewee import Expression

from imlate_tui.db.connection import write_transaction
from imlate_tui.db.models import AttendanceIntent, AttendanceWrite, Track


def _old_tracks(cutoff: date) -> Expression:
    return Track.local_date < cutoff


def _old_intents(cutoff: date) -> Expression:
    # An intent shares its track's day; the track clause also catches any row whose day disagrees,
    # so deleting a track never has to lean on ON DELETE CASCADE for its count.
    return ((AttendanceIntent.local_date < cutoff)
            | AttendanceIntent.track.in_(Track.select(Track.id).where(_old_tracks(cutoff))))


def _old_writes(cutoff: date) -> Expression:
    # Writes of purged intents, and writes with no intent (automatic absence marking) of old days.
    return ((AttendanceWrite.local_date < cutoff)
            | AttendanceWrite.intent.in_(AttendanceIntent.select(AttendanceIntent.id).where(_old_intents(cutoff))))


TABLES = (("register_writes", AttendanceWrite, _old_writes),
          ("attendance_intents", AttendanceIntent, _old_intents),
          ("tracks", Track, _old_tracks))
"""Children first, so no delete depends on a cascade."""


def count_before(cutoff: date) -> dict[str, int]:
    return {name: model.select().where(where(cutoff)).count() for name, model, where in TABLES}


def delete_before(cutoff: date, chunk: int = 500) -> dict[str, int]:
    """Delete in chunks, each its own short write transaction, so a kiosk scanning meanwhile waits
    at most one chunk for the write lock."""
    deleted = {}
    for name, model, where in TABLES:
        deleted[name] = 0
        while True:
            with write_transaction():
                ids = [row.id for row in model.select(model.id).where(where(cutoff))
                       .order_by(model.id).limit(chunk)]
                if not ids:
                    break
                deleted[name] += model.delete().where(model.id.in_(ids)).execute()
    return deleted
