"""The kiosk: a locked-down Textual app that turns scans into big clear results.

Scan path: scanner thread (`ScanArrived`, posted) or typed keys (`keys.KeyRouting`) -> `receive_scan`
-> the write queue thread runs `ScanService.scan` -> `ScanProcessed` (posted) -> the result panel, the
roster, maybe a reason question beside the result. The UI thread never waits on the database.

Screens never call the app: they post messages (`ReasonPanel.Answered`, `RosterScreen.ManualMove`)
that bubble up here. A receptionist screen is one binding, one `action_*` that opens it behind the PIN
with `open_unlocked`, and its own module under `ui/screens/`.
"""

from __future__ import annotations

import logging
import os
import time
from datetime import datetime
from typing import TYPE_CHECKING, Callable, Protocol, Sequence, runtime_checkable

from textual.binding import Binding
from textual.screen import Screen

from imlate_tui.clock import Clock, utc_now
from imlate_tui.domain.scanning import Status, school_date
from imlate_tui.scanner import Rejected, Scan, ScannerStatus
from imlate_tui.scanner import ScanResult as ScannerInput
from imlate_tui.services.pin_guard import PinGuard
from imlate_tui.services.reception import PersonMatch, Reception, reason_question
from imlate_tui.services.scanning import Outcome, PersonView, ScanResult, ScanService
from imlate_tui.ui import lockdown
from imlate_tui.ui.collector import QuietCollector
from imlate_tui.ui.hangup import TerminalWatch
from imlate_tui.ui.keys import KeyRouting
from imlate_tui.ui.messages import ReceptionDone, ScanArrived, ScannerStatusChanged, ScanProcessed
from imlate_tui.ui.photo_mode import PhotoMode, decide_photo_mode, load_picture_support
from imlate_tui.ui.resilience import HandlerFailed, KeepsRunning
from imlate_tui.ui.scanner_source import ScannerFactory, ScannerHandle, default_scanner_factory
from imlate_tui.ui.screens.main import MainScreen
from imlate_tui.ui.screens.person_picker import Picked, PersonPickerScreen
from imlate_tui.ui.screens.pin import PinScreen
from imlate_tui.ui.sounds import Sounds
from imlate_tui.ui.status import KioskStatus, StatusProvider, describe, no_integration
from imlate_tui.ui.widgets.reason_panel import ReasonPanel, reason_number
from imlate_tui.ui.write_jobs import WriteJobs

if TYPE_CHECKING:
    from imlate_tui.config import Settings
    from imlate_tui.ui.screens.roster import RosterScreen

log = logging.getLogger(__name__)

# Called on mount (return promptly; start your own thread); may return a function called on unmount.
BackgroundTask = Callable[[], "Callable[[], None] | None"]
# Bench/test seam: (arrived, shown) perf_counter timestamps for every scan result drawn.
ResultHook = Callable[[float, float], None]
STATUS_POLL_SECONDS = 3.0
QUIET_SECONDS = 0.5   # after a result is drawn, before the collector may make a full pass (ui/collector.py)


@runtime_checkable
class LiveRoster(Protocol):
    """A screen that shows the roster and wants each new track (the kiosk's and the admin app's)."""

    is_mounted: bool

    def record(self, person: PersonView, status: Status, at: datetime) -> None: ...


class KioskApp(KeepsRunning, KeyRouting, lockdown.LockedDown, inherit_bindings=False):
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
        self.setup_keys(settings, keyboard_input=scanner is None)
        self.jobs = WriteJobs(self.post_message, scan_service, reception, self.actor)
        self.sounds = Sounds(settings.kiosk.sounds, self.bell)
        self.pending_scans = 0
        self.collector = QuietCollector()
        self.terminal = TerminalWatch(self)
        self._last_result = 0.0   # time.monotonic() of the last result drawn
        self.last_unknown_code: str | None = None
        self.result_hook: ResultHook | None = None
        self._scanner: ScannerHandle | None = None
        self._scanner_line = "Scanner: keyboard input" if scanner is None else "Scanner: starting"
        self._stops: list[Callable[[], None]] = []

    # -- life cycle -------------------------------------------------------------------------------

    def get_default_screen(self) -> MainScreen:
        return MainScreen(self.settings.kiosk.school_name, self.settings.path(self.settings.photos_dir),
                          self.settings.tz, self.notice)

    @property
    def main(self) -> MainScreen:
        return self.screen_stack[0]  # type: ignore[return-value]  (the default screen, always at the bottom)

    @property
    def can_draw_photos(self) -> bool:
        return self.console.color_system in ("truecolor", "256")

    def pin_guard(self) -> PinGuard:
        stored = self.settings.kiosk.admin_pin_hash
        return PinGuard(self.settings.kiosk.terminal_name, stored.get_secret_value() if stored else None,
                        self.clock)

    def on_mount(self) -> None:
        self.terminal.start()
        self.jobs.start()
        if self.scanner_factory is not None:
            self._scanner = self.scanner_factory(self._scanner_scan, self._scanner_status)
            self._scanner.start()
        self.start_key_timers(self.settings.kiosk.unlock_timeout_seconds)

    def on_main_screen_ready(self) -> None:
        self.tick()
        self.poll_status()
        # The screen owns the timers, so they stop when it is taken down at exit.
        self.main.set_interval(1, self.tick)
        self.main.set_interval(STATUS_POLL_SECONDS, self.poll_status)
        self.call_after_refresh(self.settle_in)

    def settle_in(self) -> None:
        """Once the first screen is painted: what showing it does not need. The MIS writer's thread
        imports its HTTP and OAuth stack (~0.3 s of CPU); started beside the first paint it made
        that paint ~0.4 s later (bench/bench_commands.py, iSAMS on). Scans are taken from the start
        (the scan queue and the scanner start on mount) and wait in the outbox meanwhile."""
        if not self.is_running:
            return   # closing already: on_unmount has stopped what was started
        load_picture_support(textual_image=self.photo_mode.draws_pixels)   # before the first photo
        self.collector.start()
        for task in self.background:
            if (stop := task()) is not None:
                self._stops.append(stop)

    def on_unmount(self) -> None:
        if self._scanner is not None and not self._scanner.stop(0.5):
            log.warning("scanner thread did not stop within 0.5 s")
        for stop in self._stops:
            try:
                stop()
            except Exception:
                log.exception("stopping a background task failed")
        self.jobs.stop()
        self.sounds.close()
        self.collector.stop()
        self.terminal.stop()

    def tick(self) -> None:
        self.main.show_time(self.clock().astimezone(self.settings.tz))
        if self.pending_scans == 0 and time.monotonic() - self._last_result > QUIET_SECONDS:
            self.collector.quiet_moment()

    def poll_status(self) -> None:
        """Ask the status provider (cached values only) and redraw the status line."""
        try:
            status = self.status_provider()
        except Exception:
            log.exception("status provider failed")
            status = KioskStatus()
        self.main.show_status(describe(self._scanner_line, status))

    # -- nothing ends the kiosk -------------------------------------------------------------------

    def _handle_exception(self, error: Exception) -> None:
        # Timers, workers, mounting and rendering report here; Textual would exit. Log and carry on.
        if not self.is_running or self._exit:
            super()._handle_exception(error)
            return
        log.error("kiosk error; the kiosk carries on", exc_info=error)
        self.post_message(HandlerFailed(type(error).__name__))

    def on_handler_failed(self, message: HandlerFailed) -> None:
        try:
            self.reset_keys()
            self.main.show_problem("Sorry, something went wrong", "Please scan your card again",
                                   self.settings.kiosk.result_seconds)
        except Exception:  # never let the recovery itself fail in a loop
            log.exception("recovering after %s failed", message.where)

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

    # -- the scan handler every input path ends in ------------------------------------------------

    def receive_scan(self, scan: ScannerInput, source: str, arrived: float) -> None:
        seconds = self.settings.kiosk.result_seconds
        question = self.main.question
        if isinstance(scan, Rejected):
            log.info("scan rejected (%s): %r", scan.reason.value, scan.seen)
            title, _, detail = scan.message.partition(" — ")
            if not question.is_open:
                self.main.show_problem(title, detail.capitalize(), seconds)
            return
        assert isinstance(scan, Scan)
        if (number := reason_number(scan.code)) is not None:
            if not question.is_open:
                self.main.show_problem("That is a reason card", "Scan your own card first", seconds)
            elif not question.answer_number(number):
                self.notify(f"There is no reason number {number}", severity="warning")
            return
        question.close(None, blank=False)  # someone else is scanning: no reason; blanked with their result
        if isinstance(self.screen, PinScreen):
            self.screen.close(False)  # scans win over a PIN prompt left open
        self.pending_scans += 1
        if (activity := getattr(self.scan_service, "activity", None)) is not None:
            activity.started()   # the MIS writer waits until this result is on screen
        self.jobs.scan(scan.code, source, arrived)

    def on_scan_processed(self, message: ScanProcessed) -> None:
        self._last_result = time.monotonic()
        if not message.manual:
            self.pending_scans -= 1
            if (activity := getattr(self.scan_service, "activity", None)) is not None:
                self.call_after_refresh(activity.shown)
        seconds = self.settings.kiosk.result_seconds
        result = message.result
        if result is None:
            self.main.show_problem("Scan not accepted", message.problem or "", seconds)
            if not self.main.is_current:
                self.notify(message.problem or "Scan not accepted", severity="error")
            return
        self.main.show_result(result, seconds, colour=self.can_draw_photos)
        self._feedback(result)
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
            self.main.ask(question, self.settings.attendance.reasons.timeout_seconds)
        if self.result_hook is not None:  # after the question too: a late arrival's whole screen
            self.result_hook(message.arrived, time.perf_counter())

    def _feedback(self, result: ScanResult) -> None:
        if result.result is Outcome.SIGNED_IN:
            self.sounds.play("late" if result.minutes_late else "in")
        elif result.result is Outcome.SIGNED_OUT:
            self.sounds.play("out")
        elif result.result in (Outcome.UNKNOWN_CARD, Outcome.INACTIVE_PERSON):
            self.sounds.play("unknown")

    def on_reason_panel_answered(self, message: ReasonPanel.Answered) -> None:
        if message.reason:
            self.jobs.set_reason(message.track_id, message.reason)

    def on_reception_done(self, message: ReceptionDone) -> None:
        self.notify(message.text, severity="information" if message.ok else "error")

    # -- receptionist actions (behind the PIN; the screens close themselves when left idle) -------

    def open_unlocked(self, purpose: str, screen: Callable[[], Screen], done=None) -> None:
        """Ask for the PIN, then push `screen()`; it closes after `kiosk.unlock_timeout_seconds` idle."""
        self.with_pin(purpose, lambda: self.push_screen(self.mark_unlocked(screen()), done))

    def action_open_roster(self) -> None:
        from imlate_tui.ui.screens.roster import RosterScreen   # its table (DataTable) is not on the first screen

        day = school_date(self.clock(), self.settings.tz)
        self.open_unlocked("Roster: enter the admin PIN", lambda: RosterScreen(day, self.settings.tz))

    def action_open_manual(self) -> None:
        self.open_unlocked("Sign in/out by hand: enter the admin PIN", self._manual_screen, self._manual_done)

    def on_roster_screen_manual_move(self, message: RosterScreen.ManualMove) -> None:
        self.push_screen(self.mark_unlocked(self._manual_screen(message.person)), self._manual_done)

    def _manual_screen(self, preselected: PersonMatch | None = None) -> PersonPickerScreen:
        return PersonPickerScreen(self.reception, "manual", title="Sign in/out by hand", preselected=preselected)

    def _manual_done(self, picked: Picked | None) -> None:
        if picked is not None and picked.direction is not None:
            self.jobs.manual(picked.person_id, picked.direction, picked.note)

    def action_assign_card(self) -> None:
        code = self.last_unknown_code
        if code is None:
            self.notify("Scan the unknown card first, then press F4", severity="warning")
            return

        def done(picked: Picked | None) -> None:
            if picked is not None:
                self.last_unknown_code = None
                self.jobs.assign_card(picked.person_id, code)

        self.open_unlocked(f"Assign card {code}: enter the admin PIN", lambda: PersonPickerScreen(
            self.reception, "assign", title=f"Give card {code} to:"), done)

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
