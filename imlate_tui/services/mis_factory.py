"""The one place the services choose and build a MIS provider (``erp.provider``).

Everything else in ``services/`` speaks to the ``Mis`` seam (``imlate_tui.erp.mis``) only; a test checks
that no other module here imports a provider package.
"""

from __future__ import annotations

from typing import Any, Literal

from imlate_tui.clock import Clock, utc_now
from imlate_tui.config import Settings
from imlate_tui.db import registration
from imlate_tui.erp.mis import AttendanceCode, Mis
from imlate_tui.errors import ConfigError

Purpose = Literal["writeback", "absence", "sync", "check"]
"""What the requests are for: the request budget serves them in this order when it is short."""


def stored_codes() -> list[AttendanceCode]:
    """The code dictionary codes-sync keeps in the database (the MIS's own ids)."""
    return [AttendanceCode(row.kind, row.code, row.isams_id, row.name, row.government_code)
            for kind in ("present", "absence") for row in registration.codes(kind)]


def connect_mis(settings: Settings, purpose: Purpose = "sync", clock: Clock = utc_now, **options: Any) -> Mis:
    """A MIS for ``settings.erp.provider``. ``options`` go to the provider's client (time-outs, retries)."""
    if settings.erp.provider == "wonde":
        raise ConfigError("erp.provider: wonde is not available in this version yet; use erp.provider: isams")
    from imlate_tui.erp.isams.client import IsamsClient
    from imlate_tui.erp.isams.mis import IsamsMis
    from imlate_tui.services.request_budget import budget_hook

    isams = settings.erp.isams
    options.setdefault("timeout", isams.timeout_seconds)
    options.setdefault("deadline", isams.request_deadline_seconds)
    options.setdefault("max_retry_after", isams.max_retry_after_seconds)
    client = IsamsClient(isams.base_url, isams.client_id, isams.client_secret.get_secret_value(),
                         timezone=settings.erp_tz, scope=isams.scope,
                         before_request=budget_hook(settings, purpose, clock), **options)
    return IsamsMis(client, stored_codes)
