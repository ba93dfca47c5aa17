"""Names for audit rows: "Jane Doe (7H)" instead of "person:259" (also for a track's or an intent's person).

One query per kind of target for a whole page of entries, whatever its length.
"""

from __future__ import annotations

from typing import Iterable

from imlate_tui.db.models import AttendanceIntent, AuditEntry, Person, Track


def label(person: Person) -> str:
    """"Jane Doe (7H)"; staff and visitors say so; a student with no form says the year."""
    if person.kind != "student":
        group = person.kind
    else:
        group = person.form_group or (f"year {person.year_group}" if person.year_group is not None else "student")
    return f"{person.display_name} ({group})"


def _ids(targets: Iterable[str], prefix: str) -> set[int]:
    out = set()
    for target in targets:
        kind, _, value = target.partition(":")
        if kind == prefix and value.isdigit():
            out.add(int(value))
    return out


def names_for(entries: Iterable[AuditEntry]) -> dict[str, str]:
    """Target ("person:259", "track:12", "intent:7") → the person's label, for every target found."""
    targets = {e.target for e in entries if e.target}
    person_of: dict[str, int] = {f"person:{i}": i for i in _ids(targets, "person")}
    if track_ids := _ids(targets, "track"):
        for t in Track.select(Track.id, Track.person).where(Track.id.in_(track_ids)):
            person_of[f"track:{t.id}"] = t.person_id
    if intent_ids := _ids(targets, "intent"):
        for i in AttendanceIntent.select(AttendanceIntent.id, AttendanceIntent.person).where(
                AttendanceIntent.id.in_(intent_ids)):
            person_of[f"intent:{i.id}"] = i.person_id
    people = {p.id: p for p in Person.select().where(Person.id.in_(set(person_of.values())))} if person_of else {}
    return {target: label(people[pid]) for target, pid in person_of.items() if pid in people}
