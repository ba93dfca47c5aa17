"""CSV imports: all or nothing, every bad row reported with its line number."""

import pytest

from imlate_tui.db import people
from imlate_tui.db.models import AuditEntry, Card, Person
from imlate_tui.errors import InvalidInput
from imlate_tui.services.imports import import_cards, import_people


def student(now, school_id, name="Ann"):
    return Person.create(kind="student", forename=name, surname="Lee", school_id=school_id,
                         created_at=now, updated_at=now)


def write(tmp_path, text, name="in.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_cards_import_adds_cards_and_is_idempotent(db, clock, tmp_path):
    ann, bob = student(clock(), "S1"), student(clock(), "S2", "Bob")
    csv = write(tmp_path, "\ufeffcard,school_id\n ab-1 ,S1\n\nCD-2,S2\n")  # BOM, spaces, blank line
    report = import_cards(csv, now=clock(), actor="it")
    assert (report.added, report.unchanged) == (2, 0)
    assert people.card_owner("AB-1").id == ann.id
    assert people.card_owner("CD-2").id == bob.id
    again = import_cards(csv, now=clock(), actor="it")
    assert (again.added, again.unchanged) == (0, 2)
    assert Card.select().count() == 2
    assert AuditEntry.select().where(AuditEntry.action == "cards_import").count() == 2


def test_cards_import_missing_column(db, clock, tmp_path):
    csv = write(tmp_path, "card,student\nAB,S1\n")
    with pytest.raises(InvalidInput, match="missing column school_id"):
        import_cards(csv, now=clock(), actor="it")


def test_cards_import_reports_every_bad_row_and_imports_nothing(db, clock, tmp_path):
    ann, bob = student(clock(), "S1"), student(clock(), "S2", "Bob")
    people.assign_card(bob, "OWNED", clock())
    csv = write(tmp_path, "card,school_id\n"
                          "GOOD-1,S1\n"      # line 2: fine on its own
                          "DUP,S1\n"         # line 3
                          "dup,S2\n"         # line 4: same card again (case-insensitive)
                          "OWNED,S1\n"       # line 5: belongs to Bob
                          "NEW-9,S404\n"     # line 6: no such school id
                          f"{'X' * 70},S1\n"  # line 7: not a card code
                          ",S2\n")           # line 8: empty card
    with pytest.raises(InvalidInput) as err:
        import_cards(csv, now=clock(), actor="it")
    lines = str(err.value).splitlines()
    assert lines[:-1] == [
        "in.csv line 4: card DUP appears again (first on line 3)",
        "in.csv line 5: card OWNED already belongs to Bob Lee",
        "in.csv line 6: no person with school id 'S404'",
        "in.csv line 7: bad card: the scan is longer than 64 characters; not a card code",
        "in.csv line 8: bad card: empty scan: no card code was read",
    ]
    assert lines[-1] == "nothing was imported (5 bad rows)"
    assert [c.code for c in Card.select()] == ["OWNED"]
    assert people.card_owner("OWNED").id == bob.id
    assert people.card_owner("GOOD-1") is None and ann.active


def test_unreadable_or_non_utf8_file(db, clock, tmp_path):
    with pytest.raises(InvalidInput, match="cannot read"):
        import_cards(tmp_path / "missing.csv", now=clock(), actor="it")
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("card,school_id\nÉ1,S1\n".encode("latin-1"))
    with pytest.raises(InvalidInput, match="not UTF-8"):
        import_cards(bad, now=clock(), actor="it")


def test_people_import_creates_staff_and_visitors_once(db, clock, tmp_path):
    csv = write(tmp_path, "name,kind,card\nHelen  Okafor,staff,ST-1\nVisitor Badge 1,Visitor,V-1\nTom Brennan,staff,\n")
    report = import_people(csv, now=clock(), actor="it")
    assert (report.people_created, report.added) == (3, 2)
    helen = people.card_owner("ST-1")
    assert (helen.kind, helen.forename, helen.surname) == ("staff", "Helen", "Okafor")
    again = import_people(csv, now=clock(), actor="it")
    assert (again.people_created, again.added, again.unchanged) == (0, 0, 2)
    assert Person.select().count() == 3


def test_people_import_refuses_students_bad_kinds_and_taken_cards(db, clock, tmp_path):
    owner = student(clock(), "S1")
    people.assign_card(owner, "TAKEN", clock())
    csv = write(tmp_path, "name,kind,card\nAmy Pond,student,\nRory Williams,janitor,\n,staff,\nRiver Song,staff,TAKEN\n")
    with pytest.raises(InvalidInput) as err:
        import_people(csv, now=clock(), actor="it")
    assert str(err.value).splitlines() == [
        "in.csv line 2: kind must be staff or visitor, got 'student' (students come from iSAMS)",
        "in.csv line 3: kind must be staff or visitor, got 'janitor'",
        "in.csv line 4: the name is empty",
        "in.csv line 5: card TAKEN already belongs to Ann Lee",
        "nothing was imported (4 bad rows)",
    ]
    assert Person.select().count() == 1
