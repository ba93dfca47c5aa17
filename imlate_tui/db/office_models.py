"""Tables of the attendance office's day: lost cards, and fire roll calls.

Kept apart from `models.py` so the office's features merge without touching the core tables; they
are created by migration step 8 (`migrations.py`).
"""

from __future__ import annotations

from peewee import BooleanField, CharField, ForeignKeyField, IntegerField, TextField

from imlate_tui.db.fields import UtcDateTimeField
from imlate_tui.db.models import BaseModel, Person


class RevokedCard(BaseModel):
    """A card reported lost. Revoking moves the code here from `card`, so the scan path (which only
    reads `card`) stays as it was; only an unknown code is looked up here."""

    code = CharField(max_length=64, index=True)
    """Trimmed and upper-cased, like `Card.code`."""
    person = ForeignKeyField(Person, backref="revoked_cards", on_delete="RESTRICT")
    """Whose card it was."""
    revoked_at = UtcDateTimeField()
    revoked_by = CharField(max_length=64)
    """The OS user, or `kiosk:<terminal>` for the kiosk."""
    client = CharField(max_length=100, default="")
    note = TextField(default="")


class RollCall(BaseModel):
    """One fire roll call: started, marshals mark people found, ended with a result."""

    started_at = UtcDateTimeField()
    started_by = CharField(max_length=64)
    ended_at = UtcDateTimeField(null=True)
    ended_by = CharField(max_length=64, null=True)
    total = IntegerField(default=0)
    """How many were on site when it started."""


class RollCallEntry(BaseModel):
    """Someone on site when the roll call started: frozen then, so later scans do not change the list."""

    roll_call = ForeignKeyField(RollCall, backref="entries", on_delete="CASCADE")
    person = ForeignKeyField(Person, on_delete="RESTRICT")
    name = CharField(max_length=200)
    kind = CharField(max_length=10)
    group_name = CharField(max_length=100)
    """"Staff", "Visitors" or "Year 9 · 9B" (as on the fire list)."""
    sort_key = IntegerField(default=0)
    """Order of the groups as on the fire list."""
    signed_in_at = UtcDateTimeField(null=True)
    found = BooleanField(default=False)
    found_at = UtcDateTimeField(null=True)
    found_by = CharField(max_length=64, null=True)

    class Meta:
        indexes = ((("roll_call", "person"), True),)


OFFICE_MODELS = [RevokedCard, RollCall, RollCallEntry]
