"""Student photos drawn on the fly with Pillow: small, distinct per (student, photo id), never on disk."""

from __future__ import annotations

import io
import zlib

from PIL import Image, ImageDraw

_SIZE = (90, 120)


def render_photo(school_id: str, photo_id: int, initials: str, image_format: str = "JPEG") -> bytes:
    """A passport-style placeholder; a new ``photo_id`` gives different bytes, as a new photo would."""
    seed = zlib.crc32(f"{school_id}:{photo_id}".encode())
    background = (90 + seed % 120, 90 + (seed >> 8) % 120, 90 + (seed >> 16) % 120)
    image = Image.new("RGB", _SIZE, background)
    draw = ImageDraw.Draw(image)
    draw.ellipse((25, 18, 65, 62), fill=(224, 189, 160))      # head
    draw.rectangle((15, 70, 75, 120), fill=(40, 50, 90))      # blazer
    draw.text((6, 4), initials[:3], fill=(255, 255, 255))
    out = io.BytesIO()
    options = {"quality": 80} if image_format == "JPEG" else {}
    image.save(out, format=image_format, **options)
    return out.getvalue()
