"""The PinLockout rows: one per kiosk terminal name."""

from __future__ import annotations

from datetime import datetime

from imlate_tui.db.connection import write_transaction
from imlate_tui.db.models import PinLockout


def current(terminal: str) -> PinLockout | None:
    return PinLockout.get_or_none(PinLockout.terminal == terminal)


def save(terminal: str, failures: int, locked_until: datetime | None, now: datetime) -> None:
    with write_transaction():
        updated = (PinLockout.update(failures=failures, locked_until=locked_until, updated_at=now)
                   .where(PinLockout.terminal == terminal).execute())
        if not updated:
            PinLockout.create(terminal=terminal, failures=failures, locked_until=locked_until, updated_at=now)
