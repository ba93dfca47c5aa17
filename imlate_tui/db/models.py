"""The tables. Instants are UTC (`UtcDateTimeField`); days are school-local `DateField`s.

Portable on purpose: plain column types, no SQLite-only features in the models, so the same classes
run on PostgreSQL. Engine-specific DDL (expression indexes, append-only triggers) lives in
`migrations.py`.
"""

from __future__ import annotations

from peewee import (
    BigIntegerField, BooleanField, CharField, DateField, ForeignKeyField, IntegerField, Model, TextField,
)

from imlate_tui.db.connection import database
from imlate_tui.db.fields import UtcDateTimeField

PERSON_KINDS = ("student", "staff", "visitor")
DIRECTIONS = ("in", "out")
SOURCES = ("scanner", "keyboard", "manual", "import")


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


def display_name(person) -> str:
    """How a person is named on screens and lists: preferred name or forename, then surname (a `Person`
    or a roster's `RosterPerson`)."""
    first = person.preferred_name or person.forename
    return " ".join(part for part in (first, person.surname) if part) or (person.school_id or f"#{person.id}")


class Person(BaseModel):
    kind = CharField(max_length=10)
    isams_id = BigIntegerField(null=True, unique=True)
    """iSAMS student id (students only)."""
    isams_employee_id = BigIntegerField(null=True, unique=True)
    """iSAMS HR employee id (staff synced from iSAMS); a separate id space that may overlap student ids."""
    school_id = CharField(max_length=64, null=True, unique=True)
    forename = CharField(max_length=100, default="")
    surname = CharField(max_length=100, default="")
    preferred_name = CharField(max_length=100, null=True)
    year_group = IntegerField(null=True)
    form_group = CharField(max_length=32, null=True)
    division_ids = CharField(max_length=200, default="")
    """Sorted, comma-separated iSAMS division ids of the person's year group."""
    active = BooleanField(default=True)
    leaving_date = DateField(null=True)
    sync_hash = BigIntegerField(null=True)
    """CRC-64/GO-ISO of the synced fields, stored signed (SQLite has no unsigned 64-bit)."""
    latest_photo_id = BigIntegerField(null=True)
    """iSAMS's latestPhotoId, as the last student sync saw it."""
    photo_id = BigIntegerField(null=True)
    """The latestPhotoId of the photo stored at photo_path; photo sync downloads when the two differ."""
    photo_path = CharField(max_length=255, null=True)
    notes = TextField(null=True)
    created_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()
    email = CharField(max_length=254, null=True)
    """Staff: where host notifications go (people import, or iSAMS for synced staff)."""

    class Meta:
        indexes = ((("kind", "active"), False), (("surname", "forename"), False))

    @property
    def display_name(self) -> str:
        return display_name(self)

    @property
    def divisions(self) -> list[int]:
        return [int(d) for d in self.division_ids.split(",") if d]


class Card(BaseModel):
    code = CharField(max_length=64, unique=True)
    """Trimmed and upper-cased, so lookups are case-insensitive."""
    person = ForeignKeyField(Person, backref="cards", on_delete="RESTRICT")
    created_at = UtcDateTimeField()


class Track(BaseModel):
    person = ForeignKeyField(Person, backref="tracks", on_delete="RESTRICT")
    at = UtcDateTimeField()
    local_date = DateField()
    """The school-local day the instant belongs to (midnight to midnight in `timezone`)."""
    direction = CharField(max_length=3)
    source = CharField(max_length=10)
    terminal = CharField(max_length=64, default="")
    actor = CharField(max_length=64, null=True)
    note = TextField(null=True)
    minutes_late = IntegerField(null=True)
    reason = CharField(max_length=200, null=True)
    voided_at = UtcDateTimeField(null=True)
    """A mistaken scan, voided by an operator: kept, but left out of alternation, rosters and reports."""
    voided_by = CharField(max_length=64, null=True)
    void_reason = CharField(max_length=200, null=True)

    class Meta:
        # The kiosk asks "this person's last track today" on every scan; the roster asks "today".
        indexes = ((("person", "local_date", "at"), False), (("local_date", "at"), False))


class AuditEntry(BaseModel):
    """Append-only: triggers (see migrations) refuse UPDATE and DELETE."""

    at = UtcDateTimeField()
    actor = CharField(max_length=64)
    client = CharField(max_length=100, default="")
    action = CharField(max_length=50)
    target = CharField(max_length=200, default="")
    details = TextField(default="")


class JobRun(BaseModel):
    """One run of one job, scheduled or by hand: what it did and how it ended."""

    job = CharField(max_length=40)
    trigger = CharField(max_length=20)
    """schedule | manual | start"""
    started_at = UtcDateTimeField()
    finished_at = UtcDateTimeField(null=True)
    outcome = CharField(max_length=20, default="running")
    """running | ok | failed | interrupted (its process ended first: `job_runs.mark_interrupted`)"""
    dry_run = BooleanField(default=False)
    counts = TextField(default="{}")
    error = TextField(null=True)
    host = CharField(max_length=100, default="")
    pid = IntegerField(default=0)
    process = CharField(max_length=80, default="")
    """Which process that pid was: "<boot id>:<start tick>" (a pid is reused, across reboots too)."""

    class Meta:
        indexes = ((("job", "started_at"), False),)


class RegistrationCode(BaseModel):
    """iSAMS absence and present codes, the last good copy (a failed fetch falls back to it)."""

    kind = CharField(max_length=10)
    """absence | present"""
    isams_id = BigIntegerField()
    code = CharField(max_length=20)
    name = CharField(max_length=200, default="")
    government_code = CharField(max_length=20, null=True)
    synced_at = UtcDateTimeField()

    class Meta:
        indexes = ((("kind", "isams_id"), True), (("kind", "code"), False))


class RegistrationPeriod(BaseModel):
    """Today's registration periods per division, cached for the day; ids are never reused across days."""

    local_date = DateField()
    division_id = BigIntegerField()
    isams_id = BigIntegerField()
    friendly_name = CharField(max_length=100, null=True)
    registration_type = CharField(max_length=100, null=True)
    start = UtcDateTimeField()
    time = UtcDateTimeField()
    finish = UtcDateTimeField()

    class Meta:
        indexes = ((("local_date", "division_id", "isams_id"), True),)


class YearGroupDivisions(BaseModel):
    """Which iSAMS divisions a year group belongs to (refreshed by codes-sync, used by student sync)."""

    nc_year = IntegerField(unique=True)
    division_ids = CharField(max_length=200, default="")
    fetched_at = UtcDateTimeField()

    @property
    def ids(self) -> list[int]:
        return [int(d) for d in self.division_ids.split(",") if d]


class PeriodFetch(BaseModel):
    """When a division's periods for a day were fetched (an empty day is still a fetched day)."""

    local_date = DateField()
    division_id = BigIntegerField()
    fetched_at = UtcDateTimeField()

    class Meta:
        indexes = ((("local_date", "division_id"), True),)


class AttendanceIntent(BaseModel):
    """The outbox: one student sign-in or early sign-out to be written to iSAMS, stored with its track."""

    track = ForeignKeyField(Track, unique=True, on_delete="CASCADE")
    person = ForeignKeyField(Person, on_delete="RESTRICT")
    direction = CharField(max_length=3)
    event_at = UtcDateTimeField()
    local_date = DateField()
    minutes_late = IntegerField(null=True)
    first_of_day = BooleanField(default=False)
    reason = CharField(max_length=200, null=True)
    hold_until = UtcDateTimeField(null=True)
    """While the kiosk asks for a reason, the writer waits (until a reason is given or this passes)."""
    status = CharField(max_length=10, default="pending")
    """pending | queued (accepted by the MIS's queue, not yet applied) | sent | skipped | failed"""
    summary = TextField(null=True)
    """The rules that fired, or the error, in one line."""
    attempts = IntegerField(default=0)
    next_attempt_at = UtcDateTimeField()
    claimed_by = CharField(max_length=100, null=True)
    claimed_until = UtcDateTimeField(null=True)
    created_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()
    claim_token = CharField(max_length=40, null=True)
    """The fencing token of the claim in progress: an outcome is recorded only by the claim holding it."""
    correction = CharField(max_length=10, null=True)
    """Set when an operator corrected the event after delivery: "reason" (decide again over ImLate's
    own mark) or "void" (take ImLate's mark back where iSAMS still shows it)."""

    class Meta:
        indexes = ((("status", "next_attempt_at"), False), (("person", "local_date"), False))


class AttendanceWrite(BaseModel):
    """Each register decision: what was read, what was written (or why not), and how it ended."""

    intent = ForeignKeyField(AttendanceIntent, null=True, backref="writes", on_delete="CASCADE")
    job_run = ForeignKeyField(JobRun, null=True, on_delete="SET NULL")
    person = ForeignKeyField(Person, on_delete="RESTRICT")
    local_date = DateField()
    period_id = BigIntegerField(null=True)
    period_name = CharField(max_length=100, default="")
    rule = TextField()
    before = TextField(null=True)
    body = TextField(null=True)
    outcome = CharField(max_length=10)
    """sending | queued | sent | confirmed | skipped | failed | dry-run"""
    error = TextField(null=True)
    at = UtcDateTimeField()
    mark = TextField(null=True)
    """The mark sent, in provider-neutral terms (JSON), to tell later whether the MIS shows it."""
    claim_token = CharField(max_length=40, null=True)
    """The claim this write was made under, until that claim settles its intent (then null)."""
    reference = CharField(max_length=100, null=True)
    """A queued write's id at the MIS (a Wonde writeback id), followed until the MIS says how it ended."""
    check_at = UtcDateTimeField(null=True)
    """When to ask the MIS about a queued write next."""

    class Meta:
        indexes = ((("person", "local_date"), False), (("intent",), False))


class SchemaVersion(BaseModel):
    version = IntegerField()
    applied_at = UtcDateTimeField()


ALL_MODELS = [Person, Card, Track, AuditEntry]
SYNC_MODELS = [JobRun, RegistrationCode, RegistrationPeriod, PeriodFetch, YearGroupDivisions]
ATTENDANCE_MODELS = [AttendanceIntent, AttendanceWrite]


class MisRequestCount(BaseModel):
    """Requests sent to the MIS per minute and purpose: the request budget (erp.isams.max_requests_per_hour),
    counted in the database so every process on it shares one budget."""

    minute = UtcDateTimeField()
    purpose = CharField(max_length=12)
    used = IntegerField(default=0)

    class Meta:
        indexes = ((("minute", "purpose"), True),)


BUDGET_MODELS = [MisRequestCount]


class ForwardedScan(BaseModel):
    """A kiosk scan's journal key, stored with its track in the same transaction: a scan forwarded from a
    kiosk's local journal (or recorded directly) is recorded once, however often it is forwarded."""

    key = CharField(max_length=64, unique=True)
    track = ForeignKeyField(Track, on_delete="CASCADE")
    terminal = CharField(max_length=64, default="")
    forwarded_at = UtcDateTimeField()


JOURNAL_MODELS = [ForwardedScan]


class PinLockout(BaseModel):
    """Wrong admin PINs typed at one kiosk terminal, kept so a restart does not wipe the lockout."""

    terminal = CharField(max_length=100, primary_key=True)
    failures = IntegerField(default=0)
    """Wrong PINs in a row since the last right one."""
    locked_until = UtcDateTimeField(null=True)
    updated_at = UtcDateTimeField()


KIOSK_MODELS = [PinLockout]
