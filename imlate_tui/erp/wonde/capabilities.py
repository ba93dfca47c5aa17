"""What each MIS takes through Wonde (wonde-api.md §5), as ``MisCapabilities``.

From Sign In App's matrix (§5.1) and Arbor's own help (§5.2): Arbor takes lesson marks only (a late student
gets the mark on the lesson running at arrival); Engage takes no minutes late; Facility, Cloud School and
School Base take neither comments nor minutes; Integris and ScholarPack take no writeback. An unknown MIS
gets the cautious default (session marks with code only). Wonde's writeback has no leaving-time field,
so no MIS gets ``leaving_time`` (the time goes into the comment where comments are taken). Wonde serves
a copy of the MIS, so reads are never live. The school can say better in ``erp.wonde.capabilities``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from imlate_tui.erp.mis import MisCapabilities

_FULL = MisCapabilities(session_marks=True, comments=True, minutes_late=True, early_leaver_codes=True,
                        leaving_time=False, lesson_writeback=True, live_reads=False)
_NONE = replace(_FULL, session_marks=False, comments=False, minutes_late=False, early_leaver_codes=False,
                lesson_writeback=False)

BY_MIS: dict[str, MisCapabilities] = {
    "sims": _FULL, "bromcom": _FULL, "isams": _FULL, "pupilasset": _FULL,
    "arbor": replace(_FULL, session_marks=False, minutes_late=False),
    "engage": replace(_FULL, minutes_late=False, lesson_writeback=False),
    "facility": replace(_FULL, comments=False, minutes_late=False, lesson_writeback=False),
    "cloud school": replace(_FULL, comments=False, minutes_late=False, lesson_writeback=False),
    "school base": replace(_FULL, comments=False, minutes_late=False, lesson_writeback=False),
    "integris": _NONE, "scholarpack": _NONE,
}
CAUTIOUS = replace(_FULL, comments=False, minutes_late=False, lesson_writeback=False)


def capabilities_for(mis: str | None, school: dict[str, Any], overrides: dict[str, bool] | None = None) -> MisCapabilities:
    """The table's row for ``mis``, switched off where the school record says writeback is not allowed."""
    found = BY_MIS.get((mis or "").strip().lower(), CAUTIOUS)
    extended = school.get("extended") or {}
    if extended.get("allows_writeback") is False:
        found = replace(found, session_marks=False, lesson_writeback=False)
    if extended.get("has_lesson_attendance") is False:
        found = replace(found, lesson_writeback=False)
    return replace(found, **(overrides or {}))


def unsupported(capabilities: MisCapabilities) -> list[str]:
    """Plain words for what is not written back, e.g. ["comments", "minutes late"]."""
    names = {"session_marks": "session marks", "comments": "comments", "minutes_late": "minutes late",
             "early_leaver_codes": "early-leaver codes", "leaving_time": "leaving times",
             "lesson_writeback": "lesson marks"}
    return [text for field, text in names.items() if not getattr(capabilities, field)]
