"""Who is where today: the roster and the fire list, as data and as text/CSV/JSON."""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from imlate_tui.db import tracks
from imlate_tui.db.tracks import RosterRow
from imlate_tui.domain.scanning import Status
from imlate_tui.services import csv_cells

STATUS_FILTERS = {"in": Status.SIGNED_IN, "out": Status.SIGNED_OUT, "none": Status.NOT_SIGNED}
STATUS_LABELS = {Status.SIGNED_IN: "Signed In", Status.SIGNED_OUT: "Signed Out", Status.NOT_SIGNED: "Not Signed"}
AUTO_MARK = " (auto)"
"""After the time of someone the auto-signout job signed out: they did not sign out themselves."""


def auto_note(rows: list[RosterRow], tz: ZoneInfo) -> str:
    """The fire list's footnote: who was signed out automatically today (they may not have left)."""
    auto = [r for r in rows if r.auto_signed_out]
    if not auto:
        return ""
    times = sorted({r.last_event_at.astimezone(tz).strftime("%H:%M") for r in auto if r.last_event_at})
    return (f"Not listed: {len(auto)} signed out automatically at {', '.join(times)} "
            f"(they did not sign out themselves; see the roster)")


def roster(day: date, status: str | None = None) -> list[RosterRow]:
    rows = tracks.roster(day)
    if status is not None:
        rows = [r for r in rows if r.status is STATUS_FILTERS[status]]
    return rows


def roster_json(rows: list[RosterRow]) -> list[dict[str, Any]]:
    return [{
        "id": r.person.id, "name": r.person.display_name, "school_id": r.person.school_id,
        "kind": r.person.kind, "year_group": r.person.year_group, "form_group": r.person.form_group,
        "status": r.status.value, "last_event_at": r.last_event_at.isoformat() if r.last_event_at else None,
    } for r in rows]


def roster_text(rows: list[RosterRow], tz: ZoneInfo) -> str:
    lines = [f"{'Name':<28} {'Kind':<8} {'Year':>4} {'Form':<6} {'Status':<11} Last event"]
    auto = AUTO_MARK
    for r in rows:
        p = r.person
        when = r.last_event_at.astimezone(tz).strftime("%H:%M") if r.last_event_at else ""
        lines.append(f"{p.display_name[:28]:<28} {p.kind:<8} {'' if p.year_group is None else p.year_group:>4} "
                     f"{(p.form_group or '')[:6]:<6} {STATUS_LABELS[r.status]:<11} {when}{auto if r.auto_signed_out else ''}")
    counts = {s: sum(1 for r in rows if r.status is s) for s in Status}
    lines.append(f"{counts[Status.SIGNED_IN]} in, {counts[Status.SIGNED_OUT]} out, "
                 f"{counts[Status.NOT_SIGNED]} not signed")
    return "\n".join(lines)


def fire_groups(rows: list[RosterRow]) -> list[tuple[str, list[RosterRow]]]:
    """Everyone signed in now: staff, visitors, then students by year and form."""
    groups: dict[tuple[int, Any, str], list[RosterRow]] = defaultdict(list)
    for r in rows:
        if r.status is not Status.SIGNED_IN:
            continue
        p = r.person
        if p.kind == "staff":
            key = (0, 0, "Staff")
        elif p.kind == "visitor":
            key = (1, 0, "Visitors")
        else:
            year = "?" if p.year_group is None else p.year_group
            form = p.form_group or "no form"
            key = (2, (p.year_group if p.year_group is not None else 99, form), f"Year {year} · {form}")
        groups[key].append(r)
    return [(key[2], groups[key]) for key in sorted(groups, key=lambda k: (k[0], k[1]))]


def firelist_text(rows: list[RosterRow], tz: ZoneInfo, now: datetime) -> str:
    groups = fire_groups(rows)
    total = sum(len(members) for _, members in groups)
    out = [f"FIRE LIST — {now.astimezone(tz):%A %d %B %Y %H:%M} — {total} on site"]
    for title, members in groups:
        out.append("")
        out.append(f"{title} ({len(members)})")
        for r in members:
            since = r.last_event_at.astimezone(tz).strftime("%H:%M") if r.last_event_at else ""
            out.append(f"  [ ] {r.person.display_name:<32} in since {since}")
    if note := auto_note(rows, tz):
        out.extend(["", note])
    return "\n".join(out)


def firelist_csv(rows: list[RosterRow], tz: ZoneInfo) -> str:
    buf = io.StringIO()
    writer = csv_cells.writer(buf)
    writer.writerow(["group", "name", "kind", "school_id", "year_group", "form_group", "signed_in_at"])
    for title, members in fire_groups(rows):
        for r in members:
            p = r.person
            writer.writerow([title, p.display_name, p.kind, p.school_id or "", p.year_group or "",
                             p.form_group or "",
                             r.last_event_at.astimezone(tz).isoformat() if r.last_event_at else ""])
    return buf.getvalue()
