"""Tables of the visitor module: visits, expected visitors, the watch list and the host-email outbox.

A visitor is an ordinary `Person` of kind "visitor"; their badge code is an ordinary `Card` of theirs, so
the kiosk's scan path finds them (scanning the badge signs them out). A `Visit` is one stay on site: who
they came to see, the type, the car, the notice they accepted, the tracks that opened and closed it.
"""

from __future__ import annotations

from peewee import BooleanField, CharField, DateField, ForeignKeyField, IntegerField, TextField

from imlate_tui.db.fields import UtcDateTimeField
from imlate_tui.db.models import BaseModel, Person, Track

NOTIFICATION_STATUSES = ("pending", "sent", "failed", "skipped")


class ExpectedVisit(BaseModel):
    """A visitor pre-registered for a day; arrival at the kiosk is one step."""

    name = CharField(max_length=200)
    organisation = CharField(max_length=200, default="")
    host = ForeignKeyField(Person, null=True, on_delete="SET NULL", backref="+")
    visit_type = CharField(max_length=50, default="visitor")
    local_date = DateField()
    created_by = CharField(max_length=64, default="")
    created_at = UtcDateTimeField()
    arrived_visit_id = IntegerField(null=True)
    """The visit that fulfilled it (None: not arrived yet)."""

    class Meta:
        indexes = ((("local_date",), False),)


class Visit(BaseModel):
    person = ForeignKeyField(Person, backref="visits", on_delete="CASCADE")
    organisation = CharField(max_length=200, default="")
    host = ForeignKeyField(Person, null=True, on_delete="SET NULL", backref="+")
    host_name = CharField(max_length=200, default="")
    """As shown on the badge when the visit began (the host record may change later)."""
    visit_type = CharField(max_length=50, default="visitor")
    car_registration = CharField(max_length=20, null=True)
    badge_code = CharField(max_length=64)
    notice_accepted_at = UtcDateTimeField(null=True)
    local_date = DateField()
    arrived_at = UtcDateTimeField()
    left_at = UtcDateTimeField(null=True)
    in_track = ForeignKeyField(Track, null=True, on_delete="SET NULL", backref="+")
    out_track = ForeignKeyField(Track, null=True, on_delete="SET NULL", backref="+")
    expected = ForeignKeyField(ExpectedVisit, null=True, on_delete="SET NULL", backref="+")
    badge_path = CharField(max_length=255, null=True)
    badge_printed = BooleanField(default=False)
    print_error = TextField(null=True)
    source = CharField(max_length=10, default="kiosk")
    """kiosk | cli | scan (a returning visitor scanned the badge they kept)"""

    class Meta:
        indexes = ((("local_date", "left_at"), False), (("person", "arrived_at"), False))


class WatchEntry(BaseModel):
    """A name the school flags (barred or restricted). Operators manage the list; every change is audited."""

    name = CharField(max_length=200)
    organisation = CharField(max_length=200, null=True)
    """When set, only a visitor from this organisation matches."""
    reason = TextField(default="")
    active = BooleanField(default=True)
    created_by = CharField(max_length=64, default="")
    created_at = UtcDateTimeField()


class WatchAlert(BaseModel):
    """A visitor who matched the watch list, and what reception decided."""

    entry = ForeignKeyField(WatchEntry, null=True, on_delete="SET NULL", backref="alerts")
    name = CharField(max_length=200)
    organisation = CharField(max_length=200, default="")
    at = UtcDateTimeField()
    terminal = CharField(max_length=64, default="")
    decision = CharField(max_length=10, default="pending")
    """pending | allowed | refused"""
    decided_by = CharField(max_length=64, null=True)
    decided_at = UtcDateTimeField(null=True)
    visit = ForeignKeyField(Visit, null=True, on_delete="SET NULL", backref="+")


class HostNotification(BaseModel):
    """The host-email outbox: written in the visitor's sign-in transaction, delivered in the background."""

    visit = ForeignKeyField(Visit, backref="notifications", on_delete="CASCADE")
    to_address = CharField(max_length=254, default="")
    subject = CharField(max_length=300)
    body = TextField()
    message_id = CharField(max_length=200)
    """The same Message-ID on every attempt, so a mail system can tell a retry from a second email."""
    status = CharField(max_length=10, default="pending")
    """pending | sent | failed (given up) | skipped (no address)"""
    attempts = IntegerField(default=0)
    next_attempt_at = UtcDateTimeField()
    claimed_until = UtcDateTimeField(null=True)
    last_error = TextField(null=True)
    sent_at = UtcDateTimeField(null=True)
    created_at = UtcDateTimeField()

    class Meta:
        indexes = ((("status", "next_attempt_at"), False),)


VISITOR_MODELS = [ExpectedVisit, Visit, WatchEntry, WatchAlert, HostNotification]
