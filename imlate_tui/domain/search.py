"""What the office types to find someone: a name, a school id or a form ("7H"), in any mix.

Every word typed must match: a part of the name, a part of the school id, or the whole form name.
Case does not matter. So "7h" lists form 7H, "ann 7h" Ann in 7H, "4733" every school id with 4733.
"""

from __future__ import annotations


def matches(typed: str, *, name: str, school_id: str | None = None, form_group: str | None = None) -> bool:
    name, sid, form = name.lower(), (school_id or "").lower(), (form_group or "").lower()
    return all(word in name or (sid and word in sid) or word == form for word in typed.lower().split())
