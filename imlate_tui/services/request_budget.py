"""The request budget (``erp.isams.max_requests_per_hour``): ImLate's own cap on what it sends to the MIS.

iSAMS limits requests per API key (its docs show limits such as 100 an hour). Every request ImLate
sends — the token's too, and every retry — is counted in the database, per minute and purpose, so every
process using that database (kiosks, the scheduler, admin sessions) shares one budget over a sliding
60 minutes.

When the budget is short the work that matters most goes first, by keeping room for it: a purpose may
only start a request while the hour's total is below its share of the cap —

=============  =====  =======================================================
``writeback``  100 %  a sign-in's mark (the kiosk's writer, the writeback job)
``check``      100 %  ``imlate doctor`` (one request, asked for by a person)
``absence``     85 %  automatic absence marking
``sync``        60 %  student, staff, photo and codes sync
=============  =====  =======================================================

so syncs stop at 60 % of the hour and leave 40 % for marks; absence marking stops at 85 %. A refused
request raises ``MisBudgetExhausted`` with the seconds until room frees up: the writer retries then,
a job run ends as failed with that message and runs again at its next scheduled time.
Without a cap nothing is counted (no database write per request).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from peewee import DatabaseError, fn

from imlate_tui.clock import Clock
from imlate_tui.db.connection import write_transaction
from imlate_tui.db.models import MisRequestCount
from imlate_tui.erp.mis import MisBudgetExhausted

if TYPE_CHECKING:
    from imlate_tui.config import Settings

log = logging.getLogger(__name__)
WINDOW = timedelta(hours=1)
SHARES = {"writeback": 1.0, "check": 1.0, "absence": 0.85, "sync": 0.60}


@dataclass(frozen=True)
class BudgetUse:
    """The last 60 minutes: requests used (by purpose) against the cap (None: no cap)."""

    cap: int | None
    used: int
    by_purpose: dict[str, int]

    def describe(self) -> str:
        parts = ", ".join(f"{k} {v}" for k, v in sorted(self.by_purpose.items())) or "none"
        if self.cap is None:
            return "no cap (erp.isams.max_requests_per_hour: null), requests are not counted"
        return f"{self.used} of {self.cap} requests in the last hour ({parts})"


def _minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


def budget_use(settings: Settings, now: datetime) -> BudgetUse:
    """What the admin view and ``imlate doctor`` show."""
    since = _minute(now) - WINDOW + timedelta(minutes=1)
    rows = (MisRequestCount.select(MisRequestCount.purpose, fn.SUM(MisRequestCount.used).alias("n"))
            .where(MisRequestCount.minute >= since).group_by(MisRequestCount.purpose))
    by_purpose = {row.purpose: int(row.n or 0) for row in rows}
    return BudgetUse(settings.erp.isams.max_requests_per_hour, sum(by_purpose.values()), by_purpose)


def take(settings: Settings, purpose: str, now: datetime) -> None:
    """Count one request for ``purpose``, or refuse it (``MisBudgetExhausted``) when its share is used up."""
    cap = settings.erp.isams.max_requests_per_hour
    minute = _minute(now)
    since = minute - WINDOW + timedelta(minutes=1)
    with write_transaction():
        if cap is not None:
            used = (MisRequestCount.select(fn.COALESCE(fn.SUM(MisRequestCount.used), 0))
                    .where(MisRequestCount.minute >= since).scalar())
            allowed = int(cap * SHARES.get(purpose, SHARES["sync"]))
            if used >= allowed:
                oldest = (MisRequestCount.select(fn.MIN(MisRequestCount.minute))
                          .where(MisRequestCount.minute >= since).scalar())
                wait = max(60.0, ((oldest or minute) + WINDOW - now).total_seconds())
                raise MisBudgetExhausted(
                    f"the MIS request budget is used up for {purpose} ({used} of {cap} requests in the last hour, "
                    f"{purpose} may use {allowed}); it is tried again in {wait / 60:.0f} min "
                    "(erp.isams.max_requests_per_hour)", wait)
        (MisRequestCount.insert(minute=minute, purpose=purpose, used=1)
         .on_conflict(conflict_target=[MisRequestCount.minute, MisRequestCount.purpose],
                      update={MisRequestCount.used: MisRequestCount.used + 1}).execute())
        MisRequestCount.delete().where(MisRequestCount.minute < since - WINDOW).execute()


def budget_hook(settings: Settings, purpose: str, clock: Clock) -> Callable[[], None] | None:
    """The client's ``before_request``: counts every request, refuses when the purpose's share is gone.

    None without a cap: nothing to enforce, so no database write per request. A database that cannot
    count (locked past its busy time-out) lets the request go: the budget is a courtesy to the MIS,
    never a reason to lose a mark.
    """
    if settings.erp.isams.max_requests_per_hour is None:
        return None

    def before_request() -> None:
        try:
            take(settings, purpose, clock())   # peewee connects this thread on first use
        except DatabaseError as exc:
            log.warning("request budget not counted (%s); sending anyway", exc)
    return before_request
