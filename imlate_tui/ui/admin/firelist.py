"""Who is on site now, grouped for a roll call: staff, visitors, then students by year and form."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from imlate_tui.db import tracks
from imlate_tui.domain.scanning import school_date
from imlate_tui.services.printing import PrintError
from imlate_tui.services.roster import auto_note, fire_groups
from imlate_tui.ui.admin.base import AdminScreen

PRINT_HINT = ("P prints it on firelist.printer; in a shell: `imlate firelist --format pdf --output FILE` "
              "(or --print).")


class FireListScreen(AdminScreen):
    MODE = "firelist"
    BINDINGS = [Binding("r", "app.show('rollcall')", "Roll call (tick off)"), Binding("p", "print", "Print")]

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
        rows = tracks.roster(self.admin.today())
        groups = fire_groups(rows)
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
        if note := auto_note(rows, tz):
            out.append(f"\n{note}\n", style="italic")
        self.query_one("#fire-list", Static).update(out)

    def action_print(self) -> None:
        """Print the fire list as a PDF on `firelist.printer` (off the UI thread: lp may be slow)."""
        printer = self.admin.settings.firelist.printer
        if not printer:
            self.notify("No printer: set firelist.printer to a CUPS queue (lpstat -v lists them)",
                        severity="warning")
            return
        self.notify(f"Sending the fire list to {printer}...")
        self.run_worker(lambda: print_firelist(self.admin.settings, self.admin.clock(), self.app),
                        thread=True, exclusive=True, group="print")


def print_firelist(settings, now, app) -> None:
    """Worker thread: its own database connection, a PDF in a scratch folder, then lp."""
    import tempfile
    from pathlib import Path

    from imlate_tui.db.connection import database
    from imlate_tui.services.firelist_pdf import write_firelist_pdf
    from imlate_tui.services.printing import print_pdf

    try:
        with database.connection_context(), tempfile.TemporaryDirectory(prefix="imlate-fire-") as scratch:
            path = Path(scratch) / "firelist.pdf"
            rows = tracks.roster(school_date(now, settings.tz))
            total = write_firelist_pdf(path, rows, settings.tz, now, settings.kiosk.school_name)
            print_pdf(path, settings.firelist.printer)
        app.call_from_thread(app.notify, f"Fire list of {total} sent to {settings.firelist.printer}")
    except PrintError as exc:
        app.call_from_thread(app.notify, str(exc)[:1].upper() + str(exc)[1:], severity="error", timeout=10)
