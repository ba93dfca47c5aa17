"""How this terminal can draw a person's photo, decided once before the kiosk starts.

- `sixel`: the photo's real pixels (foot, xterm -ti vt340, WezTerm, Konsole, mlterm ...).
- `kitty`: the photo's real pixels through the kitty graphics protocol (kitty).
- `half-blocks`: two coloured "pixels" per text cell; a face is barely recognisable, but it is colour.
- `initials`: the Linux console (16 colours, no images): the person's initials.

`textual-image` finds out sixel/kitty support by writing a query to the terminal and reading the
answer from stdin. That only works before a Textual app owns the terminal (Textual's input thread
would swallow the answer), and `textual-image` runs its query when its renderable module is first
imported. So `decide_photo_mode` does that import, plus the cell-size query the library caches, and
`run_kiosk` calls it before `App.run()`. Nothing else in the kiosk imports `textual_image` earlier.
On the Linux console nothing is asked at all: it has no graphics, and its answer would be noise.
"""

from __future__ import annotations

import logging
import os
import sys
from enum import Enum
from typing import Mapping, TextIO

log = logging.getLogger(__name__)


class PhotoMode(str, Enum):
    SIXEL = "sixel"
    KITTY = "kitty"
    HALF_BLOCKS = "half-blocks"
    INITIALS = "initials"

    @property
    def draws_pixels(self) -> bool:
        return self in (PhotoMode.SIXEL, PhotoMode.KITTY)


def sixteen_colour_console(environ: Mapping[str, str]) -> bool:
    """The Linux console, or a terminal the operator limited to 16 colours (what deploy/ sets on tty1)."""
    return (environ.get("TERM") == "linux"
            or environ.get("TEXTUAL_COLOR_SYSTEM", "").lower() in ("standard", "windows"))


def decide_photo_mode(setting: str = "auto", *, environ: Mapping[str, str] | None = None,
                      stdout: TextIO | None = None) -> PhotoMode:
    """`kiosk.photo_mode` from the config; "auto" asks the terminal. Call before the app starts."""
    environ = os.environ if environ is None else environ
    stdout = sys.__stdout__ if stdout is None else stdout
    if setting != "auto":
        mode = PhotoMode(setting)
    elif sixteen_colour_console(environ):
        mode = PhotoMode.INITIALS
    elif stdout is None or not stdout.isatty():
        mode = PhotoMode.HALF_BLOCKS
    else:
        mode = _ask_the_terminal()
    if mode.draws_pixels:
        # Even when forced: textual-image asks the terminal when first imported and measures the
        # cell size once; both must happen now, or its questions would be answered into the app.
        _ask_the_terminal()
        width, height = cell_pixels()
        log.info("kiosk photos: %s (kiosk.photo_mode: %s), text cell %dx%d px", mode.value, setting, width, height)
    else:
        log.info("kiosk photos: %s (kiosk.photo_mode: %s)", mode.value, setting)
    return mode


def _ask_the_terminal() -> PhotoMode:
    try:
        from textual_image import renderable  # the first import asks the terminal (sixel, then kitty)
    except Exception:  # a terminal answering oddly must never keep the kiosk from starting
        log.exception("asking the terminal what it can draw failed; using half blocks")
        return PhotoMode.HALF_BLOCKS
    if renderable.Image is renderable.SixelImage:
        return PhotoMode.SIXEL
    if renderable.Image is renderable.TGPImage:
        return PhotoMode.KITTY
    return PhotoMode.HALF_BLOCKS


def cell_pixels() -> tuple[int, int]:
    """One text cell in screen pixels (width, height), as textual-image measured it (once, cached)."""
    from textual_image._terminal import get_cell_size  # pinned version; the widget module re-exports it

    size = get_cell_size()
    return size.width, size.height
