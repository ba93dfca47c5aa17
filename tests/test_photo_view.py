"""Photos on the kiosk: how the terminal is asked what it can draw, and the photo widget in each mode.

The terminal question runs against a real pseudo-terminal answered the way foot (sixel) and a plain
terminal answer. The widget runs in the kiosk through Textual's pilot with each mode forced, as
`make_kiosk_app(photo_mode=...)` allows. tests/test_real_terminal.py checks the pixels in foot itself.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import textwrap
import threading
import time

import pytest
from textual.geometry import Region

from imlate_tui.services.photo_sync import check_image, small_name
from imlate_tui.ui import photo
from imlate_tui.ui.kiosk_app import make_kiosk_app
from imlate_tui.ui.photo_mode import PhotoMode, decide_photo_mode
from imlate_tui.ui.widgets import sixel_photo
from imlate_tui.ui.widgets.photo_view import PhotoView
from imlate_tui.ui.widgets.sixel_photo import SixelPhoto, palette_first
from kiosk_helpers import add_person, kiosk_settings, opened, settle
from photo_pattern import write_pattern_photo

# --- deciding once, before the app starts ------------------------------------------------------------


class _Tty:
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("environ", [{"TERM": "linux"}, {"TERM": "xterm-256color", "TEXTUAL_COLOR_SYSTEM": "standard"}])
def test_the_linux_console_gets_initials_without_asking(environ):
    assert decide_photo_mode("auto", environ=environ, stdout=_Tty(), stdin=_Tty()) is PhotoMode.INITIALS


def test_no_terminal_means_half_blocks_and_the_setting_wins(monkeypatch):
    monkeypatch.setenv("TEXTUAL_CELL_WIDTH", "10")  # a forced graphics mode sets these for textual-image
    monkeypatch.setenv("TEXTUAL_CELL_HEIGHT", "20")
    class NotATty:
        def isatty(self) -> bool:
            return False

    quiet = {"environ": {"TERM": "xterm"}, "stdout": NotATty(), "stdin": NotATty()}
    assert decide_photo_mode("auto", **quiet) is PhotoMode.HALF_BLOCKS
    assert decide_photo_mode("initials", **quiet) is PhotoMode.INITIALS
    assert decide_photo_mode("sixel", **quiet) is PhotoMode.SIXEL


ASK = """
import os, select, sys
from imlate_tui.ui.photo_mode import decide_photo_mode, cell_pixels
mode = decide_photo_mode('auto')
left = b''
while select.select([0], [], [], 0.5)[0]:
    left += os.read(0, 4096)
print('RESULT', mode.value, *cell_pixels(), repr(left), flush=True)
"""


def ask_through_a_pty(answer: bytes, delay: float = 0.0, pixels: tuple[int, int] = (880, 648)):
    """Run the decision in a child whose terminal is a pty, and answer its question like a terminal:
    `answer` once the query (ending in the device-attributes request) has arrived, after `delay`."""
    master, slave = pty.openpty()
    # 80x24 cells on 880x648 pixels: an 11x27 cell, as foot at size 14 reports it.
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, *pixels))
    env = {**os.environ, "TERM": "xterm-256color"}
    for name in ("TEXTUAL_COLOR_SYSTEM", "TEXTUAL_CELL_WIDTH", "TEXTUAL_CELL_HEIGHT"):
        env.pop(name, None)
    child = subprocess.Popen([sys.executable, "-c", ASK], stdin=slave, stdout=slave, stderr=slave,
                             env=env, start_new_session=True)
    os.close(slave)
    output, query, answered = "", "", False
    deadline = time.monotonic() + 60
    try:
        while not re.search(r"RESULT .*\r?\n", output):
            if time.monotonic() > deadline:
                raise AssertionError(f"no result from the child; it wrote {output!r}")
            if not select.select([master], [], [], 0.5)[0]:
                continue
            try:
                chunk = os.read(master, 4096).decode(errors="replace")
            except OSError:
                break
            output += chunk
            if not answered:
                query += chunk
                if query.endswith("\x1b[c"):
                    time.sleep(delay)
                    os.write(master, answer)
                    answered = True
    finally:
        child.wait(30)
        os.close(master)
    match = re.search(r"RESULT (\S+) (\d+) (\d+) (.*)\r?\n", output)
    assert match, output
    return match.group(1), (int(match.group(2)), int(match.group(3))), match.group(4).strip(), query


FOOT = b"\x1b[?62;4;22c"  # foot's device attributes: 4 = sixel
PLAIN = b"\x1b[?62;22c"
KITTY = b"\x1b_Gi=31;OK\x1b\\" + b"\x1b[?62;c"


def test_a_sixel_terminal_is_recognised_with_one_question():
    mode, cell, left, query = ask_through_a_pty(FOOT)
    assert (mode, cell, left) == ("sixel", (11, 27), "b''")
    # One write: the kitty query, then the device attributes; the cell size came from the kernel.
    assert query.startswith("\x1b_G") and query.endswith("\x1b[c") and "\x1b[16t" not in query


def test_pictures_are_loaded_after_the_decision_not_with_it():
    """Deciding only asks and measures: textual-image and Pillow (~40 ms) are imported by
    `load_picture_support`, which the kiosk calls after its first paint (issue 14)."""
    code = textwrap.dedent("""
        import sys
        from imlate_tui.ui.photo_mode import PhotoMode, decide_photo_mode, load_picture_support, cell_pixels
        loaded = lambda: sorted({name.split(".")[0] for name in sys.modules} & {"PIL", "textual_image"})
        assert decide_photo_mode("sixel", environ={"TERM": "xterm"}) is PhotoMode.SIXEL
        before = loaded()
        load_picture_support()
        print(before, loaded(), cell_pixels())
    """)
    env = {name: value for name, value in os.environ.items() if not name.startswith("TEXTUAL_CELL")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.stdout.split("\n")[0] == "[] ['PIL', 'textual_image'] (10, 20)", out.stderr


def test_half_blocks_and_initials_get_pillow_only():
    """After the first paint the kiosk loads Pillow in every mode (the first scan's photo or initials
    must not pay for it), and textual-image only where pictures are drawn with their pixels."""
    code = ("import sys; from imlate_tui.ui.photo_mode import load_picture_support\n"
            "load_picture_support(textual_image=False)\n"
            "print(sorted({name.split('.')[0] for name in sys.modules} & {'PIL', 'textual_image'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "['PIL']", out.stderr


def test_kitty_and_plain_terminals():
    assert ask_through_a_pty(KITTY)[0] == "kitty"
    assert ask_through_a_pty(PLAIN)[0] == "half-blocks"


def test_a_slow_answer_is_still_read_and_nothing_leaks_into_the_kiosk():
    # textual-image's own question gives up after 0.1 s; a busy box can take longer than that.
    mode, cell, left, _ = ask_through_a_pty(FOOT, delay=0.6)
    assert (mode, cell, left) == ("sixel", (11, 27), "b''")


def test_the_cell_size_is_asked_when_the_kernel_does_not_know_it():
    mode, cell, left, query = ask_through_a_pty(b"\x1b[6;30;12t" + FOOT, pixels=(0, 0))
    assert "\x1b[16t" in query and (mode, cell, left) == ("sixel", (12, 30), "b''")


# --- the widget in the kiosk ---------------------------------------------------------------------


@pytest.fixture
def people(tmp_path):
    with opened(kiosk_settings(tmp_path)) as settings:
        full = write_pattern_photo(tmp_path / "photos" / "ada.png")
        (full.parent / small_name(full.name)).write_bytes(check_image(full.read_bytes())[1])
        add_person("Ada", "Lovelace", card="ADA1", photo="ada.png")
        add_person("Ben", "Ng", card="BEN2")
        yield settings


@pytest.fixture(autouse=True)
def fresh_caches():
    photo.clear_cache()
    sixel_photo.clear_cache()


@pytest.fixture
def truecolor(monkeypatch):
    import textual.constants

    monkeypatch.setattr(textual.constants, "COLOR_SYSTEM", "truecolor")


async def scan(pilot, code: str) -> None:
    await pilot.press(*code, "enter")
    await settle(pilot)


async def encoded(pilot, picture: SixelPhoto) -> None:
    """Wait until the sixel picture is ready for the widget's current size."""
    for _ in range(600):
        if picture.ready_for == picture.size:
            return
        await pilot.pause(0.02)
    raise AssertionError(f"the sixel picture was not encoded for {picture.size}")


def raster(picture: SixelPhoto) -> tuple[int, int]:
    """The pixel size written in the sixel data the widget draws."""
    lines = picture.render_lines(Region(0, 0, picture.size.width, picture.size.height))
    text = "".join(segment.text for segment in lines[-1])
    match = re.search(r'\x1bP[0-9;]*q"1;1;(\d+);(\d+)', text)
    assert match, "no sixel image on the widget's last line"
    return int(match.group(1)), int(match.group(2))


async def test_sixel_photo_has_real_pixels_and_fills_a_bigger_screen(people, clock):
    app = make_kiosk_app(people, clock=clock, photo_mode=PhotoMode.SIXEL)
    async with app.run_test(size=(160, 48)) as pilot:
        await scan(pilot, "ADA1")
        picture = app.main.query_one(SixelPhoto)
        await encoded(pilot, picture)
        assert picture.picture.size == (300, 400)  # the synced photo, not the 64-pixel copy
        big = picture.size
        cell = (10, 20)  # textual-image's default when there is no terminal to measure
        assert raster(picture) == (big.width * cell[0], big.height * cell[1])
        assert big.height >= 48 // 3 and abs(big.width * cell[0] / (big.height * cell[1]) - 0.75) < 0.05
        # Nothing but cursor moves on the other lines: no text is written over the picture.
        lines = picture.render_lines(Region(0, 0, big.width, big.height))
        assert all(segment.text.startswith("\x1b[") for line in lines[:-1] for segment in line)

        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await encoded(pilot, picture)
        small = picture.size
        assert small.height < big.height and small.width < big.width
        assert raster(picture) == (small.width * cell[0], small.height * cell[1])


async def test_no_sixel_is_drawn_while_another_screen_is_on_top(people, clock):
    from textual.screen import ModalScreen

    app = make_kiosk_app(people, clock=clock, photo_mode=PhotoMode.SIXEL)
    async with app.run_test(size=(120, 36)) as pilot:
        await scan(pilot, "ADA1")
        picture = app.main.query_one(SixelPhoto)
        await encoded(pilot, picture)
        app.push_screen(ModalScreen())
        await pilot.pause()
        lines = picture.render_lines(Region(0, 0, picture.size.width, picture.size.height))
        assert "".join(segment.text for line in lines for segment in line) == ""


async def test_encoding_happens_off_the_ui_thread(people, clock, monkeypatch):
    release = threading.Event()
    real = sixel_photo.cached_sixel

    def slow(*args):
        assert threading.current_thread() is not threading.main_thread()
        release.wait(30)
        return real(*args)

    monkeypatch.setattr(sixel_photo, "cached_sixel", slow)
    app = make_kiosk_app(people, clock=clock, photo_mode=PhotoMode.SIXEL)
    async with app.run_test(size=(120, 36)) as pilot:
        await scan(pilot, "ADA1")
        picture = app.main.query_one(SixelPhoto)
        # The name is on screen and the kiosk takes the next scan while the photo is still encoding.
        assert app.main.query_one("#name").text == "Ada Lovelace"
        assert picture.ready_for is None
        lines = picture.render_lines(Region(0, 0, picture.size.width, picture.size.height))
        assert not any(line for line in lines)
        await scan(pilot, "BEN2")
        assert app.main.query_one("#name").text == "Ben Ng"
        release.set()


async def test_a_person_without_photo_gets_initials_in_every_mode(people, clock, truecolor):
    for mode in PhotoMode:
        app = make_kiosk_app(people, clock=clock, photo_mode=mode)
        async with app.run_test(size=(100, 30)) as pilot:
            await scan(pilot, "BEN2")
            view = app.main.query_one(PhotoView)
            assert view.drawn_as is PhotoMode.INITIALS, mode
            assert str(view.render()) == photo.initials_block("Ben Ng", *view.size).plain
            assert "\u2588" in str(view.render()) and not view.query(SixelPhoto)  # big block letters


async def test_half_blocks_fill_the_box_and_grow_with_the_screen(people, clock, truecolor):
    app = make_kiosk_app(people, clock=clock, photo_mode=PhotoMode.HALF_BLOCKS)
    async with app.run_test(size=(80, 24)) as pilot:
        await scan(pilot, "ADA1")
        view = app.main.query_one(PhotoView)
        assert view.drawn_as is PhotoMode.HALF_BLOCKS
        small = view.size
        rows = str(view.render()).split("\n")
        assert len(rows) == small.height and set("".join(rows)) == {photo.HALF_BLOCK}
        await pilot.resize_terminal(160, 48)
        await pilot.pause()
        rows = str(view.render()).split("\n")
        assert view.size.height > small.height and len(rows) == view.size.height


async def test_a_half_block_photo_goes_to_the_screen_as_its_own_strips(people, clock, truecolor):
    """The fast path (PhotoView.render_lines): the photo's own strips, each line's terminal text made
    once from its runs, no segments made for the frame; a colour filter (NO_COLOR's) still gets the
    usual, filtered drawing."""
    from imlate_tui.ui.widgets.block_lines import PhotoStrip

    app = make_kiosk_app(people, clock=clock, photo_mode=PhotoMode.HALF_BLOCKS)
    async with app.run_test(size=(160, 48)) as pilot:
        await scan(pilot, "ADA1")
        view = app.main.query_one(PhotoView)
        strips = view.render_lines(Region(0, 0, *view.size))
        assert len(strips) == view.size.height > 20
        assert all(isinstance(strip, PhotoStrip) and strip.cell_length == view.size.width for strip in strips)
        assert "38;2;" in strips[0].render(app.console)
        assert all(strip._made is None for strip in strips)   # the frames drawn so far needed no segments


async def test_under_no_color_the_photo_is_drawn_through_textuals_filters(people, clock, truecolor, monkeypatch):
    from imlate_tui.ui.widgets.block_lines import PhotoStrip

    monkeypatch.setenv("NO_COLOR", "1")
    app = make_kiosk_app(people, clock=clock, photo_mode=PhotoMode.HALF_BLOCKS)
    async with app.run_test(size=(160, 48)) as pilot:
        await scan(pilot, "ADA1")
        view = app.main.query_one(PhotoView)
        strips = view.render_lines(Region(0, 0, *view.size))
        assert strips and not any(isinstance(strip, PhotoStrip) for strip in strips)
        colours = re.findall(r"[34]8;2;(\d+);(\d+);(\d+)", "".join(strip.render(app.console) for strip in strips))
        assert colours and all(red == green == blue for red, green, blue in colours)   # Textual's greys


async def test_a_faces_strips_are_freed_as_soon_as_the_next_face_replaces_it(people, clock, truecolor):
    """Textual keeps `[self]` inside a strip drawn whole (a reference cycle); a face's ~2,000 segments
    then waited for a full garbage collection, and the kiosk bench grew to ~400 MB. PhotoStrip does
    not make that cycle, so reference counting frees a face the moment it is replaced."""
    import gc
    import weakref

    app = make_kiosk_app(people, clock=clock, photo_mode=PhotoMode.HALF_BLOCKS)
    async with app.run_test(size=(160, 48)) as pilot:
        await scan(pilot, "ADA1")
        await pilot.pause()
        gc.disable()   # after the kiosk's own start-up switched it on: only reference counting from here
        try:
            view = app.main.query_one(PhotoView)
            first = weakref.ref(view.visual.strips[0])
            await scan(pilot, "ADA1")   # Ada again (signing out): a new drawing of the face
            await pilot.pause()
            assert view.visual.strips[0] is not first()
            assert first() is None
        finally:
            gc.enable()


async def test_sixteen_colours_get_initials_even_where_half_blocks_were_chosen(people, clock):
    # The pilot's console has the colours of this environment; force the Linux console's 16.
    import textual.constants

    old = textual.constants.COLOR_SYSTEM
    textual.constants.COLOR_SYSTEM = "standard"
    try:
        app = make_kiosk_app(people, clock=clock, photo_mode=PhotoMode.HALF_BLOCKS)
        async with app.run_test(size=(80, 24)) as pilot:
            await scan(pilot, "ADA1")
            view = app.main.query_one(PhotoView)
            assert view.drawn_as is PhotoMode.INITIALS
            assert str(view.render()) == photo.initials_block("Ada Lovelace", *view.size).plain
    finally:
        textual.constants.COLOR_SYSTEM = old


async def test_kitty_terminals_get_textual_images_own_widget(people, clock):
    from textual_image.widget import TGPImage

    app = make_kiosk_app(people, clock=clock, photo_mode=PhotoMode.KITTY)
    async with app.run_test(size=(100, 30)) as pilot:
        await scan(pilot, "ADA1")
        view = app.main.query_one(PhotoView)
        image = view.query_one(TGPImage)
        assert view.drawn_as is PhotoMode.KITTY and image.image.size == (300, 400)
        assert image.size == view.size and image.size.height >= 30 // 3


# --- the sixel data ----------------------------------------------------------------------------------


def test_palette_first_moves_every_colour_before_the_pixels():
    raw = '\x1bP0;0;0q"1;1;4;12#0;2;100;0;0!4~#1;2;0;0;100!4~-#0!4~#2;2;0;100;0!4~\x1b\\'
    fixed = palette_first(raw)
    assert fixed == ('\x1bP0;0;0q"1;1;4;12#0;2;100;0;0#1;2;0;0;100#2;2;0;100;0'
                     '#0!4~#1!4~-#0!4~#2!4~\x1b\\')
    # A colour number defined twice (a palette that changes mid-image) is left alone.
    twice = raw.replace("#2;2;0;100;0", "#0;2;0;100;0")
    assert palette_first(twice) == twice
