"""Keyboard-wedge input: scanner keys that arrive as ordinary key presses in the kiosk terminal.

The same rules as the evdev decoder where they make sense (`scanner.classify_text`): a 64-character
cap, control characters refused, a terminator ends the scan, a long gap drops a half scan. The gap is
longer than the evdev one because in demo and SSH sessions a person types the code by hand.
"""

from __future__ import annotations

from imlate_tui.scanner import Rejected, RejectReason, ScanResult, classify_text

TYPING_GAP_SECONDS = 3.0


class KeyboardWedge:
    def __init__(self, max_length: int = 64, gap_seconds: float = TYPING_GAP_SECONDS,
                 doubled_suffix_seconds: float = 0.5) -> None:
        self.max_length = max_length
        self.gap_seconds = gap_seconds
        self.doubled_suffix_seconds = doubled_suffix_seconds
        self._finished_at: float | None = None
        self._chars: list[str] = []
        self._overflowed = False
        self._control = False
        self._last_at: float | None = None

    @property
    def text(self) -> str:
        """What has been typed so far (for the on-screen echo)."""
        return "".join(self._chars)

    @property
    def pending(self) -> bool:
        return bool(self._chars) or self._overflowed or self._control

    def type(self, char: str, now: float) -> Rejected | None:
        """Add a printable character; returns a half-scan rejection when the previous one timed out."""
        dropped = self.expire(now)
        self._last_at = now
        if len(self._chars) >= self.max_length:
            self._overflowed = True
        else:
            self._chars.append(char)
        return dropped

    def control(self, now: float) -> Rejected | None:
        """A control key (ctrl+letter) in the middle of a scan spoils it."""
        dropped = self.expire(now)
        self._last_at = now
        self._control = True
        return dropped

    def finish(self, now: float) -> ScanResult | None:
        """The terminator: a whole scan or a rejection; None for the doubled suffix some scanners send."""
        dropped = self.expire(now)
        if dropped is not None:
            return dropped
        previous, self._finished_at = self._finished_at, now
        if not self.pending and previous is not None and now - previous <= self.doubled_suffix_seconds:
            return None
        text, overflowed, control = self.text, self._overflowed, self._control
        self.reset()
        if control:
            return Rejected(RejectReason.CONTROL_CHARACTERS, text)
        if overflowed:
            return Rejected(RejectReason.TOO_LONG, text)
        return classify_text(text, self.max_length)

    def expire(self, now: float) -> Rejected | None:
        if not self.pending or self._last_at is None or now - self._last_at <= self.gap_seconds:
            return None
        seen = self.text
        self.reset()
        return Rejected(RejectReason.HALF_SCAN, seen)

    def reset(self) -> None:
        self._chars, self._overflowed, self._control, self._last_at = [], False, False, None
