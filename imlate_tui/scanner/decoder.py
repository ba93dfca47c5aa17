"""Pure decoder: key events from a HID scanner in, whole scans (or a clear rejection) out. No I/O.

Rules a school office would expect:
- a scan is the characters typed before a terminator key (Enter by default; see `TERMINATOR_KEYS`);
- key-up, autorepeat, EV_MSC/EV_SYN and keys that type nothing (F-keys, arrows, Ctrl...) are ignored;
- Caps Lock is ignored on purpose: card codes are compared case-insensitively (spec §2), so it can only
  change the case of letters, never which card was scanned;
- characters followed by a long gap and no terminator are a half scan: dropped and reported;
- more than `max_length` characters is not a card: the whole scan is rejected, never truncated;
- a printable key pressed while Ctrl/Alt/Meta is held is a control character: the scan is rejected;
- a terminator alone is an empty scan and is reported, unless it follows another terminator within
  the gap (some scanners send a doubled suffix; a second "empty scan" would hide the real result).
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from imlate_tui.scanner import keymap


@dataclass(frozen=True)
class Scan:
    """A complete scan: the card code as typed, with surrounding spaces trimmed."""

    code: str


class RejectReason(enum.Enum):
    EMPTY = "empty"
    TOO_LONG = "too_long"
    HALF_SCAN = "half_scan"
    CONTROL_CHARACTERS = "control_characters"


_MESSAGES = {
    RejectReason.EMPTY: "Empty scan — please scan your card again",
    RejectReason.TOO_LONG: "Scan too long — this is not a school card",
    RejectReason.HALF_SCAN: "Scan incomplete — please scan your card again",
    RejectReason.CONTROL_CHARACTERS: "Unreadable scan — please see reception",
}


@dataclass(frozen=True)
class Rejected:
    """Input that is not a card. `seen` is what was typed (at most `max_length` characters), for the log."""

    reason: RejectReason
    seen: str = ""

    @property
    def message(self) -> str:
        """One sentence for the kiosk screen."""
        return _MESSAGES[self.reason]


ScanResult = Scan | Rejected


@dataclass(frozen=True)
class DecoderSettings:
    """How the scanner ends and bounds a scan (mirrors the `scanner.*` config keys)."""

    terminators: frozenset[str] = frozenset({"enter", "kp_enter"})
    gap_timeout_seconds: float = 0.5
    max_length: int = 64

    @classmethod
    def from_config(cls, scanner: Any) -> DecoderSettings:
        """Build from the `scanner` config section (`terminators`, `gap_timeout_ms`, `max_length`)."""
        return cls(frozenset(scanner.terminators), scanner.gap_timeout_ms / 1000, scanner.max_length)

    def __post_init__(self) -> None:
        object.__setattr__(self, "terminators", frozenset(self.terminators))
        unknown = sorted(self.terminators - keymap.TERMINATOR_KEYS.keys())
        if unknown or not self.terminators:
            known = ", ".join(sorted(keymap.TERMINATOR_KEYS))
            raise ValueError(f"scanner terminators must be one or more of {known}; got {sorted(self.terminators)}")
        if self.gap_timeout_seconds <= 0:
            raise ValueError("scanner gap timeout must be a positive number of seconds")
        if self.max_length < 1:
            raise ValueError("scanner max length must be at least 1 character")


def classify_text(text: str, max_length: int = 64) -> ScanResult:
    """Judge a finished piece of scanner text; the keyboard-wedge path uses this too, so both agree."""
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text):
        return Rejected(RejectReason.CONTROL_CHARACTERS, _printable(text)[:max_length])
    if len(text) > max_length:
        return Rejected(RejectReason.TOO_LONG, text[:max_length])
    code = text.strip()
    if not code:
        return Rejected(RejectReason.EMPTY)
    return Scan(code)


def _printable(text: str) -> str:
    return "".join(ch if unicodedata.category(ch) not in ("Cc", "Cf") else "?" for ch in text)


class KeyEvent(Protocol):
    """The part of `evdev.InputEvent` the decoder reads."""

    type: int
    code: int
    value: int

    def timestamp(self) -> float: ...


@dataclass
class _Pending:
    chars: list[str] = field(default_factory=list)
    overflowed: bool = False
    control: bool = False

    def in_progress(self) -> bool:
        return bool(self.chars) or self.overflowed or self.control


class ScanDecoder:
    """Turns a stream of key events into `Scan` / `Rejected` results. Not thread-safe; one per reader."""

    def __init__(self, settings: DecoderSettings | None = None) -> None:
        self.settings = settings or DecoderSettings()
        self._terminator_codes = frozenset(keymap.TERMINATOR_KEYS[n] for n in self.settings.terminators)
        self.reset()

    def reset(self) -> None:
        """Forget any half-typed scan and held keys (e.g. after the scanner was unplugged)."""
        self._pending = _Pending()
        self._held: set[int] = set()
        self._last_key_at: float | None = None
        self._last_terminator_at: float | None = None

    def feed_event(self, event: KeyEvent) -> ScanResult | None:
        """Feed an `evdev.InputEvent` (or anything with type/code/value/timestamp())."""
        return self.feed(event.type, event.code, event.value, event.timestamp())

    def feed_events(self, events: Iterable[KeyEvent]) -> list[ScanResult]:
        """Feed several events; return every result they produced, in order."""
        results = (self.feed_event(event) for event in events)
        return [result for result in results if result is not None]

    def feed(self, event_type: int, code: int, value: int, timestamp: float) -> ScanResult | None:
        """Feed one event; return a result when it completes (or breaks) a scan, else None."""
        if event_type != keymap.EV_KEY:
            return None
        if code in keymap.SHIFT_KEYS or code in keymap.CONTROL_MODIFIERS:
            # Track modifiers on down/hold/up; they never count towards the gap.
            if value == keymap.KEY_UP:
                self._held.discard(code)
            else:
                self._held.add(code)
            return None
        if value != keymap.KEY_DOWN:
            return None  # key-up and autorepeat
        half_scan = self.expire(timestamp)
        self._last_key_at = timestamp
        if code in self._terminator_codes:
            if half_scan is not None:
                return half_scan  # this terminator belongs to nothing; one message is enough
            return self._finish(timestamp)
        char = keymap.character_for(code, shifted=bool(self._held & keymap.SHIFT_KEYS))
        if char is not None:
            self._add(char)
        return half_scan

    def expire(self, now: float) -> Rejected | None:
        """Drop a half scan when nothing arrived for longer than the gap; the reader calls this when idle.

        `now` must be on the event timestamps' clock (evdev: wall-clock seconds, i.e. `time.time()`).
        """
        if not self._pending.in_progress() or self._last_key_at is None:
            return None
        if now - self._last_key_at <= self.settings.gap_timeout_seconds:
            return None
        seen = "".join(self._pending.chars)
        self._pending = _Pending()
        self._last_terminator_at = None
        return Rejected(RejectReason.HALF_SCAN, seen)

    def _add(self, char: str) -> None:
        pending = self._pending
        if self._held & keymap.CONTROL_MODIFIERS:
            pending.control = True
        elif len(pending.chars) >= self.settings.max_length:
            pending.overflowed = True  # keep counting nothing: memory stays bounded
        else:
            pending.chars.append(char)

    def _finish(self, now: float) -> ScanResult | None:
        pending, self._pending = self._pending, _Pending()
        previous_terminator, self._last_terminator_at = self._last_terminator_at, now
        seen = "".join(pending.chars)
        if pending.control:
            return Rejected(RejectReason.CONTROL_CHARACTERS, seen)
        if pending.overflowed:
            return Rejected(RejectReason.TOO_LONG, seen)
        if not seen.strip() and previous_terminator is not None \
                and now - previous_terminator <= self.settings.gap_timeout_seconds:
            return None  # doubled suffix (e.g. Enter Enter) right after a scan
        return classify_text(seen, self.settings.max_length)
