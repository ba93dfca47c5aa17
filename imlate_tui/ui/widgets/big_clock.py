"""A large HH:MM drawn with block characters (full and half blocks are in every console font).

Textual's `Digits` uses heavy box-drawing pieces that the Linux console fonts lack, hence this.
The glyphs are 3x5 pixels, scaled to the space the widget has, two pixel rows per text line.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

_FONT = {
    "0": ("###", "# #", "# #", "# #", "###"),
    "1": (" # ", "## ", " # ", " # ", "###"),
    "2": ("###", "  #", "###", "#  ", "###"),
    "3": ("###", "  #", " ##", "  #", "###"),
    "4": ("# #", "# #", "###", "  #", "  #"),
    "5": ("###", "#  ", "###", "  #", "###"),
    "6": ("###", "#  ", "###", "# #", "###"),
    "7": ("###", "  #", "  #", "  #", "  #"),
    "8": ("###", "# #", "###", "# #", "###"),
    "9": ("###", "# #", "###", "  #", "###"),
    ":": (" ", "#", " ", "#", " "),
    " ": ("   ",) * 5,
}
_CELLS = {(True, True): "\u2588", (True, False): "\u2580", (False, True): "\u2584", (False, False): " "}
MAX_SCALE = 6


def pixel_rows(text: str, scale: int) -> list[str]:
    """The text as rows of '#'/' ' pixels, each glyph pixel `scale` wide and tall, 1 pixel between glyphs."""
    glyphs = [_FONT.get(ch, _FONT[" "]) for ch in text]
    rows = []
    for y in range(5):
        row = (" " * scale).join("".join(px * scale for px in glyph[y]) for glyph in glyphs)
        rows.extend([row] * scale)
    return rows


def block_text(text: str, scale: int) -> str:
    """Pixel rows folded two at a time into half-block characters."""
    rows = pixel_rows(text, scale)
    if len(rows) % 2:
        rows.append(" " * len(rows[0]))
    lines = []
    for top, bottom in zip(rows[::2], rows[1::2]):
        lines.append("".join(_CELLS[(t == "#", b == "#")] for t, b in zip(top, bottom)))
    return "\n".join(lines)


def fitting_scale(text: str, width: int, height: int) -> int:
    """The largest scale at which `text` fits in width x height cells (at least 1)."""
    for scale in range(MAX_SCALE, 1, -1):
        cols = len(pixel_rows(text, scale)[0])
        lines = (5 * scale + 1) // 2
        if cols <= width and lines <= height:
            return scale
    return 1


class BigClock(Widget):
    DEFAULT_CSS = """
    BigClock { width: 1fr; height: 1fr; content-align: center middle; }
    """

    time_text: reactive[str] = reactive("--:--")

    def render(self) -> Text:
        scale = fitting_scale(self.time_text, self.size.width, self.size.height)
        return Text(block_text(self.time_text, scale), no_wrap=True, overflow="crop")
