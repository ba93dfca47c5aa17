"""A fire roll call: freeze who is on site, let marshals mark people found, record the result.

- **Start** freezes the fire list of that moment into `roll_call_entry` (students, staff, visitors,
  with the same groups as the fire list). Later scans do not change it: the marshals work from one
  list. Only one roll call runs at a time; starting while one runs joins that one.
- **Marks** are single-row updates by entry id, each in the audit log (who found whom, when), so
  several `imlate admin` sessions can mark at once: a second "found" keeps the first marshal's name,
  and the other sessions see each mark through the change marker (`db.changes`; the audit row moves
  the PostgreSQL marker, SQLite's `data_version` moves by itself).
- **End** stamps the roll call and writes the result to the audit log: how many were on site, found,
  and the names still missing, by group.
- Everything is local to the database: it works with the internet (and iSAMS) down.
- Who may start, mark and end: operators (`admin.operators`), like every other change; others watch.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from imlate_tui.db import audit, roll_calls, tracks
from imlate_tui.db.connection import write_transaction
from imlate_tui.db.office_models import RollCall, RollCallEntry
from imlate_tui.domain.scanning import school_date
from imlate_tui.errors import InvalidInput
from imlate_tui.services.roster import fire_groups

from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Tally:
    total: int
    found: int
    missing_by_group: list[tuple[str, int]]
    """Groups with someone missing, in fire list order."""

    @property
    def missing(self) -> int:
        return self.total - self.found


def start(*, now: datetime, tz: ZoneInfo, actor: str, client: str = "") -> tuple[RollCall, bool]:
    """Start a roll call of everyone on site now, or join the one running. Returns (it, started)."""
    with write_transaction():
        roll_calls.lock_roll_calls()
        current = roll_calls.running()
        if current is not None:
            return current, False
        groups = fire_groups(tracks.roster(school_date(now, tz)))
        call = RollCall.create(started_at=now, started_by=actor, total=sum(len(m) for _, m in groups))
        rows = [{"roll_call": call.id, "person": r.person.id, "name": r.person.display_name, "kind": r.person.kind,
                 "group_name": title, "sort_key": order, "signed_in_at": r.last_event_at}
                for order, (title, members) in enumerate(groups) for r in members]
        for batch in range(0, len(rows), 200):
            RollCallEntry.insert_many(rows[batch:batch + 200]).execute()
        audit.record(at=now, actor=actor, client=client, action="roll_call_start", target=f"roll_call:{call.id}",
                     on_site=call.total)
    return call, True


def mark(entry_id: int, found: bool, *, now: datetime, actor: str, client: str = "") -> bool:
    """Mark someone found (or not found after all). False when it already was so (another marshal)."""
    with write_transaction():
        entry = RollCallEntry.select(RollCallEntry, RollCall).join(RollCall).where(RollCallEntry.id == entry_id).first()
        if entry is None:
            raise InvalidInput(f"no one on the roll call with id {entry_id}")
        if entry.roll_call.ended_at is not None:
            raise InvalidInput("this roll call has ended; start a new one to mark people again")
        if not roll_calls.set_found(entry_id, found, now=now, by=actor):
            return False
        audit.record(at=now, actor=actor, client=client, action="roll_call_found" if found else "roll_call_not_found",
                     target=f"person:{entry.person_id}", name=entry.name, roll_call=entry.roll_call_id)
    return True


def end(roll_call_id: int, *, now: datetime, actor: str, client: str = "") -> Tally:
    """End the roll call and write its result (numbers and who is still missing) to the audit log."""
    with write_transaction():
        call = RollCall.get_or_none(RollCall.id == roll_call_id)
        if call is None:
            raise InvalidInput(f"no roll call {roll_call_id}")
        if call.ended_at is not None:
            raise InvalidInput("this roll call has already ended")
        rows = roll_calls.entries(call.id)
        result = tally(rows)
        RollCall.update(ended_at=now, ended_by=actor).where(RollCall.id == call.id).execute()
        audit.record(at=now, actor=actor, client=client, action="roll_call_end", target=f"roll_call:{call.id}",
                     on_site=result.total, found=result.found, missing=result.missing,
                     missing_by_group=dict(result.missing_by_group),
                     missing_names=[f"{e.name} ({e.group_name})" for e in rows if not e.found],
                     started_at=call.started_at.isoformat())
    return result


def tally(rows: list[RollCallEntry]) -> Tally:
    missing = Counter(e.group_name for e in rows if not e.found)
    order = list(dict.fromkeys(e.group_name for e in rows))
    return Tally(len(rows), sum(1 for e in rows if e.found), [(g, missing[g]) for g in order if missing[g]])


def missing_by_kind_and_year(rows: list[RollCallEntry]) -> list[tuple[str, int]]:
    """Still missing, by staff / visitors / year group: short enough for one line on a phone."""
    counts: Counter[str] = Counter()
    for e in rows:
        if not e.found:
            counts[e.group_name.split(" · ")[0]] += 1
    order = list(dict.fromkeys(e.group_name.split(" · ")[0] for e in rows))
    return [(g, counts[g]) for g in order if counts[g]]


class RollCallDesk:
    """The roll call as one admin session uses it: operators only (`admin.operators`), like every
    other change; the screen's check is a courtesy, this one is the rule."""

    def __init__(self, settings, *, user: str, client: str, can_change: bool, clock) -> None:
        self.settings, self.user, self.client, self.can_change, self.clock = settings, user, client, can_change, clock

    def _require_operator(self) -> None:
        from imlate_tui.services.admin_actions import PermissionDenied

        if not self.can_change:
            raise PermissionDenied(f"read-only: your user {self.user} is not in admin.operators")

    def start(self) -> tuple[RollCall, bool]:
        self._require_operator()
        return start(now=self.clock(), tz=self.settings.tz, actor=self.user, client=self.client)

    def mark(self, entry_id: int, found: bool) -> bool:
        self._require_operator()
        return mark(entry_id, found, now=self.clock(), actor=self.user, client=self.client)

    def end(self, roll_call_id: int) -> Tally:
        self._require_operator()
        return end(roll_call_id, now=self.clock(), actor=self.user, client=self.client)
