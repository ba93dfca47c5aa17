"""The Wonde simulator's seeded school, in Wonde's shapes (wonde-api.md §2–§4).

Records are kept as plain dicts with Wonde's field names; keys starting with ``_`` are the
simulator's own bookkeeping (year, form, photo version, classes) and never go over the wire.
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from .sim_data import DFE_ABSENCE_CODES, DFE_PRESENT_CODES, FORENAMES_F, FORENAMES_M, FORM_LETTERS, SURNAMES, YEARS

REFERENCE_YEAR = 2025
CREATED = datetime(2024, 9, 2, 6, 0, tzinfo=timezone.utc)

# The fake week's lessons (school-local wall times); Wonde has no registration periods (§0).
LESSON_TIMES = (("P1", time(9, 0), time(10, 0)), ("P2", time(10, 0), time(11, 0)),
                ("P3", time(11, 15), time(12, 15)), ("P4", time(12, 15), time(13, 15)),
                ("P5", time(14, 0), time(15, 0)))
SUBJECTS = ("Maths", "English", "Science", "History", "Art")


def wonde_id(rng: random.Random) -> str:
    """Wonde ids are ``A`` and ten digits (§2.6)."""
    return "A" + str(rng.randrange(10**9, 10**10))


def stamp(when: datetime) -> dict[str, Any]:
    """Wonde's PHP DateTime object (§2.5)."""
    return {"date": when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.000000"), "timezone_type": 3,
            "timezone": "UTC"}


def local_stamp(when: datetime, zone: ZoneInfo) -> dict[str, Any]:
    return {"date": when.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S.000000"), "timezone_type": 3,
            "timezone": zone.key}


def attendance_codes(seed: int) -> list[dict[str, Any]]:
    """Wonde's one list of codes: ``id, code, description, type`` (§4.1); ``type`` is a hint only."""
    rng = random.Random(seed * 17 + 3)
    codes = []
    for code, name in DFE_PRESENT_CODES:
        kind = "LATE" if code == "L" else "PRESENT"
        codes.append({"id": wonde_id(rng), "code": code, "description": name, "type": kind})
    for code, name, authorised in DFE_ABSENCE_CODES:
        kind = "AUTHORISED" if authorised else "UNAUTHORISED"
        codes.append({"id": wonde_id(rng), "code": code, "description": name, "type": kind})
    return codes


def make_student(rng: random.Random, index: int, year: int, used: set[str], **overrides: Any) -> dict[str, Any]:
    female = rng.random() < 0.5
    forename = rng.choice(FORENAMES_F if female else FORENAMES_M)
    surname = rng.choice(SURNAMES)
    student_id = wonde_id(rng)
    while student_id in used:
        student_id = wonde_id(rng)
    used.add(student_id)
    born = date(REFERENCE_YEAR - year - 5, rng.randint(1, 12), rng.randint(1, 28))
    mis_id = str(1000 + index)
    student = {
        "id": student_id, "mis_id": mis_id, "upi": hashlib.md5(f"school:{mis_id}".encode()).hexdigest(),
        "initials": f"{forename[0]}{surname[0]}", "title": "Miss" if female else "Mr",
        "forename": forename, "surname": surname, "middle_names": None,
        "legal_forename": forename, "legal_surname": surname,
        # Case varies in the wild (§3.2), and so does the shape of date_of_birth (§2.5).
        "gender": ("FEMALE" if female else "MALE") if index % 3 else ("Female" if female else "Male"),
        "gender_identity": None,
        "date_of_birth": born.isoformat() if index % 2 else {"date": f"{born} 00:00:00.000000",
                                                             "timezone_type": 3, "timezone": "Europe/London"},
        "restored_at": None, "created_at": CREATED,
        "updated_at": datetime(REFERENCE_YEAR, 7, rng.randint(1, 28), rng.randint(7, 17), tzinfo=timezone.utc),
        "_year": year, "_form": f"{year}{rng.choice(FORM_LETTERS)}",
        "_photo": 1 if rng.random() < 0.9 else None, "_leaving_date": None,
        "_upn": f"H{rng.randrange(10**11, 10**12)}",
    }
    student.update(overrides)
    return student


def make_students(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    used: set[str] = set()
    return [make_student(rng, i, YEARS[i % len(YEARS)], used) for i in range(count)]


def make_employees(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed * 31 + 5)
    staff = []
    for index in range(count):
        female = rng.random() < 0.6
        forename = rng.choice(FORENAMES_F if female else FORENAMES_M)
        surname = rng.choice(SURNAMES)
        staff.append({
            "id": wonde_id(rng), "mis_id": str(5001 + index),
            "upi": hashlib.md5(f"staff:{index}".encode()).hexdigest(),
            "title": ("Mrs" if female else "Mr"), "initials": f"{forename[0]}{surname[0]}",
            "forename": forename, "surname": surname, "middle_names": None,
            "legal_forename": forename, "legal_surname": surname, "gender": "FEMALE" if female else "MALE",
            "date_of_birth": None, "restored_at": None, "created_at": CREATED, "updated_at": CREATED,
            "_email": f"{forename[0].lower()}.{surname.lower().replace(chr(39), '')}@school.example",
            "_staff_code": f"{forename[0]}{surname[:2]}".upper(), "_current": index != 3,
        })
    return staff


def forms(students: list[dict[str, Any]]) -> list[str]:
    return sorted({s["_form"] for s in students})


def class_id(form: str, subject: str) -> str:
    return "C" + hashlib.md5(f"{form}:{subject}".encode()).hexdigest()[:10]


def lessons_for(day: date, form_names: list[str], zone: ZoneInfo) -> list[dict[str, Any]]:
    """Every form's lessons on a weekday (none at weekends): one class per form and subject."""
    if day.weekday() >= 5:
        return []
    lessons = []
    for number, (period, start, end) in enumerate(LESSON_TIMES):
        instance = f"PI{day:%Y%m%d}{number}"
        for form in form_names:
            subject = SUBJECTS[number % len(SUBJECTS)]
            lessons.append({
                "id": f"L{day:%Y%m%d}{form}{number}", "room": f"R{number + 1}", "period": period,
                "class": class_id(form, subject), "employee_id": None, "period_instance_id": instance,
                "alternative": False,
                "start_at": datetime.combine(day, start, zone), "end_at": datetime.combine(day, end, zone),
                "created_at": CREATED, "updated_at": CREATED, "_form": form,
            })
    return lessons


def student_classes(student: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"id": class_id(student["_form"], subject), "name": f"{student['_form']} {subject}",
             "code": f"{student['_form']}/{subject[:2]}"} for subject in SUBJECTS]


def next_day(day: date) -> date:
    return day + timedelta(days=1)
