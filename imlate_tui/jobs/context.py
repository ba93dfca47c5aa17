"""What a job gets to work with: settings, a clock, a MIS connection on demand, a progress callback."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Callable

from imlate_tui.clock import Clock, utc_now
from imlate_tui.errors import ImlateError

if TYPE_CHECKING:
    from imlate_tui.config import Settings
    from imlate_tui.erp.mis import Mis

Progress = Callable[[int, "int | None", str], None]
"""progress(done, total or None, what) — shown as a bar on a terminal, ignored elsewhere."""


class ErpDisabled(ImlateError):
    pass


def make_isams_client(settings: Settings, purpose: str = "sync", clock: Clock = utc_now) -> "Mis":
    """The configured MIS (``erp.provider``; the name is kept for callers that predate the seam)."""
    from imlate_tui.services.mis_factory import connect_mis

    return connect_mis(settings, purpose, clock)  # type: ignore[arg-type]


def _no_progress(done: int, total: int | None, what: str) -> None:
    return None


@dataclass
class JobContext:
    settings: Settings
    clock: Clock = utc_now
    dry_run: bool = False
    progress: Progress = _no_progress
    client_factory: Callable[[Settings], "Mis"] | None = None
    """Builds a MIS connection; None: the configured provider, counted against the request budget as
    ``purpose``."""
    since: date | None = None
    """writeback only: re-send the intents of this day and later."""
    run_id: int | None = None
    """The job run being recorded (set by the runner), so marks can point at it."""
    purpose: str = "sync"
    """What this run's requests are for (writeback | absence | sync): the request budget's priority."""
    _client: "Mis | None" = field(default=None, repr=False)

    def new_client(self) -> "Mis":
        """A MIS connection of its own (for a worker thread); the caller closes it."""
        if self.client_factory is not None:
            return self.client_factory(self.settings)
        return make_isams_client(self.settings, self.purpose, self.clock)

    def client(self) -> "Mis":
        """One MIS connection per job run (its token cache is not shared across threads)."""
        if not self.settings.erp.enabled:
            raise ErpDisabled("the iSAMS integration is off (erp.enabled: false)")
        if self._client is None:
            self._client = self.new_client()
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
