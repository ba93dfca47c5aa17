"""Walking ``/api/students`` page by page into one de-duplicated roll.

The roll can change while we walk it (a student added in the office between page 3 and page 4),
which shifts items across page boundaries: one student shows up twice, another not at all
(isams-api.md §2.1; Cranleigh's client throws on it). We de-duplicate on ``id``, and when the
counts do not add up we walk once more; if it still does not add up, the roll says so
(``consistent=False``) instead of pretending, so a sync does not deactivate a student who was
merely skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from .errors import IsamsBadResponse
from .models import Student, StudentRoll, describe_validation_error

log = logging.getLogger(__name__)

MAX_WALKS = 2
MAX_PAGES = 10_000  # a server that never reports its last page must not keep us here for ever

FetchPage = Callable[[int, int], Any]


def walk_student_pages(fetch_page: FetchPage, page_size: int, context: dict[str, Any]) -> StudentRoll:
    for walk in range(1, MAX_WALKS + 1):
        roll = _walk_once(fetch_page, page_size, context)
        if roll.consistent:
            return roll
        if walk < MAX_WALKS:
            log.info("iSAMS student list changed while it was read; reading it again")
    log.warning("iSAMS student list kept changing while it was read: %d students, iSAMS says %d",
                len(roll.students), roll.total_count)
    return roll


def _int_field(data: dict, key: str, page: int) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise IsamsBadResponse(f"iSAMS sent a students page without a numeric {key!r} (page {page})")
    return value


def _walk_once(fetch_page: FetchPage, page_size: int, context: dict[str, Any]) -> StudentRoll:
    by_id: dict[int, Student] = {}
    duplicates = skipped = 0
    first_total: int | None = None
    drifted = False
    page = 1
    while True:
        data = fetch_page(page, page_size)
        if not isinstance(data, dict) or not isinstance(data.get("students"), list):
            raise IsamsBadResponse(f"iSAMS sent a students page without a 'students' list (page {page})")
        total = _int_field(data, "totalCount", page)
        total_pages = _int_field(data, "totalPages", page)
        if first_total is None:
            first_total = total
        elif total != first_total:
            drifted = True
            log.info("iSAMS totalCount moved from %d to %d during the walk (page %d)", first_total, total, page)
        for index, item in enumerate(data["students"]):
            try:
                student = Student.model_validate(item, context=context)
            except ValidationError as exc:
                skipped += 1
                record_id = item.get("id") if isinstance(item, dict) else None
                log.warning("iSAMS student record skipped (page %d, item %d, id %s): %s",
                            page, index, record_id, describe_validation_error(exc))
                continue
            if student.id in by_id:
                duplicates += 1
            by_id[student.id] = student
        if not data["students"] or page >= total_pages:
            break
        page += 1
        if page > MAX_PAGES:
            raise IsamsBadResponse(f"iSAMS kept sending student pages past page {MAX_PAGES}")
    if duplicates:
        log.info("iSAMS sent %d student(s) twice across pages; kept one of each", duplicates)
    consistent = not drifted and len(by_id) + skipped == total
    return StudentRoll(students=tuple(by_id.values()), total_count=total, duplicates=duplicates,
                       skipped_records=skipped, consistent=consistent)
