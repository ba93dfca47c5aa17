"""A person's photo for the terminal: the decoded picture, its box in text cells, half blocks, initials.

Half blocks ("▀": top pixel as foreground, bottom as background) are the fallback where the terminal
cannot draw images (`ui/photo_mode.py`); "▀" is in the standard Linux console fonts, so this degrades
to colour mush rather than missing glyphs; the kiosk shows initials instead when the terminal has only
16 colours. Rendering is cached per file (path, size on disk, modification time) and cell size,
because the same faces come back all day. Rich and Pillow only: no Textual here, so the photo code is
testable on its own; `ui/widgets/photo_view.py` puts it on screen.
"""

from __future__ import annotations

import logging
import warnings
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from rich.color import Color, ColorSystem, ColorType
from rich.color_triplet import ColorTriplet
from rich.style import Style
from rich.text import Text

if TYPE_CHECKING:   # Pillow (~20 ms) is imported where a picture is drawn, not before the first paint
    from PIL import Image

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
    """`height` lines of `width` cells with the initials in the middle (styled by the widget's CSS):
    drawn large in block characters when the box has room, so they read from across the room."""
    width, height = max(width, 1), max(height, 1)
    if width >= BIG_INITIALS_MIN[0] and height >= BIG_INITIALS_MIN[1]:
        big = _big_initials(initials(name), width, height)
        if big is not None:
            return big.copy()
    letters = " ".join(initials(name))[:width]
    lines = [" " * width for _ in range(height)]
    lines[height // 2] = letters.center(width)
    return Text("\n".join(lines), style="bold", no_wrap=True, overflow="crop")


BIG_INITIALS_MIN = (12, 6)  # columns, rows
# Two pixels per cell, one above the other: (top, bottom) -> the character that shows them.
_BLOCKS = {(False, False): " ", (True, False): "\u2580", (False, True): "\u2584", (True, True): "\u2588"}


@lru_cache(maxsize=1024)  # every pair of letters at the sizes in use: a few KB each
def _big_initials(letters: str, width: int, height: int) -> Text | None:
    """The letters drawn with Pillow's built-in font into a width x 2*height bitmap, shown with the
    block characters "▀▄█" (in every console font, so this works on the Linux console too)."""
    from PIL import Image, ImageDraw

    pixels_w, pixels_h = width, height * 2
    bitmap = Image.new("1", (pixels_w, pixels_h), 0)
    draw = ImageDraw.Draw(bitmap)
    size = int(pixels_h * 0.6)
    while size >= 8:
        font = _font(size)
        if font is None:
            return None
        stroke = size // 22  # bolder strokes on big letters: a thin line of half blocks is hard to see
        left, top, right, bottom = draw.textbbox((0, 0), letters, font=font, stroke_width=stroke)
        if right - left <= pixels_w * 0.85:
            break
        size = int(size * 0.85)
    else:
        return None
    draw.text(((pixels_w - (right - left)) / 2 - left, (pixels_h - (bottom - top)) / 2 - top), letters,
              fill=1, font=font, stroke_width=stroke, stroke_fill=1)
    lines = _block_rows(bitmap.convert("L").tobytes(), pixels_w, height)
    return Text("\n".join(lines), style="bold", no_wrap=True, overflow="crop")


@lru_cache(maxsize=64)
def _font(size: int):
    """Pillow's built-in font at `size` (loading it parses the font each time: ~1 ms), None without FreeType."""
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except (OSError, TypeError, ValueError, ImportError):  # a Pillow built without FreeType
        return None


_TOP, _BOTTOM = bytes.maketrans(b"\xff", b"\x02"), bytes.maketrans(b"\xff", b"\x01")
_CELL_OF_CODE = {0: " ", 1: "\u2584", 2: "\u2580", 3: "\u2588"}


def _block_rows(pixels: bytes, width: int, rows: int) -> list[str]:
    """A 0/255 bitmap `width` x 2*`rows` as `rows` lines of "▀▄█ ". Whole rows at a time (as big
    integers), not pixel by pixel: a 54x36 box is 3900 pixels, and per pixel this took 3 ms a scan."""
    lines = []
    for row in range(rows):
        top = pixels[2 * row * width:(2 * row + 1) * width].translate(_TOP)
        bottom = pixels[(2 * row + 1) * width:(2 * row + 2) * width].translate(_BOTTOM)
        codes = (int.from_bytes(top, "big") | int.from_bytes(bottom, "big")).to_bytes(width, "big")
        lines.append(codes.decode("latin-1").translate(_CELL_OF_CODE))
    return lines


def photo_runs(path: Path | None, width: int, height: int) -> Runs | None:
    """The photo at `path` as `height` lines of `width` half-block cells, or None when unreadable."""
    if path is None or width < 1 or height < 1:
        return None
    try:
        stat = path.stat()
    except OSError:
        return None
    rgb = _render(str(path), stat.st_mtime_ns, stat.st_size, width, height)
    return _runs(rgb, width, height) if rgb is not None else None


def photo_text(path: Path | None, width: int, height: int) -> Text | None:
    """`photo_runs` as a rich Text (what a plain `Static` shows)."""
    runs = photo_runs(path, width, height)
    if runs is None:
        return None
    text = Text(no_wrap=True, overflow="crop")
    for row, line in enumerate(runs):
        if row:
            text.append("\n")
        for top, bottom, cells in line:
            text.append(HALF_BLOCK * cells, run_style(top, bottom))
    return text


class Portrait(Text):
    """What `portrait` returns: the half-block (or initials) text, plus what it was made from, so a
    `PhotoView` given it draws the same person with the terminal's best method at its own size."""

    def __init__(self, text: Text, path: Path | None, name: str, colour: bool) -> None:
        super().__init__(text.plain, style=text.style, no_wrap=True, overflow="crop", spans=text.spans)
        self.path, self.name, self.colour = path, name, colour


def portrait(path: Path | None, name: str, width: int, height: int, *, colour: bool = True) -> Portrait:
    """The photo when there is one and the terminal can show it, else the initials."""
    text = photo_text(path, width, height) if colour else None
    return Portrait(text if text is not None else initials_block(name, width, height), path, name, colour)


# --- the full-size picture, for terminals that draw real pixels ------------------------------------

SMALL_SUFFIX = ".small.png"  # photo sync keeps "<stem>.small.png" beside each photo (64 px, for half blocks)


def full_size_file(path: Path) -> Path:
    """The photo as synced, given it or its small copy (graphics terminals draw the real pixels)."""
    if not path.name.endswith(SMALL_SUFFIX):
        return path
    stem = path.name[: -len(SMALL_SUFFIX)]
    for candidate in sorted(path.parent.glob(f"{stem}.*")):
        if candidate.name != path.name and candidate.stem == stem:
            return candidate
    return path


def load_picture(path: Path | None) -> Image.Image | None:
    """The decoded photo (upright, RGB), or None when missing or unreadable. Cached per file version."""
    if path is None:
        return None
    try:
        stat = path.stat()
    except OSError:
        return None
    return _load(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=32)
def _load(path: str, _mtime_ns: int, _size: int) -> Image.Image | None:
    from PIL import Image, ImageOps

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                picture = ImageOps.exif_transpose(img).convert("RGB")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        log.info("cannot draw photo %s: %s", path, exc)
        return None
    picture.load()
    return picture


def fit_cells(picture_size: tuple[int, int], room: tuple[int, int], cell: tuple[int, int]) -> tuple[int, int]:
    """The largest (columns, rows) inside `room` whose shape on screen is the picture's shape.

    `cell` is one text cell in the picture's units: screen pixels for sixel/kitty, (1, 2) for half
    blocks (a cell holds one pixel across and two down)."""
    (pic_w, pic_h), (cols, rows), (cell_w, cell_h) = picture_size, room, cell
    if min(pic_w, pic_h, cols, rows, cell_w, cell_h) <= 0:
        return 0, 0
    aspect = pic_w / pic_h
    fit_cols = round(rows * cell_h * aspect / cell_w)
    if fit_cols <= cols:
        return max(fit_cols, 1), rows
    return cols, max(min(round(cols * cell_w / (aspect * cell_h)), rows), 1)


# A photo in half blocks: its lines, each a tuple of runs of cells that share their two colours, a run
# as (the top pixel's RGB, the bottom pixel's RGB, how many cells). `widgets/block_lines.PhotoStrip`
# draws them; `run_style` is a run's colours as a rich Style.
Run = tuple[bytes, bytes, int]
Runs = tuple[tuple[Run, ...], ...]


@lru_cache(maxsize=256)
def _render(path: str, _mtime_ns: int, _size: int, width: int, height: int) -> bytes | None:
    """The photo fitted to `width` x 2*`height` pixels, RGB, in 32 levels a channel. Kept as one bytes
    object: a cache of styled runs held ~2,000 objects a face, and the garbage collector's full passes
    over them stopped the screen for 150 ms at a time."""
    from PIL import Image, ImageOps

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
    return pixels.tobytes().translate(_LEVELS)   # 3 bytes a pixel, row after row


def _runs(rgb: bytes, width: int, height: int) -> Runs:
    step = 3 * width
    lines = []
    for row in range(height):
        top, bottom = rgb[2 * row * step:(2 * row + 1) * step], rgb[(2 * row + 1) * step:(2 * row + 2) * step]
        cells = [(top[i:i + 3], bottom[i:i + 3]) for i in range(0, step, 3)]
        runs, start = [], 0
        for col in range(1, width + 1):
            if col == width or cells[col] != cells[start]:
                runs.append((*cells[start], col - start))
                start = col
        lines.append(tuple(runs))
    return tuple(lines)


# 32 levels a channel instead of 256: at two pixels a text cell only smooth gradients show (faint
# steps), and neighbouring cells now often share their colours, so a portrait is fewer runs (segments
# for Textual to draw) and its colours are mostly ones seen before (the caches below).
_LEVELS = bytes((level & 0xF8) | 0x04 for level in range(256))


def run_style(top: bytes, bottom: bytes) -> Style:
    """A run's colours (RGB bytes) as a Style. Built from the colours directly: parsing "#rrggbb" for
    each of a portrait's ~2,000 cells took ~20 ms a new face."""
    return Style.from_color(_colour(top), _colour(bottom))


@lru_cache(maxsize=4096)
def sgr_colour(rgb: bytes, system: ColorSystem, foreground: bool) -> str:
    """The terminal's code for one colour as a foreground or background ("38;2;r;g;b" at true colour),
    exactly as Rich and Textual write it, downgraded to the terminal's colour system."""
    return ";".join(_colour(rgb).downgrade(system).get_ansi_codes(foreground))


@lru_cache(maxsize=4096)
def _colour(rgb: bytes) -> Color:
    return Color(f"#{rgb.hex()}", ColorType.TRUECOLOR, triplet=ColorTriplet(*rgb))


def clear_cache() -> None:
    _render.cache_clear()
    sgr_colour.cache_clear()
    _colour.cache_clear()
    _load.cache_clear()
