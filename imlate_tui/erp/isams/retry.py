"""When and how long to wait before asking iSAMS again.

Retried: 429, 502, 503, 504, a 500 whose message mentions a deadlock (SQL Server asks to
"rerun the transaction"), connection errors and time-outs. Never retried: 400, 403, 404 and
other 4xx, which would fail the same way again.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TypeVar

from .errors import IsamsThrottled, IsamsUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off with jitter: 0.5 s, 1 s, 2 s, 4 s … capped at ``max_delay``."""

    max_retries: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    # iSAMS throttling windows are configurable (hours, even); a Retry-After up to this is waited out,
    # a longer one ends the call (IsamsThrottled) so the job reschedules instead of holding on.
    max_retry_after: float = 120.0

    def delay(self, retry_number: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait before retry ``retry_number`` (0-based); ``Retry-After`` wins when given."""
        if retry_after is not None:
            return max(retry_after, 0.0)
        ceiling = min(self.max_delay, self.base_delay * (2 ** retry_number))
        # "Equal jitter": half fixed, half random, so kiosks sharing a tenant do not retry in step.
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


def is_retryable_status(status: int, message: str | None) -> bool:
    if status in RETRYABLE_STATUSES:
        return True
    return status == 500 and message is not None and "deadlock" in message.lower()


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds or an HTTP date; None if absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(float(text), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    current = now or datetime.now(timezone.utc)
    return max((when - current).total_seconds(), 0.0)


class RetryableFailure(Exception):
    """One attempt failed in a way that another attempt might fix."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def call_with_retries(attempt: Callable[[], T], *, what: str, policy: RetryPolicy,
                      sleep: Callable[[float], None], rng: random.Random) -> T:
    """Run ``attempt`` until it returns, retrying ``RetryableFailure`` up to ``policy.max_retries`` times.

    Only for idempotent calls: GETs, the token request, and a PUT of a full register row.
    """
    retry_number = 0
    while True:
        try:
            return attempt()
        except RetryableFailure as failure:
            if failure.retry_after is not None and failure.retry_after > policy.max_retry_after:
                raise IsamsThrottled(
                    f"iSAMS asked to wait {failure.retry_after:.0f} s before {what} ({failure.reason}), more than "
                    f"erp.isams.max_retry_after_seconds ({policy.max_retry_after:.0f} s); "
                    "it will be tried again after that", failure.retry_after) from failure
            if retry_number >= policy.max_retries:
                error = IsamsUnavailable(
                    f"iSAMS did not answer {what} after {retry_number + 1} attempts "
                    f"(last: {failure.reason}); check the network and the iSAMS status, "
                    "it will be tried again later")
                error.retry_after = failure.retry_after
                raise error from failure
            wait = policy.delay(retry_number, failure.retry_after, rng)
            log.warning("iSAMS %s failed (%s); retry %d of %d in %.2f s",
                        what, failure.reason, retry_number + 1, policy.max_retries, wait)
            sleep(wait)
            retry_number += 1
