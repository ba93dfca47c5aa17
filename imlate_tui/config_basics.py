"""The parts of the config that need no pydantic: where the file is, the settings' own helpers, times.

`config.py` builds and validates the `Settings` model with pydantic, which costs a quick command more
start-up time than its real work. Code that only *reads* settings (every command once the config is
valid, see `config_cache.py`) imports from here, and imports `Settings` only for type checking.
"""

from __future__ import annotations

import os
from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo


def config_path(explicit: str | None) -> Path:
    return Path(explicit or os.environ.get("IMLATE_CONFIG") or "config.yaml")


def parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


class SettingsMethods:
    """What `Settings` offers beyond its fields; shared by the pydantic model and the cached copy.
    (No annotations here: pydantic would take them for fields.)"""

    @property
    def tz(self) -> ZoneInfo:
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.timezone)  # type: ignore[attr-defined]

    @property
    def erp_tz(self) -> ZoneInfo:
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.erp.timezone)  # type: ignore[attr-defined]

    def path(self, value: str) -> Path:
        """A configured path, resolved against the config file's directory."""
        p = Path(value).expanduser()
        return p if p.is_absolute() else self.base_dir / p  # type: ignore[attr-defined]
