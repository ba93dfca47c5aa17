"""Large letters drawn with block characters, so a name reads from a few metres away.

Why our own glyphs rather than pyfiglet: figlet fonts draw with `|`, `/`, `_` and need 6-8 columns a
letter, so a full name does not fit 80 columns; these 5-pixel-high glyphs folded two rows per line
with half blocks ("▀", "▄", "█", in every Linux console font) give 3 lines a letter at scale 1 and
about 5 columns a letter, and scale up on a big screen. Pure (no Textual) so it is tested directly.
"""

from __future__ import annotations

import unicodedata

_GLYPHS: dict[str, tuple[str, ...]] = {
    "A": (".##.", "#..#", "####", "#..#", "#..#"),
    "B": ("###.", "#..#", "###.", "#..#", "###."),
    "C": (".###", "#...", "#...", "#...", ".###"),
    "D": ("###.", "#..#", "#..#", "#..#", "###."),
    "E": ("####", "#...", "###.", "#...", "####"),
    "F": ("####", "#...", "###.", "#...", "#..."),
    "G": (".###", "#...", "#.##", "#..#", ".###"),
    "H": ("#..#", "#..#", "####", "#..#", "#..#"),
    "I": ("###", ".#.", ".#.", ".#.", "###"),
    "J": ("..##", "...#", "...#", "#..#", ".##."),
    "K": ("#..#", "#.#.", "##..", "#.#.", "#..#"),
    "L": ("#...", "#...", "#...", "#...", "####"),
    "M": ("#...#", "##.##", "#.#.#", "#...#", "#...#"),
    "N": ("#...#", "##..#", "#.#.#", "#..##", "#...#"),
    "O": (".##.", "#..#", "#..#", "#..#", ".##."),
    "P": ("###.", "#..#", "###.", "#...", "#..."),
    "Q": (".##.", "#..#", "#..#", "#.##", ".###"),
    "R": ("###.", "#..#", "###.", "#.#.", "#..#"),
    "S": (".###", "#...", ".##.", "...#", "###."),
    "T": ("#####", "..#..", "..#..", "..#..", "..#.."),
    "U": ("#..#", "#..#", "#..#", "#..#", ".##."),
    "V": ("#...#", "#...#", "#...#", ".#.#.", "..#.."),
    "W": ("#...#", "#...#", "#.#.#", "##.##", "#...#"),
    "X": ("#...#", ".#.#.", "..#..", ".#.#.", "#...#"),
    "Y": ("#...#", ".#.#.", "..#..", "..#..", "..#.."),
    "Z": ("####", "...#", ".##.", "#...", "####"),
    "0": (".##.", "#..#", "#..#", "#..#", ".##."),
    "1": (".#.", "##.", ".#.", ".#.", "###"),
    "2": ("###.", "...#", ".##.", "#...", "####"),
    "3": ("###.", "...#", ".##.", "...#", "###."),
    "4": ("#..#", "#..#", "####", "...#", "...#"),
    "5": ("####", "#...", "###.", "...#", "###."),
    "6": (".##.", "#...", "###.", "#..#", ".##."),
    "7": ("####", "...#", "..#.", ".#..", ".#.."),
    "8": (".##.", "#..#", ".##.", "#..#", ".##."),
    "9": (".##.", "#..#", ".###", "...#", ".##."),
    " ": ("..", "..", "..", "..", ".."),
    "-": ("...", "...", "###", "...", "..."),
    "'": ("#", "#", ".", ".", "."),
    ".": (".", ".", ".", ".", "#"),
    ":": (".", "#", ".", "#", "."),
    "?": ("###.", "...#", ".##.", "....", ".#.."),
    ">": ("#..", ".#.", "..#", ".#.", "#.."),
    "<": ("..#", ".#.", "#..", ".#.", "..#"),
}
GLYPH_ROWS = 5
_CELLS = {(True, True): "\u2588", (True, False): "\u2580", (False, True): "\u2584", (False, False): " "}


def plain_letters(text: str) -> str:
    """Upper case, accents dropped ("Zoë" -> "ZOE"); characters we have no glyph for become "?"."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").upper()
    return "".join(ch if ch in _GLYPHS else "?" for ch in folded if ch.isprintable())


def pixel_width(text: str, scale: int = 1) -> int:
    letters = plain_letters(text)
    if not letters:
        return 0
    return sum(len(_GLYPHS[ch][0]) for ch in letters) * scale + (len(letters) - 1) * scale


def line_count(scale: int) -> int:
    """Text lines the letters take at `scale` (two pixel rows per line)."""
    return (GLYPH_ROWS * scale + 1) // 2


def render(text: str, scale: int = 1) -> str:
    """`text` in block letters, `line_count(scale)` lines, `pixel_width(text, scale)` columns."""
    letters = plain_letters(text)
    if not letters:
        return ""
    rows: list[str] = []
    for y in range(GLYPH_ROWS):
        row = "." * scale
        row = row.join("".join(px * scale for px in _GLYPHS[ch][y]) for ch in letters)
        rows.extend([row] * scale)
    if len(rows) % 2:
        rows.append("." * len(rows[0]))
    return "\n".join("".join(_CELLS[(t == "#", b == "#")] for t, b in zip(top, bottom))
                     for top, bottom in zip(rows[::2], rows[1::2]))


def fitting_scale(text: str, width: int, height: int, largest: int = 4) -> int:
    """The largest scale (1..largest) at which `text` fits width x height cells; 0 when even 1 does not."""
    for scale in range(largest, 0, -1):
        if pixel_width(text, scale) <= width and line_count(scale) <= height:
            return scale
    return 0
