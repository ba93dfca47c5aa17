"""Lockdown: strangers at the kiosk keyboard cannot quit it, suspend it, or reach a shell.

Every quit path (ctrl+q, ctrl+c, the `quit` action itself) asks for the admin PIN; ctrl+z and
ctrl+backslash do nothing (Textual turns off ISIG, so they arrive as keys, not signals); the command
palette is off. Bindings are `priority` so a focused input cannot swallow them.
"""

from __future__ import annotations

from typing import Callable

from textual.app import App
from textual.binding import Binding

from imlate_tui.services.pin_guard import PinGuard
from imlate_tui.ui.screens.pin import PinScreen

LOCKDOWN_BINDINGS = [
    Binding("ctrl+q", "request_quit", show=False, priority=True, id="quit"),
    Binding("ctrl+c", "request_quit", show=False, priority=True, id="quit-ctrl-c"),
    Binding("ctrl+z", "ignore", show=False, priority=True, id="no-suspend"),
    Binding("ctrl+backslash", "ignore", show=False, priority=True, id="no-sigquit"),
    Binding("ctrl+p", "ignore", show=False, priority=True, id="no-palette"),
]


class LockedDown(App[int]):
    ENABLE_COMMAND_PALETTE = False

    def pin_guard(self) -> PinGuard:  # the kiosk app supplies the terminal, the stored hash and the clock
        raise NotImplementedError

    def with_pin(self, purpose: str, then: Callable[[], object]) -> None:
        """Run `then` after the right admin PIN; do nothing otherwise. One PIN prompt at a time."""
        if isinstance(self.screen, PinScreen):
            return

        def done(ok: bool | None) -> None:
            if ok:
                then()

        self.push_screen(PinScreen(purpose, self.pin_guard()), done)

    def action_request_quit(self) -> None:
        self.with_pin("Quit the kiosk: enter the admin PIN", lambda: self.exit(0))

    async def action_quit(self) -> None:  # any other route to quitting asks for the PIN too
        self.action_request_quit()

    def action_help_quit(self) -> None:
        self.action_request_quit()

    def action_suspend_process(self) -> None:
        pass

    def action_command_palette(self) -> None:
        pass

    def action_ignore(self) -> None:
        pass
