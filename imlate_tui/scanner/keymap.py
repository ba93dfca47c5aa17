"""US keyboard map on Linux input keycodes, for decoding what a USB HID scanner "types".

The integer constants mirror `linux/input-event-codes.h` (and `evdev.ecodes`) so that the decoder and its
tests import without evdev. Scanners send *physical* key positions: configure the scanner for a US
keyboard layout, or letters such as Y/Z come out swapped.
"""

from __future__ import annotations

from typing import Final

# Event types.
EV_SYN: Final = 0
EV_KEY: Final = 1
EV_MSC: Final = 4

# EV_KEY values.
KEY_UP: Final = 0
KEY_DOWN: Final = 1
KEY_HOLD: Final = 2  # autorepeat

# Keycodes used by name elsewhere (the full table is below).
KEY_TAB: Final = 15
KEY_ENTER: Final = 28
KEY_LEFTCTRL: Final = 29
KEY_LEFTSHIFT: Final = 42
KEY_RIGHTSHIFT: Final = 54
KEY_LEFTALT: Final = 56
KEY_SPACE: Final = 57
KEY_CAPSLOCK: Final = 58
KEY_KPENTER: Final = 96
KEY_RIGHTCTRL: Final = 97
KEY_RIGHTALT: Final = 100
KEY_LEFTMETA: Final = 125
KEY_RIGHTMETA: Final = 126

SHIFT_KEYS: Final = frozenset({KEY_LEFTSHIFT, KEY_RIGHTSHIFT})
# A printable key pressed while one of these is held is a control chord, not a character.
CONTROL_MODIFIERS: Final = frozenset({KEY_LEFTCTRL, KEY_RIGHTCTRL, KEY_LEFTALT, KEY_RIGHTALT,
                                      KEY_LEFTMETA, KEY_RIGHTMETA})

# Keys that can end a scan, by the names used in `scanner.terminators`.
TERMINATOR_KEYS: Final[dict[str, int]] = {
    "enter": KEY_ENTER,
    "kp_enter": KEY_KPENTER,
    "tab": KEY_TAB,
}

# Main block: keycode -> (unshifted, shifted).
US_KEYS: Final[dict[int, tuple[str, str]]] = {
    2: ("1", "!"), 3: ("2", "@"), 4: ("3", "#"), 5: ("4", "$"), 6: ("5", "%"),
    7: ("6", "^"), 8: ("7", "&"), 9: ("8", "*"), 10: ("9", "("), 11: ("0", ")"),
    12: ("-", "_"), 13: ("=", "+"),
    16: ("q", "Q"), 17: ("w", "W"), 18: ("e", "E"), 19: ("r", "R"), 20: ("t", "T"),
    21: ("y", "Y"), 22: ("u", "U"), 23: ("i", "I"), 24: ("o", "O"), 25: ("p", "P"),
    26: ("[", "{"), 27: ("]", "}"),
    30: ("a", "A"), 31: ("s", "S"), 32: ("d", "D"), 33: ("f", "F"), 34: ("g", "G"),
    35: ("h", "H"), 36: ("j", "J"), 37: ("k", "K"), 38: ("l", "L"),
    39: (";", ":"), 40: ("'", '"'), 41: ("`", "~"), 43: ("\\", "|"),
    44: ("z", "Z"), 45: ("x", "X"), 46: ("c", "C"), 47: ("v", "V"), 48: ("b", "B"),
    49: ("n", "N"), 50: ("m", "M"),
    51: (",", "<"), 52: (".", ">"), 53: ("/", "?"),
    KEY_SPACE: (" ", " "),
}

# Keypad: shift does not change these. We read raw keycodes, so the host's Num Lock state never
# applies; scanners that use the keypad mean digits.
KEYPAD_KEYS: Final[dict[int, str]] = {
    71: "7", 72: "8", 73: "9", 75: "4", 76: "5", 77: "6", 79: "1", 80: "2", 81: "3", 82: "0",
    83: ".",  # KEY_KPDOT
    55: "*",  # KEY_KPASTERISK
    74: "-",  # KEY_KPMINUS
    78: "+",  # KEY_KPPLUS
    98: "/",  # KEY_KPSLASH
    117: "=",  # KEY_KPEQUAL
    121: ",",  # KEY_KPCOMMA
    179: "(",  # KEY_KPLEFTPAREN
    180: ")",  # KEY_KPRIGHTPAREN
}


def character_for(code: int, shifted: bool) -> str | None:
    """The character a key types on a US layout, or None for keys that type nothing printable."""
    if (pair := US_KEYS.get(code)) is not None:
        return pair[1] if shifted else pair[0]
    return KEYPAD_KEYS.get(code)
