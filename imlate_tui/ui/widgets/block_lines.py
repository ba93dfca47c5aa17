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
from rich.style import Style as RichStyle
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
        count = len(self.lines) if height is None else min(height, len(self.lines))
        strips = []
        for index, cells in zip(range(count), self._widths):
            strip = Strip(self._segments(index, style), cells)
            strips.append(strip.crop(0, width) if cells > width else strip)
        return strips

    def _segments(self, index: int, style: Style) -> list[Segment]:
        text, line_style = self.lines[index]
        return [Segment(text, (style + line_style).rich_style)]

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return max(self._widths, default=0)

    def get_height(self, rules: RulesMap, width: int) -> int:
        return len(self.lines)


class RunLines(BlockLines):
    """Lines made of runs of cells, each run with its own colours: a half-block photo (`photo.photo_runs`).
    Drawn as they are, one segment a run: as a `rich.text.Text` with a span a cell, Textual turned a
    54x36 portrait into Content on every new face (a micro-benchmark: 33 ms to set, 72 to draw, against
    0.4 and 11 ms this way; docs/reliability.md)."""

    def __init__(self, runs: Sequence[Sequence[tuple[str, RichStyle]]]) -> None:
        super().__init__([("".join(text for text, _ in line), PLAIN) for line in runs])
        # Every run sets both its colours, so the widget's own style has nothing to add to them.
        self._runs = [[Segment(text, run_style) for text, run_style in line] for line in runs]

    def _segments(self, index: int, style: Style) -> list[Segment]:
        return self._runs[index]

