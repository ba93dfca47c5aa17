"""The append-only audit log: every change a person makes, with who and from where."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from imlate_tui.db.models import AuditEntry


def record(*, at: datetime, actor: str, action: str, target: str = "", client: str = "",
           **details: Any) -> AuditEntry:
    return AuditEntry.create(at=at, actor=actor, client=client, action=action, target=target,
                             details=json.dumps(details, sort_keys=True, default=str) if details else "")


def recent(limit: int = 200) -> list[AuditEntry]:
    return list(AuditEntry.select().order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit))
