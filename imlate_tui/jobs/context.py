"""What a job gets to work with: settings, a clock, an iSAMS client on demand, a progress callback."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Callable

from imlate_tui.clock import Clock, utc_now
from imlate_tui.config import Settings
from imlate_tui.errors import ImlateError

if TYPE_CHECKING:
    from imlate_tui.erp.isams import IsamsClient

Progress = Callable[[int, "int | None", str], None]
"""progress(done, total or None, what) — shown as a bar on a terminal, ignored elsewhere."""


class ErpDisabled(ImlateError):
    pass


def make_isams_client(settings: Settings) -> "IsamsClient":
    from imlate_tui.erp.isams import IsamsClient

    isams = settings.erp.isams
    return IsamsClient(isams.base_url, isams.client_id, isams.client_secret.get_secret_value(),
                       timezone=settings.erp_tz, scope=isams.scope, timeout=isams.timeout_seconds)


def _no_progress(done: int, total: int | None, what: str) -> None:
    return None


@dataclass
class JobContext:
    settings: Settings
    clock: Clock = utc_now
    dry_run: bool = False
    progress: Progress = _no_progress
    client_factory: Callable[[Settings], "IsamsClient"] = make_isams_client
    since: date | None = None
    """writeback only: re-send the intents of this day and later."""
    run_id: int | None = None
    """The job run being recorded (set by the runner), so marks can point at it."""
    _client: "IsamsClient | None" = field(default=None, repr=False)

    def client(self) -> "IsamsClient":
        """One client per job run (its token cache is not shared across threads)."""
        if not self.settings.erp.enabled:
            raise ErpDisabled("the iSAMS integration is off (erp.enabled: false)")
        if self._client is None:
            self._client = self.client_factory(self.settings)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
