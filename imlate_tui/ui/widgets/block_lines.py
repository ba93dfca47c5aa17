"""Lines of block characters drawn straight to strips: the fast way to show big letters and initials.

Why not a `rich.text.Text` in a `Static`: Textual turns a Text into `Content` and wraps, measures and
styles it character by character on every render; a 54x36 box of initials or a name in scale-3 block
letters costs 3-9 ms a frame that way, more than the rest of the result screen, on each scan. These
lines need none of that: every line has one style, no markup, no wrapping (cropped at the width like
`no_wrap=True, overflow="crop"`), so each becomes one segment. The widget's CSS still applies (colour,
background, bold, `content-align`). `str()` gives the plain text, as `str(Text)` did.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from rich.cells import cell_len
from rich.color import ColorSystem
from rich.console import COLOR_SYSTEMS, Console
from rich.segment import Segment
from textual.geometry import Size
from textual.strip import Strip
from textual.style import Style
from textual.css.styles import RulesMap
from textual.visual import RenderOptions, Visual

from imlate_tui.ui.photo import HALF_BLOCK, Run, Runs, run_style, sgr_colour

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
        for (text, line_style), cells in zip(self.lines[:count], self._widths):
            strip = Strip([Segment(text, (style + line_style).rich_style)], cells)
            strips.append(strip.crop(0, width) if cells > width else strip)
        return strips

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return max(self._widths, default=0)

    def get_height(self, rules: RulesMap, width: int) -> int:
        return len(self.lines)


class PhotoStrip(Strip):
    """One line of a half-block photo, drawn from its runs. Drawn whole (the usual frame), the line
    needs only its terminal text, made straight from the runs with one cached code per colour: Textual
    would make a Style's codes per run, and a real photograph is ~1,900 runs of ~1,944 cells, nearly
    every one a colour pair it has not seen. Its segments (a Style each) are made only if Textual asks
    for them (a dialog over the photo, a screenshot): making them for every new face was most of the
    time to show a result (~5 ms a scan, and the garbage collector's passes over them)."""

    def __init__(self, runs: Sequence[Run]) -> None:
        self.runs = runs
        self._terminal_text: dict[ColorSystem, str] = {}
        self._made: list[Segment] | None = None
        super().__init__((), sum(cells for _, _, cells in runs))

    # Strip keeps its segments in `_segments` (Textual 8, pinned in constraints.txt) and reads them
    # there in every method; this property makes them on first read. tests/test_photo.py checks that
    # the segments are the line and are not made for a frame.
    @property
    def _segments(self) -> list[Segment]:
        if self._made is None:
            self._made = [Segment(HALF_BLOCK * cells, run_style(top, bottom)) for top, bottom, cells in self.runs]
        return self._made

    @_segments.setter
    def _segments(self, _given: list[Segment]) -> None:
        """Strip.__init__ stores what it was given (nothing): the runs are the line."""

    def __bool__(self) -> bool:
        return self.cell_length > 0

    def divide(self, cuts: Iterable[int]) -> Sequence[Strip]:
        cuts = [cut for cut in cuts if cut <= self.cell_length]
        if cuts == [self.cell_length]:
            # Not cached: Strip keeps `[self]` in itself, a reference cycle, and a face's strips (with
            # their ~1,900 segments) then outlived the face until a full garbage collection.
            return [self]
        return super().divide(cuts)

    def render(self, console: Console) -> str:
        system = COLOR_SYSTEMS.get(console.color_system or "", ColorSystem.TRUECOLOR)
        text = self._terminal_text.get(system)
        if text is None:
            text = self._terminal_text[system] = "".join([
                f"\x1b[{sgr_colour(top, system, True)};{sgr_colour(bottom, system, False)}m{HALF_BLOCK * cells}\x1b[0m"
                for top, bottom, cells in self.runs])
        return text


class RunLines(BlockLines):
    """A half-block photo (`photo.photo_runs`), a `PhotoStrip` a line. As a `rich.text.Text` with a span
    a cell, Textual turned a 54x36 portrait into Content on every new face (a micro-benchmark: 33 ms to
    set, 72 to draw); `PhotoView.render_lines` hands these strips to the screen as they are."""

    def __init__(self, runs: Runs) -> None:
        self.strips = [PhotoStrip(line) for line in runs]
        super().__init__([(HALF_BLOCK * strip.cell_length, PLAIN) for strip in self.strips])
        self.size = Size(max(self._widths, default=0), len(self.strips))

    def render_strips(self, width: int, height: int | None, style: Style, options: RenderOptions) -> list[Strip]:
        strips = self.strips if height is None else self.strips[:height]
        return [strip.crop(0, width) for strip in strips]
