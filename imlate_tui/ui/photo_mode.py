"""How this terminal can draw a person's photo, decided once before the kiosk starts.

- `sixel`: the photo's real pixels (foot, xterm -ti vt340, WezTerm, Konsole, mlterm ...).
- `kitty`: the photo's real pixels through the kitty graphics protocol (kitty).
- `half-blocks`: two coloured "pixels" per text cell; a face is barely recognisable, but it is colour.
- `initials`: the Linux console (16 colours, no images): the person's initials.

A terminal only tells what it can draw when asked, with escape sequences written to it and answers
read from stdin. That works only before a Textual app owns the terminal: afterwards Textual's input
thread reads the answers as key presses (and an answer that arrives late does the same). So
`decide_photo_mode` runs before `App.run()` and asks everything in one write: the kitty graphics
query, the cell size in pixels (`CSI 16 t`, only when the kernel does not know it) and the primary
device attributes (`CSI c`, answered by every VT100-style terminal, with a 4 in it for sixel).
Terminals answer in order, so once the attributes arrive every other answer has arrived too, and
none can leak into the kiosk. It waits up to two seconds (a busy box answers slowly: textual-image's
own 0.1 s query timed out on the test machine and its late answer was typed into the kiosk).

textual-image then draws the pictures. Its modules ask the terminal again when first imported; we
import them here with its query switched off (it sees no terminal) and hand it the measured cell
size through its TEXTUAL_CELL_WIDTH/HEIGHT variables, so it asks nothing once the kiosk runs. On the
Linux console nothing is asked at all: it has no graphics, and its answers would only be noise.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import select
import struct
import sys
import termios
import time
from enum import Enum
from typing import Iterator, Mapping, TextIO

log = logging.getLogger(__name__)

ANSWER_SECONDS = 2.0
_KITTY_QUERY = "\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\"
_KITTY_OK = re.compile(r"\x1b_Gi=31;OK\x1b\\")
_CELL_QUERY = "\x1b[16t"
_CELL_ANSWER = re.compile(r"\x1b\[6;(\d+);(\d+)t")
_ATTRIBUTES_QUERY = "\x1b[c"
_ATTRIBUTES_ANSWER = re.compile(r"\x1b\[\?([\d;]*)c")
_DEFAULT_CELL = (10, 20)  # a VT340's, when nothing better is known


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
                      stdout: TextIO | None = None, stdin: TextIO | None = None) -> PhotoMode:
    """`kiosk.photo_mode` from the config; "auto" asks the terminal. Call before the app starts."""
    environ = os.environ if environ is None else environ
    stdout = sys.__stdout__ if stdout is None else stdout
    stdin = sys.__stdin__ if stdin is None else stdin
    terminal = stdout is not None and stdin is not None and stdout.isatty() and stdin.isatty()
    answers: Answers | None = None
    if setting == "auto" and not sixteen_colour_console(environ) and terminal:
        answers = ask_the_terminal(stdin.fileno(), stdout.fileno())
    if setting != "auto":
        mode = PhotoMode(setting)
    elif sixteen_colour_console(environ):
        mode = PhotoMode.INITIALS
    elif answers is None:
        mode = PhotoMode.HALF_BLOCKS
    else:
        mode = PhotoMode.SIXEL if answers.sixel else PhotoMode.KITTY if answers.kitty else PhotoMode.HALF_BLOCKS
    if mode.draws_pixels:
        cell = (answers.cell if answers else None) or (_kernel_cell(stdout.fileno()) if terminal else None)
        _set_cell(cell or _DEFAULT_CELL)
        log.info("kiosk photos: %s (kiosk.photo_mode: %s), text cell %dx%d px", mode.value, setting,
                 *(cell or _DEFAULT_CELL))
    else:
        log.info("kiosk photos: %s (kiosk.photo_mode: %s)%s", mode.value, setting,
                 "" if answers is not None or setting != "auto" or sixteen_colour_console(environ)
                 else ", no terminal to ask")
    return mode


class Answers:
    def __init__(self, text: str, cell: tuple[int, int] | None) -> None:
        attributes = _ATTRIBUTES_ANSWER.search(text)
        self.sixel = attributes is not None and "4" in attributes.group(1).split(";")
        self.kitty = _KITTY_OK.search(text) is not None
        self.cell = cell
        if cell is None and (answer := _CELL_ANSWER.search(text)):
            self.cell = int(answer.group(2)), int(answer.group(1))


def ask_the_terminal(stdin_fd: int, stdout_fd: int, seconds: float = ANSWER_SECONDS) -> Answers | None:
    """One round trip (see the module docstring); None when the terminal does not answer in time."""
    cell = _kernel_cell(stdout_fd)
    query = _KITTY_QUERY + ("" if cell else _CELL_QUERY) + _ATTRIBUTES_QUERY
    try:
        with _quiet(stdin_fd):
            os.write(stdout_fd, query.encode())
            received = b""
            deadline = time.monotonic() + seconds
            while not _ATTRIBUTES_ANSWER.search(received.decode(errors="replace")):
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([stdin_fd], [], [], left)[0]:
                    log.warning("the terminal did not say what it can draw within %.1f s", seconds)
                    return None
                chunk = os.read(stdin_fd, 4096)
                if not chunk:
                    return None
                received += chunk
    except OSError as exc:
        log.warning("could not ask the terminal what it can draw: %s", exc)
        return None
    return Answers(received.decode(errors="replace"), cell)


@contextlib.contextmanager
def _quiet(fd: int) -> Iterator[None]:
    """The terminal's answers must reach us at once (no line buffering) and must not be echoed."""
    before = termios.tcgetattr(fd)
    quiet = termios.tcgetattr(fd)
    quiet[3] &= ~(termios.ICANON | termios.ECHO)
    quiet[6][termios.VMIN], quiet[6][termios.VTIME] = 1, 0
    termios.tcsetattr(fd, termios.TCSANOW, quiet)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, before)


def _kernel_cell(fd: int) -> tuple[int, int] | None:
    """The cell size from the terminal's window size in pixels, where the terminal reports it."""
    try:
        rows, columns, width, height = struct.unpack("HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8))
    except OSError:
        return None
    if min(rows, columns, width, height) == 0:
        return None
    return width // columns, height // rows


class _NoTerminal:
    """Stands in for sys.__stdout__ while textual-image is imported: it then asks the terminal nothing."""

    def __init__(self, real: TextIO | None) -> None:
        self._real = real

    def isatty(self) -> bool:
        return False

    def __getattr__(self, name: str):
        return getattr(self._real, name)


def _set_cell(cell: tuple[int, int]) -> None:
    """textual-image reads the cell size from these when it is imported (`load_picture_support`)."""
    os.environ["TEXTUAL_CELL_WIDTH"], os.environ["TEXTUAL_CELL_HEIGHT"] = str(cell[0]), str(cell[1])


def load_picture_support(textual_image: bool = True) -> None:
    """Imports Pillow and (for sixel and kitty) textual-image, ~40 ms, once, with textual-image's
    terminal query switched off. Not before the kiosk's first paint: the kiosk calls this just after
    it, so the first scan's photo or initials do not pay for it (the photo widgets call it too, which
    is then free)."""
    from PIL import Image, ImageDraw, ImageFont, ImageOps  # noqa: F401  (photos and initials draw with these)

    if not textual_image or "textual_image.widget" in sys.modules:
        return
    real = sys.__stdout__
    sys.__stdout__ = _NoTerminal(real)  # type: ignore[assignment, misc]
    try:
        import textual_image.renderable  # noqa: F401  (its import-time query sees no terminal)
        import textual_image.widget  # noqa: F401  (measures the cell size once: from the variables)
    finally:
        sys.__stdout__ = real  # type: ignore[misc]


def cell_pixels() -> tuple[int, int]:
    """One text cell in screen pixels (width, height), as textual-image uses it (measured once)."""
    load_picture_support()
    from textual_image._terminal import get_cell_size  # pinned version; the widget module re-exports it

    size = get_cell_size()
    return size.width, size.height
