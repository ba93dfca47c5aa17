"""A line of block letters (`big_font`) as large as the width allows, up to `max_scale`.

When even the smallest letters do not fit (a long name on 80 columns) it draws `short` (the first
word: "DANIEL") in block letters with the whole text in bold under it, or only the bold text, so
nothing is ever cut off.
"""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

from imlate_tui.ui.widgets import big_font


class BigText(Widget):
    DEFAULT_CSS = """
    BigText { width: 1fr; height: auto; }
    BigText.-right { content-align: right top; }
    """

    text: reactive[str] = reactive("", layout=True)
    max_scale: reactive[int] = reactive(3, layout=True)

    def __init__(self, text: str = "", *, max_scale: int = 3, **kwargs) -> None:
        super().__init__(**kwargs)
        self.set_reactive(BigText.max_scale, max_scale)
        self.set_reactive(BigText.text, text)

    def scale_for(self, text: str, width: int) -> int:
        return big_font.fitting_scale(text, width, big_font.line_count(self.max_scale), self.max_scale)

    def _layout(self, width: int) -> tuple[str, int, bool]:
        """(words drawn in block letters, their scale, whether the whole text follows in bold)."""
        scale = self.scale_for(self.text, width)
        if scale:
            return self.text, scale, False
        short = self.text.split()[0] if self.text.split() else ""
        scale = self.scale_for(short, width) if short != self.text else 0
        return short, scale, True

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if not self.text:
            return 0
        _, scale, plain = self._layout(width)
        return (big_font.line_count(scale) if scale else 0) + plain

    def render(self) -> Text:
        words, scale, plain = self._layout(self.content_size.width)
        text = Text(big_font.render(words, scale) if scale else "", no_wrap=True, overflow="crop")
        if plain:
            text.append(("\n" if scale else "") + self.text, style="bold")
        return text
