"""`imlate admin`: the attendance officer's view over SSH, one process per session.

Never opens the scanner and never starts the scheduler. Other processes (the kiosk, the scheduler,
other admin sessions) change the database; the app notices through a cheap change marker polled
once a second (`db.changes`) and the current screen re-reads only then. Changes go through
`AdminActions`, which refuses anyone not in `admin.operators` whatever the screens offer.
"""

from __future__ import annotations

import logging
import sys
from datetime import date
from typing import Any, Callable, TextIO

from textual.app import App
from textual.binding import Binding

from imlate_tui.clock import Clock, utc_now
from imlate_tui.config import Settings
from imlate_tui.db.changes import ChangeWatch
from imlate_tui.domain.scanning import school_date
from imlate_tui.erp.mis import mis_label
from imlate_tui.errors import ImlateError, InvalidInput
from imlate_tui.services.admin_actions import AdminActions, current_user, ssh_client_address
from imlate_tui.ui.admin.audit import AuditScreen
from imlate_tui.ui.admin.base import AdminScreen
from imlate_tui.ui.admin.firelist import FireListScreen
from imlate_tui.ui.admin.jobs import JobsScreen
from imlate_tui.ui.admin.late import LateScreen
from imlate_tui.ui.admin.queue import QueueScreen
from imlate_tui.ui.admin.roll_call import RollCallScreen
from imlate_tui.ui.admin.roster import AdminRosterScreen
from imlate_tui.ui.admin.visitors import VisitorsScreen
from imlate_tui.ui.hangup import TerminalWatch

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
NO_TTY = ("imlate admin needs a terminal: connect with `ssh -t HOST` "
          "(or `ssh -t HOST imlate admin`), not a plain remote command")


def require_tty(stdin: TextIO | None = None, stdout: TextIO | None = None) -> None:
    """Refuse to start without a terminal (`ssh host imlate admin` without -t gets none)."""
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    if not (stdin.isatty() and stdout.isatty()):
        raise InvalidInput(NO_TTY)


class AdminApp(App[int]):
    CSS_PATH = "admin/admin.tcss"
    TITLE = "ImLate admin"
    ENABLE_COMMAND_PALETTE = False
    MODES = {"late": LateScreen, "roster": AdminRosterScreen, "firelist": FireListScreen, "queue": QueueScreen,
             "jobs": JobsScreen, "audit": AuditScreen, "rollcall": RollCallScreen,
             "visitors": VisitorsScreen}
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="quit"),
        Binding("f1", "show('late')", "Today", show=False, priority=True, id="late"),
        Binding("f2", "show('roster')", "Roster", show=False, priority=True, id="roster"),
        Binding("f3", "show('firelist')", "Fire list", show=False, priority=True, id="firelist"),
        Binding("f4", "show('queue')", "Writeback", show=False, priority=True, id="queue"),
        Binding("f5", "show('jobs')", "Jobs", show=False, priority=True, id="jobs"),
        Binding("f6", "show('audit')", "Audit log", show=False, priority=True, id="audit"),
        Binding("f10", "show('rollcall')", "Roll call", show=False, priority=True, id="rollcall"),
        Binding("f12", "show('visitors')", "Visitors", show=False, priority=True, id="visitors"),
    ]

    def __init__(self, settings: Settings, *, clock: Clock, actions: AdminActions,
                 poll_seconds: float = POLL_SECONDS) -> None:
        super().__init__()
        self.settings = settings
        self.clock = clock
        self.actions = actions
        self.poll_seconds = poll_seconds
        self.terminal = TerminalWatch(self)
        self.generation = 0
        """Bumped whenever the database changed; screens reload when theirs is older."""
        self.changes: ChangeWatch | None = None
        self._db_trouble = False

    @property
    def who_line(self) -> str:
        where = f"{self.actions.user} from {self.actions.client}"
        if self.actions.can_change:
            return f"{where}: operator (changes are audit-logged)"
        return f"{where}: {self.actions.read_only_message}"

    @property
    def mis(self) -> str:
        """The MIS as screens name it: iSAMS or Wonde."""
        return mis_label(self.settings.erp.provider)

    def today(self) -> date:
        return school_date(self.clock(), self.settings.tz)

    def on_mount(self) -> None:
        self.changes = ChangeWatch()
        self.changes.changed()  # the baseline
        self.terminal.start()
        self.switch_mode("roster")
        self.set_interval(self.poll_seconds, self.poll_changes)
        if not self.actions.can_change:
            self.notify(f"{self.actions.read_only_message}; you can look but not change anything",
                        title="Read-only", severity="warning", timeout=10)
        self._say_if_database_read_only()

    def _say_if_database_read_only(self) -> None:
        from imlate_tui.db.connection import is_snapshot, read_only_reason

        reason = read_only_reason()
        if reason is None:
            return
        if is_snapshot():
            reason += (f"; showing it as it was at {self.clock().astimezone(self.settings.tz):%H:%M} "
                       "(no kiosk had it open): restart imlate admin to see later scans")
        self.notify(_sentence(reason), title="Database read-only", severity="warning", timeout=30)

    def action_show(self, mode: str) -> None:
        """Show that screen's list; a person's page (or a dialog) left open there is closed."""
        if self.current_mode != mode:
            self.switch_mode(mode)
        while len(self.screen_stack) > 1:
            self.pop_screen()

    def poll_changes(self) -> None:
        """Every second: has anyone written since? Reload the current screen only then."""
        assert self.changes is not None
        if not self.is_running:   # shutting down: the screens' widgets are being removed
            return
        try:
            changed = self.changes.changed()
        except Exception:
            if not self._db_trouble:
                log.exception("checking the database for changes failed")
                self.notify("The database cannot be read right now; retrying", severity="error")
            self._db_trouble = True
            return
        if self._db_trouble:
            self._db_trouble = False
            changed = True
        if changed:
            self.data_changed()

    def data_changed(self) -> None:
        self.generation += 1
        if isinstance(self.screen, AdminScreen):
            self.screen.reload_if_stale()

    def on_unmount(self) -> None:
        self.terminal.stop()

    # -- changes (operators only) ---------------------------------------------------------------

    def operator_only(self) -> bool:
        """True for an operator; otherwise says why not and answers False."""
        if self.actions.can_change:
            return True
        self.notify(self.actions.read_only_message, severity="warning")
        return False

    def attempt(self, change: Callable[[], Any], success: Callable[[Any], str]) -> bool:
        """Make a change; say what happened in one sentence. Our own writes do not move SQLite's
        change marker for this connection, so reload here."""
        try:
            result = change()
        except ImlateError as exc:
            self.notify(_sentence(str(exc)), severity="error", timeout=8)
            return False
        except Exception:
            log.exception("admin change failed")
            self.notify("That did not work; the log file has the details", severity="error")
            return False
        self.notify(_sentence(success(result)))
        self.data_changed()
        return True


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def make_admin_app(settings: Settings, *, clock: Clock = utc_now, user: str | None = None,
                   client_address: str | None = None, client_factory: Callable | None = None,
                   poll_seconds: float = POLL_SECONDS) -> AdminApp:
    """Build the admin app; the database must already be open. `user` defaults to the OS user,
    `client_address` to the SSH client's address (`SSH_CLIENT`)."""
    actions = AdminActions(settings, user=user if user is not None else current_user(),
                           client=client_address if client_address is not None else ssh_client_address(),
                           clock=clock, client_factory=client_factory)
    return AdminApp(settings, clock=clock, actions=actions, poll_seconds=poll_seconds)


def run_admin(settings: Settings) -> int:
    """Run the admin app on this terminal until ctrl+q. The caller opens the database."""
    require_tty()
    app = make_admin_app(settings)
    app.run()
    return app.return_code or 0
