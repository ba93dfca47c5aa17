"""Half-block photos: right size, real colours, cached; initials when there is no usable photo."""

from rich.console import Console

from imlate_tui.ui import photo
from kiosk_helpers import write_photo


def lines(text) -> list[str]:
    return text.plain.split("\n")


def test_photo_renders_to_the_requested_cells(tmp_path):
    path = write_photo(tmp_path / "p.jpg")
    text = photo.photo_text(path, 16, 8)
    assert lines(text) == ["\u2580" * 16] * 8
    styles = {span.style.color.triplet for span in text.spans}
    assert len(styles) > 10  # a gradient, not one flat colour
    out = Console(width=20, color_system="truecolor", file=None, record=True)
    out.print(text)
    assert "38;2;" in out.export_text(styles=True)


def test_rendering_is_cached_per_file_and_size(tmp_path):
    photo.clear_cache()
    path = write_photo(tmp_path / "p.jpg")
    photo.photo_text(path, 8, 4)
    photo.photo_text(path, 8, 4)
    photo.photo_text(path, 16, 8)
    info = photo._render.cache_info()
    assert (info.hits, info.misses) == (1, 2)


def test_missing_or_corrupt_photo_falls_back_to_initials(tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not an image at all")
    for path in (None, tmp_path / "missing.jpg", bad):
        text = photo.portrait(path, "Ada Lovelace", 10, 5)
        assert lines(text) == [" " * 10, " " * 10, "   A L    ", " " * 10, " " * 10]


def test_sixteen_colour_terminal_gets_initials(tmp_path):
    path = write_photo(tmp_path / "p.jpg")
    assert "\u2580" not in photo.portrait(path, "Ada Lovelace", 10, 5, colour=False).plain


def test_initials():
    assert photo.initials("Ada Lovelace") == "AL"
    assert photo.initials("Mary-Jane van Dyke") == "MD"
    assert photo.initials("Prince") == "P"
    assert photo.initials("  ") == "?"


def test_kiosk_prefers_the_small_copy_photo_sync_writes(tmp_path):
    from imlate_tui.ui.widgets.result_panel import photo_file

    write_photo(tmp_path / "ada.jpg")
    assert photo_file(tmp_path, "ada.jpg") == tmp_path / "ada.jpg"
    write_photo(tmp_path / "ada.small.png")
    assert photo_file(tmp_path, "ada.jpg") == tmp_path / "ada.small.png"
    assert photo_file(tmp_path, None) is None


def test_core_modules_of_the_kiosk_do_not_import_textual():
    import subprocess
    import sys

    code = ("import sys, imlate_tui.domain.pin, imlate_tui.services.reception; "
            "sys.exit('textual' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_portrait_remembers_who_it_shows(tmp_path):
    path = write_photo(tmp_path / "p.jpg")
    made = photo.portrait(path, "Ada Lovelace", 8, 4)
    assert (made.path, made.name, made.colour) == (path, "Ada Lovelace", True)
    assert lines(made) == ["\u2580" * 8] * 4  # still the half-block text a plain Static shows


def test_graphics_terminals_get_the_full_size_photo_not_the_small_copy(tmp_path):
    full = write_photo(tmp_path / "ada.jpg")
    small = write_photo(tmp_path / "ada.small.png")
    assert photo.full_size_file(small) == full
    assert photo.full_size_file(full) == full
    lonely = write_photo(tmp_path / "ben.small.png")
    assert photo.full_size_file(lonely) == lonely  # the original is gone: the copy is all there is
    assert photo.load_picture(full).size == (64, 64)
    assert photo.load_picture(tmp_path / "missing.jpg") is None


def test_fit_cells_keeps_the_photo_shape_inside_the_room():
    # A 3:4 photo in 11x27-pixel cells, 100x30 cells of room: the height decides.
    assert photo.fit_cells((300, 400), (100, 30), (11, 27)) == (55, 30)
    # A narrow room: the width decides, the rows shrink to keep the shape.
    assert photo.fit_cells((300, 400), (20, 30), (11, 27)) == (20, 11)
    # Half blocks: one pixel across and two down per cell.
    assert photo.fit_cells((300, 400), (80, 16), (1, 2)) == (24, 16)
    assert photo.fit_cells((300, 400), (0, 16), (1, 2)) == (0, 0)


def test_initials_are_drawn_large_when_the_box_has_room():
    big = photo.initials_block("Priya Shah", 30, 16)
    rows = lines(big)
    assert len(rows) == 16 and {len(row) for row in rows} == {30}
    inked = [row for row in rows if row.strip()]
    assert set("".join(rows)) <= {" ", "\u2580", "\u2584", "\u2588"}
    assert len(inked) >= 5  # letters several rows tall, not one line of text
    assert photo.initials_block("Ben Ng", 30, 16).plain != big.plain
    # Too small a box: the plain letters.
    assert "P S" in photo.initials_block("Priya Shah", 11, 5).plain


def test_cells_of_one_colour_are_one_run_and_the_cache_keeps_only_bytes(tmp_path):
    """A portrait is drawn as runs of cells (one segment each), and what is cached per face is its
    pixels as one bytes object: ~2,000 styled objects a face kept the garbage collector busy."""
    from PIL import Image

    photo.clear_cache()
    path = tmp_path / "flat.png"
    Image.new("RGB", (40, 60), (200, 30, 30)).save(path)
    runs = photo.photo_runs(path, 10, 5)
    assert [len(line) for line in runs] == [1] * 5
    top, bottom, cells = runs[0][0]
    assert cells == 10 and top == bottom
    rgb = photo._render(str(path), path.stat().st_mtime_ns, path.stat().st_size, 10, 5)
    assert isinstance(rgb, bytes) and len(rgb) == 10 * 10 * 3


def test_a_photo_line_is_sent_to_the_terminal_exactly_as_textual_would_send_its_segments(tmp_path):
    """`PhotoStrip` writes a line's terminal text from its runs itself (one code per colour); it must
    be byte for byte what Textual makes of the same segments, at every colour system."""
    from textual.strip import Strip

    from imlate_tui.ui.widgets.block_lines import PhotoStrip, RunLines

    photo.clear_cache()
    path = write_photo(tmp_path / "p.jpg")
    runs = photo.photo_runs(path, 16, 8)
    assert RunLines(runs).size == (16, 8) and sum(len(line) for line in runs) > 8   # more than one run a line
    for system in ("truecolor", "256", "standard"):
        console = Console(color_system=system, file=None)
        for strip, line in zip(RunLines(runs).strips, runs):  # new styles: Textual keeps a style's codes on the style
            assert isinstance(strip, PhotoStrip) and strip.cell_length == 16
            sent = strip.render(console)
            assert strip._made is None   # the terminal text needs no segments
            segments = list(strip)       # made when asked for, through Strip's own methods
            assert [(segment.text, segment.style) for segment in segments] == \
                [(photo.HALF_BLOCK * cells, photo.run_style(top, bottom)) for top, bottom, cells in line]
            assert sent == Strip(segments, strip.cell_length).render(console)
            assert strip.crop(0, 4).text == photo.HALF_BLOCK * 4 and len(strip.divide([5, 16])) == 2
