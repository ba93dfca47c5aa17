"""Checking the kiosk's admin PIN with a lockout that survives a restart (kept in the database).

Called from a worker thread (scrypt takes tens of milliseconds and the lockout is a database read and
write), never on the UI thread. Each wrong PIN while not locked counts; a PIN typed while locked is not
even checked, so waiting out the lock is the only way on.
"""

from __future__ import annotations

from dataclasses import dataclass

from imlate_tui.clock import Clock, utc_now
from imlate_tui.db import pin_lockouts
from imlate_tui.db.connection import database
from imlate_tui.domain import pin_lockout
from imlate_tui.domain.pin import verify_pin


@dataclass(frozen=True)
class PinCheck:
    ok: bool
    locked_seconds: int = 0
    """Seconds until the prompt takes PINs again (0: not locked)."""
    tries_left: int = 0
    """Wrong PINs still allowed before the first lock."""


class PinGuard:
    def __init__(self, terminal: str, stored_hash: str | None, clock: Clock = utc_now) -> None:
        self.terminal = terminal
        self.stored_hash = stored_hash
        self.clock = clock

    def state(self) -> PinCheck:
        """The lockout as it stands, without trying a PIN (to show the time left on opening)."""
        with database.connection_context():
            row = pin_lockouts.current(self.terminal)
        now = self.clock()
        failures = row.failures if row else 0
        until = row.locked_until if row else None
        return PinCheck(False, pin_lockout.seconds_left(until, now), pin_lockout.tries_before_lock(failures))

    def check(self, pin: str) -> PinCheck:
        with database.connection_context():
            now = self.clock()
            row = pin_lockouts.current(self.terminal)
            failures = row.failures if row else 0
            left = pin_lockout.seconds_left(row.locked_until if row else None, now)
            if left:
                return PinCheck(False, left, 0)
            if verify_pin(pin, self.stored_hash):
                if failures:
                    pin_lockouts.save(self.terminal, 0, None, now)
                return PinCheck(True)
            failures += 1
            until = pin_lockout.locked_until(failures, now)
            pin_lockouts.save(self.terminal, failures, until, now)
            return PinCheck(False, pin_lockout.seconds_left(until, now), pin_lockout.tries_before_lock(failures))
