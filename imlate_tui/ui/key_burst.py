"""Telling a keyboard-wedge card reader from a person while a question or dialog is open.

A wedge reader "types" a whole card in a few milliseconds and ends it with Enter; a person presses a
key every 100 ms or more. While a dialog is open the kiosk holds each printable key back for a moment:
if more keys follow fast and the run ends with Enter it is a scan (recorded for its owner, the
question closed with no answer); if the keys stop coming they are handed to the dialog as ordinary
presses. So a card starting with a digit can no longer pick a reason for the previous student.
Pure: the caller passes the time of each key, so the rules are tested without a terminal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

BURST_GAP_SECONDS = 0.04
"""Longest pause between two keys of one scan. Readers send a key every 1-20 ms; people rarely < 60 ms."""
MIN_SCAN_LENGTH = 3
"""Shorter fast runs ("2" + Enter hit together) stay key presses."""


@dataclass(frozen=True)
class HeldKey:
    key: str
    character: str | None


@dataclass
class Verdict:
    """What to do after a key: hand `release` to the dialog in order, and record `scan` when set."""

    release: list[HeldKey] = field(default_factory=list)
    scan: str | None = None
    held: bool = False


class BurstDetector:
    def __init__(self, gap_seconds: float = BURST_GAP_SECONDS, min_length: int = MIN_SCAN_LENGTH) -> None:
        self.gap_seconds = gap_seconds
        self.min_length = min_length
        self._held: list[HeldKey] = []
        self._last_at = 0.0

    @property
    def holding(self) -> bool:
        return bool(self._held)

    def key(self, key: str, character: str | None, printable: bool, now: float, *, terminator: bool) -> Verdict:
        """Feed one key press. Printable keys are held; a terminator may end a scan; others pass."""
        verdict = Verdict(release=self.expire(now))
        this = HeldKey(key, character)
        if printable and character and not terminator:
            self._held.append(this)
            self._last_at = now
            verdict.held = True
        elif terminator and len(self._held) >= self.min_length:
            verdict.scan = "".join(k.character or "" for k in self._held)
            self._held = []
        else:
            verdict.release += self._take()
            verdict.release.append(this)
        return verdict

    def expire(self, now: float) -> list[HeldKey]:
        """Keys held longer than the gap were typed by a person: give them back."""
        if self._held and now - self._last_at > self.gap_seconds:
            return self._take()
        return []

    def _take(self) -> list[HeldKey]:
        held, self._held = self._held, []
        return held
