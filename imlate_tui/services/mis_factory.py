"""The one place the services choose and build a MIS provider (``erp.provider``).

Everything else in ``services/`` speaks to the ``Mis`` seam (``imlate_tui.erp.mis``) only; a test checks
that no other module here imports a provider package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from imlate_tui.clock import Clock, utc_now
from imlate_tui.db import registration
from imlate_tui.erp.mis import AttendanceCode, Mis
from imlate_tui.errors import ConfigError

if TYPE_CHECKING:
    from imlate_tui.config import Settings

Purpose = Literal["writeback", "absence", "sync", "check"]
"""What the requests are for: the request budget serves them in this order when it is short."""


def stored_codes() -> list[AttendanceCode]:
    """The code dictionary codes-sync keeps in the database (the MIS's own ids)."""
    return [AttendanceCode(row.kind, row.code, row.isams_id, row.name, row.government_code)
            for kind in ("present", "absence") for row in registration.codes(kind)]


def connect_mis(settings: Settings, purpose: Purpose = "sync", clock: Clock = utc_now, **options: Any) -> Mis:
    """A MIS for ``settings.erp.provider``. ``options`` go to the provider's client (time-outs, retries)."""
    if settings.erp.provider == "wonde":
        return connect_wonde(settings, purpose, clock, **options)
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


def connect_wonde(settings: Settings, purpose: Purpose, clock: Clock, **options: Any) -> Mis:
    """Wonde (``erp.wonde``): the token from the environment, session times from ``attendance.sessions``."""
    from imlate_tui.erp.wonde.mis import SessionTimes, WondeMis
    from imlate_tui.erp.wonde.transport import WondeApi
    from imlate_tui.services.request_budget import budget_hook

    wonde, isams = settings.erp.wonde, settings.erp.isams
    if not wonde.school_id or wonde.token is None or not wonde.token.get_secret_value():
        raise ConfigError("erp.provider is wonde but erp.wonde.school_id or the token "
                          "(IMLATE_ERP__WONDE__TOKEN) is not set")
    options.setdefault("timeout", isams.timeout_seconds)
    options.setdefault("deadline", isams.request_deadline_seconds)
    options.setdefault("max_retry_after", isams.max_retry_after_seconds)
    api = WondeApi(wonde.base_url, wonde.token.get_secret_value(), wonde.school_id,
                   before_request=budget_hook(settings, purpose, clock), **options)
    return WondeMis(api, zone=settings.erp_tz, sessions=session_times(settings), mis=wonde.mis,
                    capability_overrides=wonde.capabilities or None, clock=clock)


def session_times(settings: Settings):
    """AM and PM start and close for a MIS that gives no register times (``starts_at``; ``closes_at``,
    default 30 minutes after the start)."""
    from datetime import datetime, time, timedelta

    from imlate_tui.erp.wonde.mis import SessionTimes

    def times(name: str, default: str) -> tuple[time, time]:
        session = settings.attendance.sessions.get(name)
        start = time.fromisoformat((session.starts_at if session and session.starts_at else default))
        close = (time.fromisoformat(session.closes_at) if session and session.closes_at
                 else (datetime.combine(datetime.min, start) + timedelta(minutes=30)).time())
        return start, close

    am_start, am_close = times("AM", "08:30")
    pm_start, pm_close = times("PM", "13:30")
    return SessionTimes(am_start, am_close, pm_start, pm_close)
