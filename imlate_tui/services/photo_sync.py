"""photo-sync (spec §7): download a student's photo only when iSAMS has a newer one.

A student is asked for when their `latestPhotoId` (kept by student-sync) differs from the id of the
photo we hold, or the file is gone. The bytes must open as an image; the file is written to a temporary
name and renamed, so a crash never leaves half a photo. A small copy is kept for the terminal.
A 404 means "no photo": remembered, so the student is not asked for again until iSAMS's id changes.
"""

from __future__ import annotations

import io
import logging
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from imlate_tui.db.connection import write_transaction
from imlate_tui.db.models import Person
from imlate_tui.jobs.context import JobContext

log = logging.getLogger(__name__)
SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
FORMATS = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "WEBP": ".webp"}
SMALL_SIZE = (64, 64)


def needs_photo(person: Person, photos_dir: Path) -> bool:
    if person.latest_photo_id is None:
        return False
    if person.photo_id != person.latest_photo_id:
        return True
    return person.photo_path is not None and not (photos_dir / person.photo_path).exists()


def small_name(photo_path: str) -> str:
    return Path(photo_path).stem + ".small.png"


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o640)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_image(data: bytes) -> tuple[str, bytes]:
    """The file extension for these bytes and a small PNG copy; ValueError when they are not an image."""
    from PIL import Image, UnidentifiedImageError   # here: the kiosk imports this module, not Pillow at start

    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        with Image.open(io.BytesIO(data)) as img:
            ext = FORMATS.get(img.format or "")
            if ext is None:
                raise ValueError(f"unsupported image format {img.format}")
            img = img.convert("RGB")
            img.thumbnail(SMALL_SIZE)
            out = io.BytesIO()
            img.save(out, "PNG")
            return ext, out.getvalue()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValueError(f"not an image ({exc})") from None


def sync_photos(ctx: JobContext) -> dict[str, Any]:
    photos_dir = ctx.settings.path(ctx.settings.photos_dir)
    candidates = [p for p in Person.select().where((Person.kind == "student") & (Person.active == True))  # noqa: E712
                  if needs_photo(p, photos_dir)]
    counts = {"candidates": len(candidates), "downloaded": 0, "no_photo": 0, "invalid": 0, "skipped": 0}
    if ctx.dry_run or not candidates:
        return counts
    photos_dir.mkdir(parents=True, exist_ok=True)
    mis = ctx.client()
    for done, person in enumerate(candidates, 1):
        ctx.progress(done, len(candidates), "photos")
        if not person.school_id or not SAFE_ID.match(person.school_id):
            counts["skipped"] += 1
            log.warning("photo skipped for person %s: school id not usable as a file name", person.id)
            continue
        photo = mis.photo(person.school_id)
        if photo is None:
            counts["no_photo"] += 1
            _remember(person, None)
            continue
        try:
            ext, small = check_image(photo.content)
        except ValueError as exc:
            counts["invalid"] += 1
            log.warning("photo for %s rejected: %s", person.school_id, exc)
            continue
        name = person.school_id + ext
        _atomic_write(photos_dir / name, photo.content)
        _atomic_write(photos_dir / small_name(name), small)
        _remember(person, name)
        counts["downloaded"] += 1
    return counts


def _remember(person: Person, photo_path: str | None) -> None:
    with write_transaction():
        Person.update(photo_id=person.latest_photo_id, photo_path=photo_path).where(Person.id == person.id).execute()
