"""Deterministic seed data for the iSAMS simulator: students, year groups, divisions, codes.

Everything is a plain camelCase dict, as iSAMS would send it; datetimes stay Python objects
until the HTTP layer renders them (with or without offset). The same seed always gives the
same school, whatever today's date is.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timezone
from typing import Any

# The school's shape (a design choice, documented in docs/isams.md): one division per year group.
DIVISIONS: tuple[dict[str, Any], ...] = (
    {"id": 3, "code": "LS", "name": "Lower School", "order": 1, "years": (7, 8, 9)},
    {"id": 4, "code": "US", "name": "Upper School", "order": 2, "years": (10, 11)},
    {"id": 6, "code": "SF", "name": "Sixth Form", "order": 3, "years": (12, 13)},
)
YEARS = tuple(range(7, 14))
FORM_LETTERS = ("B", "H", "L", "R")
HOUSES = ("Austen", "Brunel", "Darwin", "Franklin", "Turing")
# Academic year the seed is anchored to, so ages and ids never depend on the machine's date.
REFERENCE_YEAR = 2025

FORENAMES_F = ("Amelia", "Olivia", "Isla", "Ava", "Freya", "Lily", "Sophia", "Grace", "Aisha", "Zara",
               "Maya", "Evie", "Niamh", "Chloe", "Hannah", "Priya", "Fatima", "Ella", "Ruby", "Mia",
               "Imogen", "Sienna", "Leah", "Anya", "Harriet")
FORENAMES_M = ("Oliver", "George", "Harry", "Noah", "Jack", "Leo", "Arthur", "Muhammad", "Oscar", "Charlie",
               "Jacob", "Thomas", "Ethan", "Kai", "Rohan", "Samuel", "Joshua", "Finley", "Reuben", "Tomasz",
               "Kwame", "Hugo", "Daniel", "Ibrahim", "Alfie")
SURNAMES = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
            "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
            "Khan", "Thomas", "Clarke", "Jackson", "Wood", "Harris", "Lewis", "Martin", "Cooper", "King",
            "Baker", "Ahmed", "Nowak", "Okafor", "O'Brien", "Campbell", "Murphy", "Hughes", "Edwards",
            "Begum", "Chen", "Kowalski", "Mensah", "Ali", "Shah", "Singh", "Fraser", "Lloyd", "Morgan")

# DfE codes (isams-api.md §5). Attendance codes /, \ and L are *present* marks, so L lives in the
# present codes below; K V P W B D are off-site attendance and map to government codes, so they
# sit with the absence codes as iSAMS's code table does (UNVERIFIED).
_ABSENCE = (
    ("N", "No reason yet provided for absence", False), ("O", "Other unauthorised absence", False),
    ("U", "Arrived after registers closed", False), ("G", "Holiday not agreed by the school", False),
    ("I", "Illness", True), ("M", "Medical or dental appointment", True),
    ("C", "Leave of absence for exceptional circumstances", True),
    ("C1", "Leave for a regulated performance or employment abroad", True),
    ("C2", "Leave for a temporary reduced timetable", True), ("E", "Suspended or excluded", False),
    ("J1", "Interview for employment or further education", True), ("R", "Religious observance", True),
    ("S", "Study leave", True), ("T", "Mobile child travelling", True),
    ("B", "Off-site educational activity", True), ("D", "Dual registered", False),
    ("K", "Attending provision arranged by the local authority", True),
    ("P", "Approved sporting activity", True), ("V", "Educational visit or trip", True),
    ("W", "Work experience", True), ("X", "Not required to be in school", False),
    ("Q", "Lack of access arrangements", False), ("Y1", "Transport not available", False),
    ("Y2", "Widespread travel disruption", False), ("Y3", "Part of school premises closed", False),
    ("Y4", "Whole school site unexpectedly closed", False), ("Y5", "Criminal justice detention", False),
    ("Y6", "Public health guidance or law", False), ("Y7", "Any other unavoidable cause", False),
    ("Z", "Pupil not on admission register", False), ("#", "Planned school closure", False),
    ("-", "Unknown (Invalid Code)", True),
)
_PRESENT = (("/", "Present"), ("L", "Late (before registers closed)"), ("EX", "Exam"),
            ("MU", "Music lesson"), ("SI", "Sixth form study period"))


def _shuffled_ids(count: int, first: int, seed: int) -> list[int]:
    """Ids that are deliberately not the display order, so code that confuses the two fails."""
    ids = list(range(first, first + count))
    random.Random(seed).shuffle(ids)
    return ids


def absence_codes() -> list[dict[str, Any]]:
    ids = _shuffled_ids(len(_ABSENCE), 101, seed=11)
    return [{"id": ids[i], "code": code, "description": None if code == "-" else "", "displayOrder": i + 1,
             "governmentCode": code, "governmentCodeName": name, "isOOSActive": oos,
             "name": "Unknown" if code == "-" else name}
            for i, (code, name, oos) in enumerate(_ABSENCE)]


def present_codes() -> list[dict[str, Any]]:
    ids = _shuffled_ids(len(_PRESENT), 201, seed=13)
    return [{"id": ids[i], "code": code, "displayOrder": i + 1, "isOOCActive": code != "/",
             "name": name, "showOnRegister": code != "SI"}
            for i, (code, name) in enumerate(_PRESENT)]


def division_for_year(nc_year: int | None) -> dict[str, Any] | None:
    for division in DIVISIONS:
        if nc_year in division["years"]:
            return division
    return None


def division_json(division: dict[str, Any]) -> dict[str, Any]:
    return {"id": division["id"], "code": division["code"], "name": division["name"],
            "order": division["order"], "lastUpdated": datetime(2024, 8, 30, 9, 0, tzinfo=timezone.utc)}


def year_groups() -> list[dict[str, Any]]:
    return [{"ncYear": year, "name": f"Year {year}", "code": f"Y{year}", "censusYearGroup": str(year),
             "averageStartingAge": year + 4, "tutorId": 5000 + year, "assistantTutorId": None,
             "reference": f"Y{year}", "lastUpdated": datetime(2024, 8, 30, 9, 0, tzinfo=timezone.utc)}
            for year in YEARS]


def make_students(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    students: list[dict[str, Any]] = []
    used_school_ids: set[str] = set()
    next_id = 700
    for index in range(count):
        next_id += rng.randint(1, 4)
        year = YEARS[index % len(YEARS)]
        students.append(make_student(rng, next_id, year, used_school_ids))
    return students


def make_student(rng: random.Random, student_id: int, year: int, used_school_ids: set[str],
                 **overrides: Any) -> dict[str, Any]:
    """One realistic pupil; ``overrides`` (camelCase) win over the generated values."""
    female = rng.random() < 0.5
    forename = rng.choice(FORENAMES_F if female else FORENAMES_M)
    surname = rng.choice(SURNAMES)
    school_id = str(rng.randrange(10**9, 10**10))
    while school_id in used_school_ids:
        school_id = str(rng.randrange(10**9, 10**10))
    used_school_ids.add(school_id)
    born_year = REFERENCE_YEAR - year - 5 + (1 if rng.random() < 0.6 else 0)
    born = date(born_year, rng.randint(1, 12), rng.randint(1, 28))
    has_photo = rng.random() < 0.88
    student = {
        "id": student_id, "schoolId": school_id, "personId": 40000 + student_id,
        "forename": forename, "surname": surname, "middlenames": None,
        "preferredName": forename if rng.random() < 0.9 else forename[:3],
        "fullName": f"{forename} {surname}", "initials": f"{forename[0]}{surname[0]}",
        "title": "Miss" if female else "Mr", "gender": "F" if female else "M", "dob": born,
        "yearGroup": year, "formGroup": f"{year}{rng.choice(FORM_LETTERS)}",
        "academicHouse": rng.choice(HOUSES), "boardingHouse": None, "boardingStatus": "Day",
        "enrolmentDate": date(REFERENCE_YEAR - (year - 7), 9, 3), "enrolmentStatus": "Current",
        "leavingDate": None, "latestPhotoId": 90000 + student_id * 3 if has_photo else None,
        "tutorEmployeeId": 5000 + year, "systemStatus": "Current",
        "schoolEmailAddress": f"{forename.lower()}.{surname.lower().replace(chr(39), '')}{student_id}@school.example",
        "lastUpdated": datetime(REFERENCE_YEAR, 7, rng.randint(1, 28), rng.randint(7, 17), 0, tzinfo=timezone.utc),
    }
    student.update(overrides)
    return student


STAFF_TITLES_F = ("Mrs", "Ms", "Miss", "Dr")
STAFF_TITLES_M = ("Mr", "Dr")
FIRST_EMPLOYEE_ID = 5001  # so the year groups' tutorId (5000 + NC year) are real employees
# A few leavers: one who left before the reference term and one leaving at Christmas.
STAFF_LEAVING_DATES = {3: date(REFERENCE_YEAR, 7, 18), 17: date(REFERENCE_YEAR, 12, 19)}


def make_employees(count: int, seed: int) -> list[dict[str, Any]]:
    """The staff room: ids from 5001 in order; the same seed gives the same staff."""
    rng = random.Random(seed * 31 + 5)
    employees = []
    for index in range(count):
        employees.append(make_employee(rng, FIRST_EMPLOYEE_ID + index, leavingDate=STAFF_LEAVING_DATES.get(index)))
    return employees


def make_employee(rng: random.Random, employee_id: int, **overrides: Any) -> dict[str, Any]:
    """One member of staff; field names beyond id/forename/surname are UNVERIFIED (docs/isams.md)."""
    female = rng.random() < 0.6
    forename = rng.choice(FORENAMES_F if female else FORENAMES_M)
    surname = rng.choice(SURNAMES)
    employee = {
        "id": employee_id, "title": rng.choice(STAFF_TITLES_F if female else STAFF_TITLES_M),
        "forename": forename, "surname": surname,
        "preferredName": forename if rng.random() < 0.85 else forename[:3],
        "schoolEmailAddress": f"{forename[0].lower()}.{surname.lower().replace(chr(39), '')}@school.example",
        "leavingDate": None,
    }
    employee.update(overrides)
    return employee


# The DfE code table for other simulators (the Wonde one), without iSAMS's two-dictionary split.
DFE_ABSENCE_CODES = _ABSENCE
DFE_PRESENT_CODES = _PRESENT
