"""The person's photo on the kiosk: as large as the room it is given, drawn the best way the terminal can.

The app decides once, before it starts, how photos can be drawn (`ui/photo_mode.py`) and keeps it as
`app.photo_mode`; this widget reads it. Sixel: the synced photo's real pixels (`SixelPhoto`). Kitty:
textual-image's kitty-protocol widget. Otherwise half blocks from the small copy photo sync keeps,
and initials on a 16-colour console or when there is no usable photo.

Size: whatever CSS gives it. With `width: auto; height: auto` it takes the largest box of the
photo's shape (3:4 when there is none) that fits the space its parent offers, so a bigger container
simply gives a bigger photo; the picture is redrawn at the new size whenever it changes (resize).

It is a `Static`, and `update(portrait(path, name, w, h, colour=...))` (what the result panel calls)
draws that person this way; other content is shown as text, as in any `Static`.
"""

from __future__ import annotations

from pathlib import Path

from textual.filter import ANSIToTruecolor
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static
from textual.visual import VisualType

from imlate_tui.ui.photo import Portrait, fit_cells, full_size_file, initials_block, load_picture, photo_runs
from imlate_tui.ui.photo_mode import PhotoMode, cell_pixels, load_picture_support
from imlate_tui.ui.widgets.block_lines import BOLD, BlockLines, RunLines

PASSPORT = (3, 4)  # the shape of the box when there is no photo, so the layout does not jump
HALF_BLOCK_CELL = (1, 2)  # a half-block cell holds one pixel across and two down


class PhotoView(Static):
    DEFAULT_CSS = """
    PhotoView { width: auto; height: auto; max-width: 50%; align: center middle; content-align: center middle; }
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.person: tuple[Path | None, str] | None = None
        self.colour = True
        self.drawn_as: PhotoMode | None = None  # how the current person is drawn (tests read this)

    @property
    def mode(self) -> PhotoMode:
        mode = getattr(self.app, "photo_mode", PhotoMode.HALF_BLOCKS)
        if mode is PhotoMode.HALF_BLOCKS and not self.colour:
            return PhotoMode.INITIALS
        if mode is PhotoMode.HALF_BLOCKS and self.app.console.color_system not in ("truecolor", "256"):
            return PhotoMode.INITIALS
        return mode

    # -- what the result panel calls --------------------------------------------------------------

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        if isinstance(content, Portrait):
            self.show(content.path, content.name, colour=content.colour)
            return
        self.person = None
        self._drop_picture()
        super().update(content, layout=layout)

    def show(self, path: Path | None, name: str, *, colour: bool = True) -> None:
        """Draw this person: `path` is their stored photo (or its small copy), None for none."""
        before = self._shape() if self.content_size.area else None
        self.person, self.colour = (path, name), colour
        if self._shape() != before:
            self.refresh(layout=True)   # a box of another shape; drawn again on resize
        self._draw()

    # -- size ---------------------------------------------------------------------------------------

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self._box(container.width, container.height or viewport.height)[0]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self._box(width, container.height or viewport.height)[1]

    def _box(self, columns: int, rows: int) -> tuple[int, int]:
        shape, cell = self._shape()
        return fit_cells(shape, (columns, rows), cell)

    def _shape(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """(the picture's shape, one cell in its units): what the box's size follows."""
        picture = self._picture()
        shape = picture.size if picture is not None else PASSPORT
        cell = cell_pixels() if picture is not None and self.mode.draws_pixels else HALF_BLOCK_CELL
        return shape, cell

    def on_resize(self) -> None:
        if self.person is not None:
            self._draw()

    # -- drawing ------------------------------------------------------------------------------------

    def _picture(self):
        """The full-size picture when this terminal draws pixels and the person has a readable photo."""
        if self.person is None or self.person[0] is None or not self.mode.draws_pixels:
            return None
        return load_picture(full_size_file(self.person[0]))

    def _draw(self) -> None:
        path, name = self.person  # type: ignore[misc]
        columns, rows = self._box(*self.content_size) if self.content_size.area else (0, 0)
        picture = self._picture()
        if picture is not None:
            self.drawn_as = self.mode
            super().update("", layout=False)
            self._show_picture(picture, path, columns, rows)
            return
        self._drop_picture()
        runs = photo_runs(path, columns, rows) if self.mode is PhotoMode.HALF_BLOCKS and columns else None
        self.drawn_as = PhotoMode.HALF_BLOCKS if runs is not None else PhotoMode.INITIALS
        # Either way drawn straight to strips (block_lines.py says why).
        lines = RunLines(runs) if runs is not None else \
            BlockLines.of(initials_block(name, columns or 1, rows or 1).plain, BOLD)
        super().update(lines, layout=False)

    def render_lines(self, crop: Region) -> list[Strip]:
        """A half-block photo that fills the widget goes to the screen as its own strips: Textual's
        per-line styling adds nothing to cells that set both their colours (no padding or border here,
        the true-colour filter passes true colours through), and it would rebuild every run of a new
        face again: 5-12 ms a frame. Anything else (initials, another size, a colour filter such as
        NO_COLOR's) is drawn the usual way."""
        lines = self.visual
        if not isinstance(lines, RunLines) or self.size != lines.size or self._colours_filtered():
            return super().render_lines(crop)
        return [strip.crop(crop.x, crop.right) for strip in lines.strips[crop.y:crop.bottom]]

    def _colours_filtered(self) -> bool:
        return any(not isinstance(line_filter, ANSIToTruecolor) for line_filter in self.app.get_line_filters())

    def _show_picture(self, picture, path: Path, columns: int, rows: int) -> None:
        key = (str(full_size_file(path)), id(picture))
        current = self._picture_widget()
        if current is None or getattr(current, "key", None) != key:
            self._drop_picture()
            current = self._make_picture_widget(picture, key)
            self.mount(current)
        if columns and rows:
            current.styles.width, current.styles.height = columns, rows

    def _make_picture_widget(self, picture, key: tuple) -> Widget:
        load_picture_support()
        if self.mode is PhotoMode.SIXEL:
            from imlate_tui.ui.widgets.sixel_photo import SixelPhoto

            return SixelPhoto(picture, key, classes="picture")
        from textual_image.widget import TGPImage  # imported just above, its terminal query switched off

        widget = TGPImage(picture, classes="picture")
        widget.key = key  # type: ignore[attr-defined]
        return widget

    def _picture_widget(self) -> Widget | None:
        return next(iter(self.query(".picture")), None)

    def _drop_picture(self) -> None:
        for widget in list(self.query(".picture")):
            widget.remove()
