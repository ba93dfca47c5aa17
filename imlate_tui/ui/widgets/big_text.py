"""A line of block letters (`big_font`) as large as the width allows, up to `max_scale`.

When even the smallest letters do not fit (a long name on 80 columns) it draws `short` (the first
word: "DANIEL") in block letters with the whole text in bold under it, or only the bold text, so
nothing is ever cut off.

Drawn as `BlockLines` (one segment a line) and the letters cached per (words, scale): a name is laid
out and drawn several times while a scan's result goes on screen, and Textual's general text path
costs milliseconds a frame for a scale-3 name.
"""

from __future__ import annotations

from functools import lru_cache

from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

from imlate_tui.ui.widgets import big_font
from imlate_tui.ui.widgets.block_lines import BOLD, BlockLines


class BigText(Widget):
    DEFAULT_CSS = """
    BigText { width: 1fr; height: auto; }
    BigText.-right { content-align: right top; }
    """

    text: reactive[str] = reactive("")  # a layout pass only when the height changes: see watch_text
    max_scale: reactive[int] = reactive(3, layout=True)

    def __init__(self, text: str = "", *, max_scale: int = 3, **kwargs) -> None:
        super().__init__(**kwargs)
        # Steady: at least the room of the largest letters, drawn or not, so new words seldom change
        # the height (and so seldom lay the screen out again); see ResultPanel.on_resize.
        self.steady = False
        self.set_reactive(BigText.max_scale, max_scale)
        self.set_reactive(BigText.text, text)

    def scale_for(self, text: str, width: int) -> int:
        return _fitting_scale(text, width, self.max_scale)

    def _layout(self, width: int) -> tuple[str, int, bool]:
        """(words drawn in block letters, their scale, whether the whole text follows in bold)."""
        return _layout(self.text, width, self.max_scale)

    def watch_text(self, old: str, new: str) -> None:
        width = self.content_size.width
        if not self.is_mounted or not width or self._height_of(old, width) != self._height_of(new, width):
            self.refresh(layout=True)

    def _height_of(self, text: str, width: int) -> int:
        least = big_font.line_count(self.max_scale) if self.steady else 0
        if not text:
            return least
        _, scale, plain = _layout(text, width, self.max_scale)
        return max(least, (big_font.line_count(scale) if scale else 0) + plain)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self._height_of(self.text, width)

    def render(self) -> BlockLines:
        words, scale, plain = self._layout(self.content_size.width)
        letters = _letters(words, scale) if scale else BlockLines([])
        return letters + BlockLines([(self.text, BOLD)]) if plain else letters


@lru_cache(maxsize=1024)
def _fitting_scale(text: str, width: int, max_scale: int) -> int:
    return big_font.fitting_scale(text, width, big_font.line_count(max_scale), max_scale)


@lru_cache(maxsize=1024)
def _layout(text: str, width: int, max_scale: int) -> tuple[str, int, bool]:
    scale = _fitting_scale(text, width, max_scale)
    if scale:
        return text, scale, False
    short = text.split()[0] if text.split() else ""
    scale = _fitting_scale(short, width, max_scale) if short != text else 0
    return short, scale, True


@lru_cache(maxsize=256)
def _letters(words: str, scale: int) -> BlockLines:
    return BlockLines.of(big_font.render(words, scale))
