"""The kiosk: a locked-down Textual app that turns scans into big clear results.

Scan path: scanner thread (`ScanArrived`, posted) or typed keys (`type_key`) -> `receive_scan` ->
the write queue thread runs `ScanService.scan` -> `ScanProcessed` (posted) -> the result panel, the
roster, maybe a reason question. The UI thread never waits on the database for a scan.
"""

from __future__ import annotations

import logging
import os
import time
from datetime import datetime
from typing import Callable, Protocol, Sequence, runtime_checkable

from textual import events

from textual.binding import Binding

from imlate_tui.clock import Clock, utc_now
from imlate_tui.config import Settings
from imlate_tui.domain.scanning import Status, school_date
from imlate_tui.scanner import Rejected, Scan, ScannerStatus
from imlate_tui.scanner import ScanResult as ScannerInput
from imlate_tui.services.reception import Reception, reason_question
from imlate_tui.services.scanning import Outcome, PersonView, ScanService
from imlate_tui.ui import lockdown
from imlate_tui.ui.messages import ReceptionDone, ScanArrived, ScannerStatusChanged, ScanProcessed
from imlate_tui.ui.photo_mode import PhotoMode, decide_photo_mode
from imlate_tui.ui.scanner_source import ScannerFactory, ScannerHandle, default_scanner_factory
from imlate_tui.ui.screens.main import MainScreen
from imlate_tui.ui.screens.reason import ReasonScreen, reason_number
from imlate_tui.ui.status import KioskStatus, StatusProvider, describe, no_integration
from imlate_tui.ui.wedge import KeyboardWedge
from imlate_tui.ui.write_jobs import WriteJobs

log = logging.getLogger(__name__)

# Called on mount (return promptly; start your own thread); may return a function called on unmount.
BackgroundTask = Callable[[], "Callable[[], None] | None"]
# Bench/test seam: (arrived, shown) perf_counter timestamps for every scan result drawn.
ResultHook = Callable[[float, float], None]


@runtime_checkable
class LiveRoster(Protocol):
    """A screen that shows the roster and wants each new track (the kiosk's and the admin app's)."""

    is_mounted: bool

    def record(self, person: PersonView, status: Status, at: datetime) -> None: ...


class KioskApp(lockdown.LockedDown, inherit_bindings=False):
    CSS_PATH = "kiosk.tcss"
    TITLE = "ImLate kiosk"
    BINDINGS = [
        *lockdown.LOCKDOWN_BINDINGS,
        Binding("f2", "open_roster", "Roster", show=False, id="roster"),
        Binding("f3", "open_manual", "Sign in/out by hand", show=False, id="manual"),
        Binding("f4", "assign_card", "Assign card", show=False, id="assign"),
        Binding("f7", "revoke_card", "Revoke a lost card", show=False, id="revoke"),
        Binding("f5", "visitor", "Visitor sign-in", show=False, id="visitor"),
    ]

    def __init__(self, settings: Settings, *, clock: Clock, scan_service: ScanService, reception: Reception,
                 status: StatusProvider, scanner: ScannerFactory | None,
                 background: Sequence[BackgroundTask] = (), notice: str = "",
                 photo_mode: PhotoMode = PhotoMode.HALF_BLOCKS) -> None:
        super().__init__()
        self.notice = notice
        self.photo_mode = photo_mode  # decided before the app started (ui/photo_mode.py); PhotoView reads it
        self.settings = settings
        self.clock = clock
        self.scan_service = scan_service
        self.reception = reception
        self.status_provider = status
        self.scanner_factory = scanner
        self.background = list(background)
        self.actor = f"kiosk:{settings.kiosk.terminal_name}"
        self.keyboard_input = scanner is None
        self.wedge = KeyboardWedge(settings.scanner.max_length)
        self.wedge_terminators = {"tab"} & set(settings.scanner.terminators) | (
            {"enter"} if {"enter", "kp_enter"} & set(settings.scanner.terminators) else set())
        self.jobs = WriteJobs(self)
        self.pending_scans = 0
        self.last_unknown_code: str | None = None
        self.result_hook: ResultHook | None = None
        self._scanner: ScannerHandle | None = None
        self._scanner_line = "Scanner: keyboard input" if scanner is None else "Scanner: starting"
        self._stops: list[Callable[[], None]] = []

    # -- life cycle -------------------------------------------------------------------------------

    def get_default_screen(self) -> MainScreen:
        return MainScreen(self.settings.kiosk.school_name, self.settings.path(self.settings.photos_dir),
                          self.notice)

    @property
    def main(self) -> MainScreen:
        return self.screen_stack[0]  # type: ignore[return-value]  (the default screen, always at the bottom)

    @property
    def can_draw_photos(self) -> bool:
        return self.console.color_system in ("truecolor", "256")

    def on_mount(self) -> None:
        self.jobs.start()
        if self.scanner_factory is not None:
            self._scanner = self.scanner_factory(self._scanner_scan, self._scanner_status)
            self._scanner.start()
        for task in self.background:
            if (stop := task()) is not None:
                self._stops.append(stop)
        self.set_interval(0.5, self._expire_typing)

    def on_unmount(self) -> None:
        if self._scanner is not None and not self._scanner.stop(0.5):
            log.warning("scanner thread did not stop within 0.5 s")
        for stop in self._stops:
            try:
                stop()
            except Exception:
                log.exception("stopping a background task failed")
        self.jobs.stop()

    def tick(self) -> None:
        """Redraw the clock (the main screen calls this every second)."""
        self.main.show_time(self.clock().astimezone(self.settings.tz))

    def poll_status(self) -> None:
        """Ask the status provider (cached values only) and redraw the status line."""
        try:
            status = self.status_provider()
        except Exception:
            log.exception("status provider failed")
            status = KioskStatus()
        self.main.show_status(describe(self._scanner_line, status))

    # -- scanner thread -> UI (post_message only: it is thread-safe) ------------------------------

    def _scanner_scan(self, scan: ScannerInput) -> None:
        self.post_message(ScanArrived(scan, "scanner", time.perf_counter()))

    def _scanner_status(self, status: ScannerStatus) -> None:
        self.post_message(ScannerStatusChanged(status))

    def on_scanner_status_changed(self, message: ScannerStatusChanged) -> None:
        self._scanner_line = message.status.message
        self.poll_status()

    def on_scan_arrived(self, message: ScanArrived) -> None:
        self.receive_scan(message.scan, message.source, message.arrived)

    # -- typed keys (keyboard-wedge) --------------------------------------------------------------

    @property
    def typing_pending(self) -> bool:
        return self.keyboard_input and self.wedge.pending

    def type_key(self, event: events.Key) -> bool:
        """Feed a key from the idle/result/reason screen into the scan buffer; True when consumed."""
        if not self.keyboard_input:
            return False
        now = time.monotonic()
        if event.key in self.wedge_terminators:
            outcome: ScannerInput | None = self.wedge.finish(now)
        elif event.is_printable and event.character:
            outcome = self.wedge.type(event.character, now)
        elif event.key.startswith("ctrl+") and self.wedge.pending:
            outcome = self.wedge.control(now)
        else:
            return False
        self.main.show_typed(self.wedge.text)
        if outcome is not None:
            self.receive_scan(outcome, "keyboard", time.perf_counter())
        return True

    def _expire_typing(self) -> None:
        if self.keyboard_input and (dropped := self.wedge.expire(time.monotonic())) is not None:
            self.main.show_typed("")
            self.receive_scan(dropped, "keyboard", time.perf_counter())

    # -- the scan handler both paths end in -------------------------------------------------------

    def receive_scan(self, scan: ScannerInput, source: str, arrived: float) -> None:
        seconds = self.settings.kiosk.result_seconds
        if isinstance(scan, Rejected):
            log.info("scan rejected (%s): %r", scan.reason.value, scan.seen)
            title, _, detail = scan.message.partition(" — ")
            self.main.show_problem(title, detail.capitalize(), seconds)
            return
        assert isinstance(scan, Scan)
        number = reason_number(scan.code)
        reason_open = isinstance(self.screen, ReasonScreen)
        if number is not None:
            if reason_open:
                self.screen.answer_number(number)  # type: ignore[union-attr]
            else:
                self.main.show_problem("That is a reason card", "Scan your own card first", seconds)
            return
        if reason_open:
            self.screen.dismiss(None)  # someone else is scanning: no reason, move on
        self.pending_scans += 1
        self.jobs.scan(scan.code, source, arrived)

    def on_scan_processed(self, message: ScanProcessed) -> None:
        if not message.manual:
            self.pending_scans -= 1
        seconds = self.settings.kiosk.result_seconds
        result = message.result
        if result is None:
            self.main.show_problem("Scan not accepted", message.problem or "", seconds)
            if not self.main.is_current:
                self.notify(message.problem or "Scan not accepted", severity="error")
            return
        self.main.show_result(result, seconds)
        if self.result_hook is not None:
            self.result_hook(message.arrived, time.perf_counter())
        if result.result is Outcome.UNKNOWN_CARD:
            self.last_unknown_code = result.code
        elif result.track_id is not None and result.person is not None:
            status = Status.SIGNED_IN if result.result is Outcome.SIGNED_IN else Status.SIGNED_OUT
            for screen in self.screen_stack:
                # A roster still mounting loads this track from the database itself.
                if isinstance(screen, LiveRoster) and screen.is_mounted:
                    screen.record(result.person, status, result.at)
        if not self.main.is_current:
            self.notify(result.message, severity="error" if result.person is None else "information")
        elif not message.manual and (question := reason_question(result, self.settings)) is not None:
            self.push_screen(ReasonScreen(question, self.settings.attendance.reasons.timeout_seconds),
                             lambda reason, q=question: self._reason_chosen(q.track_id, reason))

    def _reason_chosen(self, track_id: int, reason: str | None) -> None:
        if reason:
            self.jobs.set_reason(track_id, reason)

    def on_reception_done(self, message: ReceptionDone) -> None:
        self.notify(message.text, severity="information" if message.ok else "error")

    # -- receptionist actions (behind the PIN) ----------------------------------------------------

    def action_open_roster(self) -> None:
        from imlate_tui.ui.screens.roster import RosterScreen

        day = school_date(self.clock(), self.settings.tz)
        self.with_pin("Roster: enter the admin PIN", lambda: self.push_screen(RosterScreen(day)))

    def action_open_manual(self) -> None:
        self.with_pin("Sign in/out by hand: enter the admin PIN", self.open_manual)

    def open_manual(self, preselected=None) -> None:
        from imlate_tui.ui.screens.person_picker import PersonPickerScreen

        def done(picked) -> None:
            if picked is not None and picked.direction is not None:
                self.jobs.manual(picked.person_id, picked.direction, picked.note)

        self.push_screen(PersonPickerScreen(self.reception, "manual", title="Sign in/out by hand",
                                            preselected=preselected), done)

    def action_assign_card(self) -> None:
        from imlate_tui.ui.screens.person_picker import PersonPickerScreen

        code = self.last_unknown_code
        if code is None:
            self.notify("Scan the unknown card first, then press F4", severity="warning")
            return

        def done(picked) -> None:
            if picked is not None:
                self.last_unknown_code = None
                self.jobs.assign_card(picked.person_id, code)

        self.with_pin(f"Assign card {code}: enter the admin PIN", lambda: self.push_screen(
            PersonPickerScreen(self.reception, "assign", title=f"Give card {code} to:"), done))

    def action_revoke_card(self) -> None:
        from imlate_tui.ui.screens.revoke_card import start_revoke

        start_revoke(self)

    def action_visitor(self) -> None:
        from imlate_tui.ui.screens.visitor import open_visitor_form

        open_visitor_form(self)


def make_kiosk_app(settings: Settings, *, clock: Clock = utc_now, scan_service: ScanService | None = None,
                   status: StatusProvider | None = None, scanner: ScannerFactory | None = None,
                   background: Sequence[BackgroundTask] = (), notice: str = "",
                   photo_mode: PhotoMode = PhotoMode.HALF_BLOCKS) -> KioskApp:
    """Build the kiosk. With `scanner=None` the input source follows `scanner.source`/`scanner.device`
    (evdev when readable, else keys typed into the kiosk). The database must already be open."""
    if scanner is None:
        scanner = default_scanner_factory(settings)
    return KioskApp(settings, clock=clock, scan_service=scan_service or ScanService(settings, clock),
                    reception=Reception(settings, clock), status=status or no_integration,
                    scanner=scanner, background=background, notice=notice, photo_mode=photo_mode)


def run_kiosk(settings: Settings, *, scan_service: ScanService | None = None,
              status: StatusProvider | None = None, background: Sequence[BackgroundTask] = (),
              notice: str = "") -> int:
    """Run the kiosk on this terminal until quit with the PIN. The caller opens the database.
    `notice` is a line shown under "Scan your card" (the demo lists its cards there)."""
    os.environ.pop("TEXTUAL_ALLOW_SIGNALS", None)  # keep ctrl+c / ctrl+z as keys we lock, not signals
    photo_mode = decide_photo_mode(settings.kiosk.photo_mode)  # asks the terminal: only before app.run()
    app = make_kiosk_app(settings, scan_service=scan_service, status=status, background=background,
                         notice=notice, photo_mode=photo_mode)
    app.run()
    return app.return_code or 0


