"""Checks of the config that need more than one key, or a library too heavy to load for every command.

`Settings` itself checks each key's shape whenever any command starts. These checks run where a
mistake would otherwise pass silently and break later: `imlate config check`, the start of
`imlate kiosk` and `imlate scheduler`, and `imlate doctor`. Each problem is one line naming the key.

- Every job's cron fields are built into an APScheduler `CronTrigger` now (`minute: "*/70"` used to
  pass, then end `jobs list` in a traceback and leave `imlate scheduler` running with a dead thread).
- With `erp.enabled: true`: `erp.isams.base_url` must be an http(s) URL with a host, and the client id
  and secret must be set (the secret may come from IMLATE_ERP__ISAMS__CLIENT_SECRET).
"""

from __future__ import annotations

from urllib.parse import urlparse
from typing import TYPE_CHECKING

from imlate_tui.errors import ConfigError

if TYPE_CHECKING:
    from imlate_tui.config import Settings

CRON_FIELDS = ("day_of_week", "hour", "minute")


def schedule_problems(settings: Settings) -> list[str]:
    from apscheduler.triggers.cron import CronTrigger   # ~0.4 s to import: only where it is needed

    problems = []
    for name, job in settings.schedule.jobs.items():
        for field in CRON_FIELDS:
            try:
                CronTrigger(**{field: getattr(job, field)}, timezone=settings.tz)
            except ValueError as exc:
                value = getattr(job, field)
                got = "" if repr(value) in str(exc) else f" (got {value!r})"
                problems.append(f"schedule.jobs.{name}.{field}: {exc}{got}")
    return problems


def erp_problems(settings: Settings) -> list[str]:
    if not settings.erp.enabled:
        return []
    isams, problems = settings.erp.isams, []
    url = urlparse(isams.base_url)
    if url.scheme not in ("http", "https") or not url.hostname:
        problems.append(f"erp.isams.base_url: expected the school's iSAMS address as https://HOST, "
                        f"got {isams.base_url!r} (erp.enabled is true)")
    if not isams.client_id.strip():
        problems.append("erp.isams.client_id: empty, but erp.enabled is true (the REST API client id from iSAMS)")
    if not isams.client_secret.get_secret_value().strip():
        problems.append("erp.isams.client_secret: empty, but erp.enabled is true "
                        "(set IMLATE_ERP__ISAMS__CLIENT_SECRET in the environment file)")
    return problems


def problems(settings: Settings) -> list[str]:
    return schedule_problems(settings) + erp_problems(settings)


def refuse_if_any(settings: Settings, *, schedule: bool = True) -> None:
    """`schedule=False`: leave the cron fields to the process that runs the jobs (APScheduler alone
    would add ~0.4 s to the start of a kiosk that runs none)."""
    found = (schedule_problems(settings) if schedule else []) + erp_problems(settings)
    if found:
        raise ConfigError("\n".join(found))
