"""A line of block letters (`big_font`) as large as the width allows, up to `max_scale`.

When even the smallest letters do not fit (a long name on 80 columns) it shows the plain text in bold,
so nothing is ever cut off.
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

    def scale_for(self, width: int) -> int:
        return big_font.fitting_scale(self.text, width, big_font.line_count(self.max_scale), self.max_scale)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if not self.text:
            return 0
        scale = self.scale_for(width)
        return big_font.line_count(scale) if scale else 1

    def render(self) -> Text:
        scale = self.scale_for(self.content_size.width)
        if not scale:
            return Text(self.text, style="bold", no_wrap=True, overflow="ellipsis")
        return Text(big_font.render(self.text, scale), no_wrap=True, overflow="crop")
