"""What every admin screen has: the navigation bar, who you are, a footer, and reloading on change.

The app polls the database's change marker; when it moves, the app bumps `generation` and asks the
current screen to reload. A screen that was not current reloads when it is shown again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Static

if TYPE_CHECKING:
    from imlate_tui.ui.admin_app import AdminApp

SCREENS = (("f1", "late", "Today"), ("f2", "roster", "Roster"), ("f3", "firelist", "Fire list"), ("f4", "queue", "Writeback"),
           ("f5", "jobs", "Jobs"), ("f6", "audit", "Audit log"),
           ("f10", "rollcall", "Roll call"),
           ("f12", "visitors", "Visitors"))


class NavLine(Widget):
    """The screens and their keys, the current one highlighted; whole entries wrap onto a second line
    when the terminal is narrower than all eight (at 80 columns every key stays visible)."""

    DEFAULT_CSS = "NavLine { height: auto; }"

    def __init__(self, current: str) -> None:
        super().__init__(id="nav")
        self.current = current

    def lines(self, width: int) -> list[Text]:
        lines = [Text()]
        for key, mode, label in SCREENS:
            entry = Text.assemble((f" {key.upper()} ", "bold"),
                                  (label, "reverse bold" if mode == self.current else ""), " ")
            if lines[-1].cell_len and lines[-1].cell_len + entry.cell_len > width:
                lines.append(Text())
            lines[-1].append_text(entry)
        return lines

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))

    def render(self) -> Text:
        return Text("\n").join(self.lines(self.content_size.width or self.app.size.width))


class NavBar(Vertical):
    """The navigation line(s), then who is at the keyboard."""

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        yield NavLine(self.current)
        app = cast("AdminApp", self.app)
        who = Static(app.who_line, id="who")
        if not app.actions.can_change:
            who.add_class("read-only")
        yield who


class AdminScreen(Screen[None]):
    """Subclasses compose their body in `body()` and re-read the database in `reload()`."""

    MODE = "roster"

    def __init__(self) -> None:
        super().__init__()
        self.loaded_generation = -1
        self._ready = False

    @property
    def admin(self) -> "AdminApp":
        return cast("AdminApp", self.app)

    def compose(self) -> ComposeResult:
        yield NavBar(self.MODE)
        yield from self.body()
        yield Footer()

    def body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self._ready = True   # subclasses set up their tables before calling this
        self.reload_if_stale()

    def on_screen_resume(self) -> None:
        self.reload_if_stale()

    def reload_if_stale(self) -> None:
        # The app's poll can fire while this screen is still being composed and mounted (a change
        # landing just as F6 is pressed): its tables have no columns yet, so reloading then would
        # fail. Its own on_mount reloads with the latest generation instead.
        if not self._ready:
            return
        if self.loaded_generation != self.admin.generation:
            self.loaded_generation = self.admin.generation
            self.reload()

    def reload(self) -> None:
        """Read what the screen shows from the database again."""


def refill(table: DataTable, rows: Iterable[tuple[str, tuple]]) -> None:
    """Replace a table's rows, keeping the cursor on the same row when it is still there."""
    keep = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value if table.row_count else None
    table.clear()
    for key, cells in rows:
        table.add_row(*cells, key=key)
    if keep is not None and keep in table.rows:
        table.move_cursor(row=table.get_row_index(keep))


def selected_key(table: DataTable) -> str | None:
    if not table.row_count:
        return None
    return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value


CURSOR_KEYS = [
    Binding("down", "cursor('down')", show=False),
    Binding("up", "cursor('up')", show=False),
    Binding("pagedown", "cursor('page_down')", show=False),
    Binding("pageup", "cursor('page_up')", show=False),
]
"""Lists with a search box: the arrows move the list's cursor while the box has the keyboard."""


class SearchedList(AdminScreen):
    """A screen of one list (`self.table`) and a search box; add `CURSOR_KEYS` to its bindings."""

    table: DataTable

    def action_cursor(self, where: str) -> None:
        getattr(self.table, f"action_{'cursor_' if where in ('up', 'down') else ''}{where}")()

