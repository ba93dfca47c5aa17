"""A photo drawn with sixel graphics: the real pixels, the widget's full size, encoded off the UI thread.

textual-image's sixel encoder does the work (through its Rich renderable, its public API). Encoding a
face at kiosk size is slow (pure Python): measured 0.2-0.35 s for 330x440 to 500x650 pixels on an idle
x86 test machine, 2.2-2.6 s for 688x925 (1920x1080 screen) on the same machine under heavy load, and
a Pi is slower. Done in `render_lines` on the UI thread (as textual-image's own widget does) that
would freeze the kiosk: the next scan would wait. So this widget encodes in a
thread worker, keeps recent encodings (the same faces come back all day), draws nothing until the
picture is ready, and then writes the sixel sequence into its last line: the cursor goes to the
widget's top-left corner, the image is drawn, and the cursor goes back to where Textual expects it.
Its other lines only move the cursor across, so no text is ever written over the picture, and the
picture comes after anything Textual writes above it in the same frame.

A sixel image stays on the terminal until text is written over it (foot erases it cell by cell).
Whenever the widget's screen is not the top one (a dialog on top) or the widget is clipped, it
draws nothing, and the background Textual paints there instead removes the picture.
"""

from __future__ import annotations

import io
import logging
import re
from collections import OrderedDict
from threading import Lock

from PIL import Image, ImageOps
from rich.console import Console
from rich.control import Control
from rich.segment import ControlType, Segment
from textual import work
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

from imlate_tui.ui.photo_mode import cell_pixels

log = logging.getLogger(__name__)

# A zero-width control code: Textual then counts the sixel data as taking no cells and leaves it alone.
_NO_WIDTH = ((ControlType.CURSOR_FORWARD, 0),)
_CACHE_SIZE = 8  # encodings of a few hundred kB each; the same faces come back within minutes

_cache: OrderedDict[tuple, str] = OrderedDict()
_cache_lock = Lock()


def encode_sixel(picture: Image.Image, columns: int, rows: int, cell: tuple[int, int]) -> str:
    """The sixel sequence that fills `columns` x `rows` cells with `picture` (cropped to that shape)."""
    from textual_image.renderable.sixel import Image as SixelRenderable

    exact = ImageOps.fit(picture, (columns * cell[0], rows * cell[1]), Image.Resampling.LANCZOS)
    console = Console(file=io.StringIO(), width=columns, height=rows, force_terminal=True,
                      color_system="truecolor", legacy_windows=False)
    options = console.options.update(width=columns, height=rows)
    for segment in console.render(SixelRenderable(exact, columns, rows), options):
        if segment.text.startswith("\x1bP"):
            return palette_first(segment.text)
    raise ValueError("textual-image produced no sixel data")


_COLOUR_DEFINITION = re.compile(r"#(\d+);2;(\d+);(\d+);(\d+)")
_RASTER = re.compile(r'\x1bP[0-9;]*q("[0-9;]*)?')


def palette_first(sixel: str) -> str:
    """The same image with every colour defined before the first pixel.

    textual-image defines each colour where it is first used, mostly inside the first band of six
    rows. foot 1.13 (Debian 12) draws that band wrongly (stray pixels in its first hundred or so
    columns, seen on screenshots); with the palette up front, as libsixel writes it, the band is
    right. Left as it was if a colour number is ever defined twice."""
    definitions = _COLOUR_DEFINITION.findall(sixel)
    if len({d[0] for d in definitions}) != len(definitions) or (start := _RASTER.match(sixel)) is None:
        return sixel
    palette = "".join(f"#{n};2;{r};{g};{b}" for n, r, g, b in definitions)
    return start.group(0) + palette + _COLOUR_DEFINITION.sub(r"#\1", sixel[start.end():])


def cached_sixel(key: tuple, picture: Image.Image, columns: int, rows: int, cell: tuple[int, int]) -> str:
    full_key = (*key, columns, rows, cell)
    with _cache_lock:
        if full_key in _cache:
            _cache.move_to_end(full_key)
            return _cache[full_key]
    data = encode_sixel(picture, columns, rows, cell)
    with _cache_lock:
        _cache[full_key] = data
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return data


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


class SixelPhoto(Widget):
    """Give it a picture and a size (CSS); it fills that size with the picture's pixels."""

    DEFAULT_CSS = "SixelPhoto { width: 1fr; height: 1fr; }"

    def __init__(self, picture: Image.Image, key: tuple, **kwargs) -> None:
        super().__init__(**kwargs)
        self.picture = picture
        self.key = key
        self._sixel: tuple[Size, str] | None = None
        self.ready_for: Size | None = None  # tests wait on this

    def on_resize(self) -> None:
        self._sixel = None
        self.ready_for = None
        if self.size.width > 0 and self.size.height > 0:
            self._encode(self.size)

    @work(thread=True, exclusive=True, group="sixel")
    def _encode(self, size: Size) -> None:
        try:
            data = cached_sixel(self.key, self.picture, size.width, size.height, cell_pixels())
        except Exception:
            log.exception("sixel encoding failed for photo %s", self.key[0])
            return
        self.app.call_from_thread(self._encoded, size, data)

    def _encoded(self, size: Size, data: str) -> None:
        if size == self.size:
            self._sixel = (size, data)
            self.ready_for = size
            self.refresh()

    def render_lines(self, crop: Region) -> list[Strip]:
        if self._sixel is None or self._sixel[0] != self.size or not self.is_mounted:
            return [Strip([])] * crop.height  # what is behind (the background) shows through
        try:
            placed = self.screen.find_widget(self) if self.screen.is_active else None
        except Exception:  # not on a screen (any more)
            placed = None
        if placed is None or placed.visible_region != placed.region:
            return [Strip([])] * crop.height  # partly covered: the picture would paint over what covers it
        # Every line but the last only moves the cursor across (writing nothing over the picture);
        # the last one draws the whole picture from the top-left corner, then puts the cursor where
        # Textual expects it: just after this widget's cells on that line.
        region = placed.region
        last_y = region.y + crop.bottom - 1
        skip = Strip([Segment(f"\x1b[{crop.width}C", None, _NO_WIDTH)], cell_length=crop.width)
        picture = Strip([
            Segment(Control.move_to(region.x, region.y).segment.text, None, _NO_WIDTH),
            Segment(self._sixel[1], None, _NO_WIDTH),
            Segment(Control.move_to(region.x + crop.right, last_y).segment.text, None, _NO_WIDTH),
        ], cell_length=crop.width)
        return [skip] * (crop.height - 1) + [picture]
