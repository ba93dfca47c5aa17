"""The sync hash: CRC-64/GO-ISO over a stable byte layout of the fields a student sync writes.

CRC-64/GO-ISO is Go's `hash/crc64` with the ISO table (the variant the original ImLate stores):
reflected polynomial 0x1B, register initialised to all ones, output xored with all ones; the check value
of ASCII "123456789" is 0xb90956c775a41001. crcmod's predefined "crc-64" is a different variant, so the
function is built from its parameters (crcmod's `initCrc` is the initial register xored with xorOut).

Byte layout, version 1 — each field in this order, each encoded as:
  layout version   1 byte 0x01
  absent value     0x00
  text             0x01, the UTF-8 bytes (NUL characters removed), 0x00
  integer          0x02, 8 bytes big-endian signed
  list of integers 0x03, 4 bytes big-endian count, then each as 8 bytes big-endian signed (sorted)
Fields: isams id, schoolId, forename, surname, preferred name, year group, form group,
leaving date (ISO text), latestPhotoId, division ids of the year group.
A change of any of these makes the hash differ, so the person is rewritten; nothing else is hashed.

Staff layout, version 1 (`staff_hash`, optional staff sync) — the same encodings, in this order:
  layout version 1 byte 0x01; iSAMS employee id, forename, surname, preferred name, leaving date (ISO text).
Title and e-mail are read from iSAMS but not stored, so they are not hashed.
SQLite has no unsigned 64-bit integer, so the value is stored as a signed int64 (`to_signed`).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import date

import crcmod

_crc64_go_iso = crcmod.mkCrcFun(0x1000000000000001B, initCrc=0, rev=True, xorOut=0xFFFFFFFFFFFFFFFF)
LAYOUT_VERSION = 1


def crc64_go_iso(data: bytes) -> int:
    return _crc64_go_iso(data)


def to_signed(value: int) -> int:
    return value - (1 << 64) if value >= (1 << 63) else value


@dataclass(frozen=True)
class SyncedFields:
    isams_id: int
    school_id: str
    forename: str
    surname: str
    preferred_name: str | None
    year_group: int | None
    form_group: str | None
    leaving_date: date | None
    latest_photo_id: int | None
    division_ids: tuple[int, ...]


def _encode(value: object) -> bytes:
    if value is None:
        return b"\x00"
    if isinstance(value, bool):
        raise TypeError("booleans are not part of the layout")
    if isinstance(value, int):
        return b"\x02" + struct.pack(">q", value)
    if isinstance(value, date):
        value = value.isoformat()
    if isinstance(value, str):
        return b"\x01" + value.replace("\x00", "").encode("utf-8") + b"\x00"
    if isinstance(value, tuple):
        ids = sorted(value)
        return b"\x03" + struct.pack(">I", len(ids)) + b"".join(struct.pack(">q", i) for i in ids)
    raise TypeError(f"cannot encode {type(value).__name__}")


def layout(fields: SyncedFields) -> bytes:
    parts = (fields.isams_id, fields.school_id, fields.forename, fields.surname, fields.preferred_name,
             fields.year_group, fields.form_group, fields.leaving_date, fields.latest_photo_id,
             fields.division_ids)
    return bytes([LAYOUT_VERSION]) + b"".join(_encode(p) for p in parts)


def sync_hash(fields: SyncedFields) -> int:
    """The signed 64-bit hash stored in `person.sync_hash`."""
    return to_signed(crc64_go_iso(layout(fields)))


@dataclass(frozen=True)
class StaffFields:
    isams_employee_id: int
    forename: str
    surname: str
    preferred_name: str | None
    leaving_date: date | None


def staff_layout(fields: StaffFields) -> bytes:
    parts = (fields.isams_employee_id, fields.forename, fields.surname, fields.preferred_name,
             fields.leaving_date)
    return bytes([LAYOUT_VERSION]) + b"".join(_encode(p) for p in parts)


def staff_hash(fields: StaffFields) -> int:
    """The signed 64-bit hash stored in `person.sync_hash` for a member of staff."""
    return to_signed(crc64_go_iso(staff_layout(fields)))
