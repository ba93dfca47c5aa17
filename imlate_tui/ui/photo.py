"""A person's photo drawn with half blocks ("▀": top pixel as foreground, bottom as background).

"▀" is in the standard Linux console fonts, so this degrades to colour mush rather than missing glyphs;
the kiosk shows initials instead when the terminal has only 16 colours. Rendering is cached per file
(path, size on disk, modification time) and cell size, because the same faces come back all day.
Rich only: no Textual here, so the photo code is testable on its own.
"""

from __future__ import annotations

import logging
import warnings
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageOps
from rich.style import Style
from rich.text import Text

log = logging.getLogger(__name__)

HALF_BLOCK = "\u2580"


def initials(name: str) -> str:
    """"Ada Lovelace" -> "AL"; at most two letters; "?" for an empty name."""
    words = [w for w in name.replace("-", " ").split() if w[:1].isalnum()]
    if not words:
        return "?"
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return letters.upper()


def initials_block(name: str, width: int, height: int) -> Text:
    """`height` lines of `width` spaces with the initials in the middle (styled by the widget's CSS)."""
    width, height = max(width, 1), max(height, 1)
    letters = " ".join(initials(name))[:width]
    lines = [" " * width for _ in range(height)]
    lines[height // 2] = letters.center(width)
    return Text("\n".join(lines), style="bold", no_wrap=True, overflow="crop")


def photo_text(path: Path | None, width: int, height: int) -> Text | None:
    """The photo at `path` as `height` lines of `width` half-block cells, or None when unreadable."""
    if path is None or width < 1 or height < 1:
        return None
    try:
        stat = path.stat()
    except OSError:
        return None
    rendered = _render(str(path), stat.st_mtime_ns, stat.st_size, width, height)
    return rendered.copy() if rendered is not None else None


def portrait(path: Path | None, name: str, width: int, height: int, *, colour: bool = True) -> Text:
    """The photo when there is one and the terminal can show it, else the initials."""
    if colour:
        text = photo_text(path, width, height)
        if text is not None:
            return text
    return initials_block(name, width, height)


@lru_cache(maxsize=256)
def _render(path: str, _mtime_ns: int, _size: int, width: int, height: int) -> Text | None:
    try:
        with warnings.catch_warnings():
            # A huge file is refused below as an error; its warning must not escape into the UI.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                img.draft("RGB", (width * 4, height * 8))  # JPEG: decode at a reduced scale, much faster
                pixels = ImageOps.fit(img.convert("RGB"), (width, height * 2), Image.Resampling.LANCZOS)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        log.info("cannot draw photo %s: %s", path, exc)
        return None
    data = pixels.load()
    text = Text(no_wrap=True, overflow="crop")
    for row in range(height):
        if row:
            text.append("\n")
        for col in range(width):
            top, bottom = data[col, row * 2], data[col, row * 2 + 1]
            text.append(HALF_BLOCK, Style(color=_hex(top), bgcolor=_hex(bottom)))
    return text


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb[:3])


def clear_cache() -> None:
    _render.cache_clear()
