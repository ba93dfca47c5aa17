"""When the kiosk's garbage collector makes its full passes: in a quiet moment, not under a scan.

Python's collector makes a full pass over every tracked object after each ten young passes (once
enough has survived). The kiosk keeps a lot alive: its start-up heap (frozen, out of sight, at start),
and then Textual's strips and styles and the cached colours of the faces it has shown. With photos in
half blocks a full pass took ~50 ms, and bench/bench_kiosk.py saw them land on scans about every
twenty: the result appeared that much later. So once the kiosk is up, full passes wait for a quiet
moment (no scan in flight, none drawn in the last half second), or for FULL_EVERY young passes in a
rush without one. Young passes run as before; objects that die without cycles (nearly all of them)
are freed at once as always, so the heap between quiet moments grows only by cyclic garbage.
"""

from __future__ import annotations

import gc


class QuietCollector:
    FULL_EVERY = 1000   # young (generation 1) passes between automatic full passes; Python's default is 10
    QUIET_AFTER = 50    # a quiet moment makes a full pass once this many young passes have run since the last

    def __init__(self) -> None:
        self._saved: tuple[int, int, int] | None = None

    def start(self) -> None:
        """Once the kiosk is up: move everything alive (modules, widgets, styles: ~10^5 objects) out of
        the collector's sight for good (a full pass walked it all, 50-90 ms with the screen stopped),
        switch the collector on (`imlate kiosk` starts with it off: cli.run) and hold full passes back."""
        gc.collect()
        gc.freeze()
        gc.enable()
        self._saved = gc.get_threshold()
        gc.set_threshold(self._saved[0], self._saved[1], self.FULL_EVERY)

    def quiet_moment(self) -> bool:
        """Nobody is waiting for the screen: make the full pass now if one is due. True when it ran."""
        if self._saved is None or gc.get_count()[2] < self.QUIET_AFTER:
            return False
        gc.collect()
        return True

    def stop(self) -> None:
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None
