"""The fire roll call in `imlate admin` (F10, or R on the fire list): one list, many marshals.

Designed for a phone over SSH first (45x25): one line of numbers, one line of who is missing by
group, the list with a tick column, and single keys: Space marks found (only Space: Enter never
marks, so a stray Enter cannot tick the wrong person), M shows only the missing, G steps through the
groups, / searches by name. Other sessions' marks arrive through the app's change
marker within about a second (`AdminScreen.reload`). Nothing here needs the network beyond the database.
"""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from imlate_tui.db import roll_calls, tracks
from imlate_tui.db.office_models import RollCall, RollCallEntry
from imlate_tui.domain.scanning import Status
from imlate_tui.errors import ImlateError
from imlate_tui.services.roll_call import RollCallDesk, missing_by_kind_and_year, tally
from imlate_tui.ui.admin.base import AdminScreen
from imlate_tui.ui.admin.dialogs import ConfirmDialog


class RollCallScreen(AdminScreen):
    MODE = "rollcall"
    AUTO_FOCUS = "#rc-table"   # the list, not the search box above it: keys are marks, not a name
    DEFAULT_CSS = """
    RollCallScreen #rc-head { height: auto; max-height: 2; padding: 0 1; text-style: bold; }
    RollCallScreen #rc-missing { height: auto; max-height: 3; padding: 0 1; color: $warning; }
    RollCallScreen #rc-filter { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("space", "toggle", "Found"),
        # M, G and / are named on the filter line instead, so the footer fits 45 columns.
        Binding("m", "missing_only", "Missing", show=False),
        Binding("g", "next_group", "Group", show=False),
        Binding("s", "start", "Start"),
        Binding("e", "end", "End"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.call: RollCall | None = None
        self.rows: list[RollCallEntry] = []
        self.missing_only = False
        self.group: str | None = None
        self.search_text = ""
        self.searching = False
        """After /, until Enter or Esc: keys reaching the screen go to the search box."""

    @property
    def desk(self) -> RollCallDesk:
        actions = self.admin.actions
        return RollCallDesk(self.admin.settings, user=actions.user, client=actions.client,
                            can_change=actions.can_change, clock=self.admin.clock)

    @property
    def table(self) -> DataTable:
        return self.query_one("#rc-table", DataTable)

    def body(self) -> ComposeResult:
        yield Static(id="rc-head")
        yield Static(id="rc-missing")
        yield Input(placeholder="/ then a name; Enter: list; Esc: all", id="rc-search")
        yield DataTable(id="rc-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="rc-filter")

    def on_mount(self) -> None:
        search = self.query_one("#rc-search", Input)
        search.styles.border = ("none", "black")   # one line, not three: rows are precious on a phone
        search.styles.height = 1
        search.styles.padding = (0, 1)
        self.table.add_column(" ", key="mark", width=3)
        self.table.add_column("Name", key="name")
        self.table.add_column("Group", key="group")
        self.table.add_column("Found", key="found")
        self.table.focus()
        super().on_mount()

    # -- reading -----------------------------------------------------------------------------------

    def reload(self) -> None:
        self.call = roll_calls.running() or roll_calls.latest()
        self.rows = roll_calls.entries(self.call.id) if self.call else []
        self._draw()

    def _draw(self) -> None:
        tz = self.admin.settings.tz
        head = self.query_one("#rc-head", Static)
        missing_line = self.query_one("#rc-missing", Static)
        call = self.call
        if call is None:
            on_site = sum(1 for r in tracks.roster(self.admin.today()) if r.status is Status.SIGNED_IN)
            head.update(f"No roll call yet. S starts one: it freezes the {on_site} on site now.")
            missing_line.update("")
        else:
            t = tally(self.rows)
            when = call.started_at.astimezone(tz).strftime("%H:%M")
            # Short enough for one line on a phone (45 columns); who started and ended it is in the audit log.
            if call.ended_at is None:
                head.update(f"ROLL CALL {when}: {t.found}/{t.total} found, {t.missing} MISSING")
            else:
                ended = call.ended_at.astimezone(tz).strftime("%H:%M")
                head.update(f"Ended {when}-{ended}: {t.found}/{t.total} found, {t.missing} missing")
            by_group = missing_by_kind_and_year(self.rows)
            missing_line.update("Missing: " + ", ".join(f"{_short(g)} {n}" for g, n in by_group) if by_group else
                                ("Everyone is found." if self.rows else ""))
        self._fill_table()
        self.refresh_bindings()
        group = self.group or "all groups"
        self.query_one("#rc-filter", Static).update(
            f"{'Missing only' if self.missing_only else 'Everyone'} (M) · {group} (G) · "
            + (f"'{self.search_text}'" if self.search_text else "/ find"))

    def _visible(self) -> list[RollCallEntry]:
        words = self.search_text.lower().split()
        return [e for e in self.rows if (not self.missing_only or not e.found)
                and (self.group is None or e.group_name == self.group or e.group_name.startswith(self.group + " · "))
                and all(w in e.name.lower() for w in words)]

    def _fill_table(self) -> None:
        table = self.table
        tz = self.admin.settings.tz
        keep_key = self._selected_key()
        keep_row = table.cursor_row
        table.clear()
        for e in self._visible():
            mark = Text("[x]", style="bold green") if e.found else Text("[ ]", style="bold red")
            found = f"{e.found_at.astimezone(tz):%H:%M} {e.found_by}" if e.found and e.found_at else ""
            table.add_row(mark, e.name, e.group_name, found, key=str(e.id))
        if not table.row_count:
            return
        if keep_key is not None and keep_key in table.rows:
            table.move_cursor(row=table.get_row_index(keep_key))
        else:
            table.move_cursor(row=min(keep_row, table.row_count - 1))

    def _selected_key(self) -> str | None:
        table = self.table
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def groups(self) -> list[str]:
        """Filter steps: each kind / year, then each form, in fire list order."""
        tops = list(dict.fromkeys(e.group_name.split(" · ")[0] for e in self.rows))
        forms = [g for g in dict.fromkeys(e.group_name for e in self.rows) if " · " in g]
        return tops + forms

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Show only the keys that apply now, so the footer fits a phone's 45 columns."""
        running = self.call is not None and self.call.ended_at is None
        if action == "start":
            return not running
        if action in ("toggle", "end"):
            return running
        return True

    # -- keys --------------------------------------------------------------------------------------

    def action_missing_only(self) -> None:
        self.missing_only = not self.missing_only
        self._draw()

    def action_next_group(self) -> None:
        steps = [None, *self.groups()]
        self.group = steps[(steps.index(self.group) + 1) % len(steps)] if self.group in steps else None
        self._draw()

    def on_key(self, event: events.Key) -> None:
        """/ starts a search. An SSH app sends "/nils" in one burst, and Textual hands every key of a
        burst to the widget focused when it arrived (the list), before any focus change takes effect.
        So the keys that bubble up here from the list while searching go into the search box."""
        field = self.query_one("#rc-search", Input)
        if not self.searching:
            if event.character == "/":
                self.searching = True
                field.focus()
                event.stop()
            return
        if event.key in ("enter", "down", "tab"):
            self.searching = False
            self.table.focus()
        elif event.key == "escape":
            return   # key_escape clears it
        elif event.key == "backspace":
            field.value = field.value[:-1]
        elif event.is_printable and event.character:
            field.value += event.character
        else:
            return
        # Filter now, not when Input.Changed arrives: a Space later in the same burst must mark a
        # row of the filtered list.
        self.search_changed(Input.Changed(field, field.value))
        event.stop()
        event.prevent_default()

    @on(Input.Changed, "#rc-search")
    def search_changed(self, event: Input.Changed) -> None:
        self.search_text = event.value.strip()
        self._draw()

    @on(Input.Submitted, "#rc-search")
    def searched(self) -> None:
        self.searching = False
        self.table.focus()

    def key_escape(self) -> None:
        field = self.query_one("#rc-search", Input)
        if field.value or field.has_focus or self.searching:
            self.searching = False
            field.value = ""
            self.search_text = ""
            self.table.focus()
            self._draw()

    def action_toggle(self) -> None:
        key = self._selected_key()
        if self.call is None or key is None:
            return
        if self.call.ended_at is not None:
            self.notify("This roll call has ended; S starts a new one", severity="warning")
            return
        if not self.admin.operator_only():
            return
        entry = next(e for e in self.rows if str(e.id) == key)
        self._change(lambda: self.desk.mark(entry.id, not entry.found))

    def action_start(self) -> None:
        if self.call is not None and self.call.ended_at is None:
            self.notify("A roll call is running: mark people found, or E to end it", severity="warning")
            return
        if not self.admin.operator_only():
            return

        def done(yes: bool | None) -> None:
            if yes:
                self.missing_only, self.group, self.search_text = False, None, ""
                self._change(lambda: self.desk.start())

        self.app.push_screen(ConfirmDialog("Start a fire roll call? It freezes the list of everyone "
                                           "signed in now."), done)

    def action_end(self) -> None:
        call = self.call
        if call is None or call.ended_at is not None:
            self.notify("No roll call is running", severity="warning")
            return
        if not self.admin.operator_only():
            return
        t = tally(self.rows)

        def done(yes: bool | None) -> None:
            if yes:
                self._change(lambda: self.desk.end(call.id), f"Roll call ended: {t.missing} missing, "
                             "recorded in the audit log")

        self.app.push_screen(ConfirmDialog(f"End the roll call with {t.missing} of {t.total} still missing? "
                                           "The result goes to the audit log."), done)

    def _change(self, change, success: str = "") -> None:
        try:
            change()
        except ImlateError as exc:
            text = str(exc)
            self.notify(text[:1].upper() + text[1:], severity="error", timeout=8)
        if success:
            self.notify(success)
        self.admin.data_changed()   # our own commit does not move this connection's marker


def _short(group: str) -> str:
    """"Year 10" -> "Y10" (the missing line on a phone)."""
    return "Y" + group.removeprefix("Year ") if group.startswith("Year ") else group
