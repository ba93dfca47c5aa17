"""Who is on site now, grouped for a roll call: staff, visitors, then students by year and form."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from imlate_tui.db import tracks
from imlate_tui.services.roster import fire_groups
from imlate_tui.ui.admin.base import AdminScreen

PRINT_HINT = "To print: `imlate firelist` (or `--format csv`) in a shell on this machine."


class FireListScreen(AdminScreen):
    MODE = "firelist"
    BINDINGS = [Binding("r", "app.show('rollcall')", "Roll call (tick off)")]

    def body(self) -> ComposeResult:
        yield Static(id="fire-head", classes="screen-head")
        with VerticalScroll(id="fire-body"):
            yield Static(id="fire-list")
        yield Static(PRINT_HINT, classes="note")

    def on_mount(self) -> None:
        self.query_one("#fire-body").focus()   # so Up/Down/PgUp/PgDn scroll a long list
        super().on_mount()

    def reload(self) -> None:
        tz = self.admin.settings.tz
        now = self.admin.clock()
        groups = fire_groups(tracks.roster(self.admin.today()))
        total = sum(len(members) for _, members in groups)
        by_kind = {"staff": 0, "visitor": 0, "student": 0}
        for _, members in groups:
            for r in members:
                by_kind[r.person.kind] = by_kind.get(r.person.kind, 0) + 1
        self.query_one("#fire-head", Static).update(
            f"Fire list {now.astimezone(tz):%a %d %b %H:%M}: {total} on site  "
            f"(staff {by_kind['staff']}, visitors {by_kind['visitor']}, students {by_kind['student']})")
        out = Text()
        if not groups:
            out.append("Nobody is signed in.")
        for title, members in groups:
            out.append(f"{title} ({len(members)})\n", style="bold")
            for r in members:
                since = r.last_event_at.astimezone(tz).strftime("%H:%M") if r.last_event_at else ""
                out.append(f"  [ ] {r.person.display_name:<36} in since {since}\n")
        self.query_one("#fire-list", Static).update(out)
