"""Walking a paged iSAMS list (``/api/students``, ``/api/humanresources/employees``) into one roll.

The roll can change while we walk it (a student added in the office between page 3 and page 4),
which shifts items across page boundaries: one record shows up twice, another not at all
(isams-api.md §2.1; Cranleigh's client throws on it). We de-duplicate on ``id``, and when the
counts do not add up we walk once more; if it still does not add up, the roll says so
(``consistent=False``) instead of pretending, so a sync does not deactivate someone who was
merely skipped. Students and employees share this walker: the envelope (``count``, ``page``,
``pageSize``, ``totalCount``, ``totalPages``) is the same, only the list's key and model differ.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import IsamsBadResponse
from .models import Employee, StaffRoll, Student, StudentRoll, describe_validation_error

log = logging.getLogger(__name__)

MAX_WALKS = 2
MAX_PAGES = 10_000  # a server that never reports its last page must not keep us here for ever

FetchPage = Callable[[int, int], Any]
Item = TypeVar("Item", bound=BaseModel)


@dataclass(frozen=True)
class PagedList(Generic[Item]):
    """Which list to walk: the key of its items in each page, their model, and a noun for messages."""

    key: str
    model: type[Item]
    noun: str


@dataclass(frozen=True)
class Walked(Generic[Item]):
    items: tuple[Item, ...]
    total_count: int
    duplicates: int
    skipped_records: int
    consistent: bool


STUDENTS = PagedList("students", Student, "student")
EMPLOYEES = PagedList("employees", Employee, "employee")


def walk_student_pages(fetch_page: FetchPage, page_size: int, context: dict[str, Any]) -> StudentRoll:
    walked = walk_pages(STUDENTS, fetch_page, page_size, context)
    return StudentRoll(students=walked.items, total_count=walked.total_count, duplicates=walked.duplicates,
                       skipped_records=walked.skipped_records, consistent=walked.consistent)


def walk_employee_pages(fetch_page: FetchPage, page_size: int, context: dict[str, Any]) -> StaffRoll:
    walked = walk_pages(EMPLOYEES, fetch_page, page_size, context)
    return StaffRoll(employees=walked.items, total_count=walked.total_count, duplicates=walked.duplicates,
                     skipped_records=walked.skipped_records, consistent=walked.consistent)


def walk_pages(listing: PagedList[Item], fetch_page: FetchPage, page_size: int,
               context: dict[str, Any]) -> Walked[Item]:
    for walk in range(1, MAX_WALKS + 1):
        roll = _walk_once(listing, fetch_page, page_size, context)
        if roll.consistent:
            return roll
        if walk < MAX_WALKS:
            log.info("iSAMS %s list changed while it was read; reading it again", listing.noun)
    log.warning("iSAMS %s list kept changing while it was read: %d %ss, iSAMS says %d",
                listing.noun, len(roll.items), listing.noun, roll.total_count)
    return roll


def _int_field(data: dict, key: str, page: int, listing: PagedList) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise IsamsBadResponse(f"iSAMS sent a {listing.key} page without a numeric {key!r} (page {page})")
    return value


def _walk_once(listing: PagedList[Item], fetch_page: FetchPage, page_size: int,
               context: dict[str, Any]) -> Walked[Item]:
    by_id: dict[int, Item] = {}
    duplicates = skipped = 0
    first_total: int | None = None
    drifted = False
    page = 1
    while True:
        data = fetch_page(page, page_size)
        if not isinstance(data, dict) or not isinstance(data.get(listing.key), list):
            raise IsamsBadResponse(f"iSAMS sent a {listing.key} page without a {listing.key!r} list (page {page})")
        total = _int_field(data, "totalCount", page, listing)
        total_pages = _int_field(data, "totalPages", page, listing)
        if first_total is None:
            first_total = total
        elif total != first_total:
            drifted = True
            log.info("iSAMS totalCount of %s moved from %d to %d during the walk (page %d)",
                     listing.key, first_total, total, page)
        for index, raw in enumerate(data[listing.key]):
            try:
                item = listing.model.model_validate(raw, context=context)
            except ValidationError as exc:
                skipped += 1
                record_id = raw.get("id") if isinstance(raw, dict) else None
                log.warning("iSAMS %s record skipped (page %d, item %d, id %s): %s",
                            listing.noun, page, index, record_id, describe_validation_error(exc))
                continue
            if item.id in by_id:
                duplicates += 1
            by_id[item.id] = item
        if not data[listing.key] or page >= total_pages:
            break
        page += 1
        if page > MAX_PAGES:
            raise IsamsBadResponse(f"iSAMS kept sending {listing.key} pages past page {MAX_PAGES}")
    if duplicates:
        log.info("iSAMS sent %d %s(s) twice across pages; kept one of each", duplicates, listing.noun)
    consistent = not drifted and len(by_id) + skipped == total
    return Walked(items=tuple(by_id.values()), total_count=total, duplicates=duplicates,
                  skipped_records=skipped, consistent=consistent)
