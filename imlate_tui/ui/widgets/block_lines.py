"""Lines of block characters drawn straight to strips: the fast way to show big letters and initials.

Why not a `rich.text.Text` in a `Static`: Textual turns a Text into `Content` and wraps, measures and
styles it character by character on every render; a 54x36 box of initials or a name in scale-3 block
letters costs 3-9 ms a frame that way, more than the rest of the result screen, on each scan. These
lines need none of that: every line has one style, no markup, no wrapping (cropped at the width like
`no_wrap=True, overflow="crop"`), so each becomes one segment. The widget's CSS still applies (colour,
background, bold, `content-align`). `str()` gives the plain text, as `str(Text)` did.
"""

from __future__ import annotations

from typing import Sequence

from rich.cells import cell_len
from rich.segment import Segment
from textual.strip import Strip
from textual.style import Style
from textual.css.styles import RulesMap
from textual.visual import RenderOptions, Visual

PLAIN = Style()
BOLD = Style(bold=True)


class BlockLines(Visual):
    """`lines`: (text, style) pairs, one per line, drawn as they are."""

    def __init__(self, lines: Sequence[tuple[str, Style]]) -> None:
        self.lines = list(lines)
        self._widths = [cell_len(text) for text, _ in self.lines]

    @classmethod
    def of(cls, text: str, style: Style = PLAIN) -> BlockLines:
        return cls([(line, style) for line in text.split("\n")] if text else [])

    def __add__(self, other: BlockLines) -> BlockLines:
        return BlockLines(self.lines + other.lines)

    def __str__(self) -> str:
        return "\n".join(text for text, _ in self.lines)

    def render_strips(self, width: int, height: int | None, style: Style, options: RenderOptions) -> list[Strip]:
        if not width:
            return []
        lines = self.lines if height is None else self.lines[:height]
        strips = []
        for (text, line_style), cells in zip(lines, self._widths):
            strip = Strip([Segment(text, (style + line_style).rich_style)], cells)
            strips.append(strip.crop(0, width) if cells > width else strip)
        return strips

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return max(self._widths, default=0)

    def get_height(self, rules: RulesMap, width: int) -> int:
        return len(self.lines)
