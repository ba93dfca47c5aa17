"""A test photo that cannot be mistaken for anything else on the kiosk, and a way to find it on a screenshot.

The photo is a checkerboard of magenta and cyan squares (neither colour is in the kiosk's theme) in
a 3:4 portrait; a second person's is yellow and blue. On a screenshot, `find_pattern` takes the box those two colours fill and counts how
often the colour flips along its middle row and column. Half blocks ("▀") can flip at most once per
text cell across and twice down; real pixels flip once per square. So a count well above the cell
count proves the photo is on screen at full detail, not as half blocks. It also measures how far the
pixels in that box are from the photo scaled to the box, as the kiosk scales it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageOps

Colours = tuple[tuple[int, int, int], tuple[int, int, int]]
MAGENTA_CYAN: Colours = ((230, 30, 200), (20, 200, 210))
YELLOW_BLUE: Colours = ((240, 220, 30), (30, 60, 230))  # a second person's photo
SIZE = (300, 400)
SQUARE = 4  # source pixels per square: 75 squares across, 100 down


def write_pattern_photo(path: Path, colours: Colours = MAGENTA_CYAN, size: tuple[int, int] = SIZE,
                        square: int = SQUARE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    width, height = size
    image = Image.new("RGB", size)
    image.putdata([colours[(x // square + y // square) % 2] for y in range(height) for x in range(width)])
    image.save(path, "PNG")
    return path


TOLERANCE = 32  # per channel: sixel keeps colours within a few levels; blends with text are further off


def _near(pixel: tuple[int, ...], colour: tuple[int, int, int], tolerance: int = TOLERANCE) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour))


def _mask(image: Image.Image, colour: tuple[int, int, int], tolerance: int = TOLERANCE) -> Image.Image:
    """White where the pixel is within `tolerance` of `colour` in every channel (Pillow ops: fast)."""
    channels = [band.point(lambda v, c=c: 255 if abs(v - c) <= tolerance else 0)
                for band, c in zip(image.split(), colour)]
    return ImageChops.multiply(ImageChops.multiply(channels[0], channels[1]), channels[2])


@dataclass
class Found:
    box: tuple[int, int, int, int]  # left, top, right, bottom (exclusive) in screen pixels
    flips_across: int  # colour changes along a row through the middle
    flips_down: int  # colour changes along a column through the middle
    difference: float  # mean difference (0-255) from the photo scaled to the box: 0 = exact

    @property
    def width(self) -> int:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> int:
        return self.box[3] - self.box[1]


def find_pattern(screenshot: Path, photo: Path | None = None, min_pixels: int = 400,
                 colours: Colours = MAGENTA_CYAN) -> Found | None:
    """The checkerboard on this screenshot, or None when (fewer than `min_pixels` of) it is not there.

    `photo`: the test photo, to measure how far the screen is from it (else `difference` is -1)."""
    with Image.open(screenshot) as shot:
        image = shot.convert("RGB")
    mask = ImageChops.lighter(_mask(image, colours[0]), _mask(image, colours[1]))
    if mask.histogram()[255] < min_pixels:
        return None
    # The box: columns and rows where the two colours are common (a stray anti-aliased letter is not).
    columns = _dense(mask.resize((mask.width, 1), Image.Resampling.BOX).tobytes())
    rows = _dense(mask.resize((1, mask.height), Image.Resampling.BOX).tobytes())
    if not columns or not rows:
        return None
    box = left, top, right, bottom = columns[0], rows[0], columns[-1] + 1, rows[-1] + 1
    pixels = image.load()
    # A line can run along the blended edge between two rows of squares: take the best of a few.
    middle_y, middle_x = (top + bottom) // 2, (left + right) // 2
    flips_across = max(_flips([pixels[x, y] for x in range(left, right)], colours)
                       for y in range(middle_y, min(middle_y + 12, bottom)))
    flips_down = max(_flips([pixels[x, y] for y in range(top, bottom)], colours)
                     for x in range(middle_x, min(middle_x + 12, right)))
    difference = -1.0
    if photo is not None:
        with Image.open(photo) as source:
            expected = ImageOps.fit(source.convert("RGB"), (right - left, bottom - top), Image.Resampling.LANCZOS)
        diff = ImageChops.difference(image.crop(box), expected).convert("L").histogram()
        difference = sum(value * count for value, count in enumerate(diff)) / max(sum(diff), 1)
    return Found(box, flips_across, flips_down, difference)


def _dense(profile: bytes, share: float = 0.05) -> list[int]:
    return [i for i, value in enumerate(profile) if value >= 255 * share]


def _flips(line: list[tuple[int, ...]], colours: Colours) -> int:
    """How often the colour changes between the two colours along the line (blends are skipped)."""
    flips, last = 0, None
    for pixel in line:
        now = 0 if _near(pixel, colours[0]) else 1 if _near(pixel, colours[1]) else None
        if now is not None:
            if last is not None and now != last:
                flips += 1
            last = now
    return flips
