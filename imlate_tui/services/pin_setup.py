"""`imlate kiosk set-pin`: ask for the reception PIN twice and store its hash in the config file.

Only the `admin_pin_hash:` line is rewritten, so the file's comments and layout stay as they were.
When the file has no such line (or cannot be written), the hash is printed for the IT lead to paste,
together with the environment-variable form.
"""

from __future__ import annotations

import getpass
import re
import sys
from pathlib import Path

from imlate_tui.domain.pin import hash_pin
from imlate_tui.errors import InvalidInput

_LINE = re.compile(r"^(?P<indent>[ \t]*)admin_pin_hash:[^\n#]*(?P<comment>#.*)?$", re.MULTILINE)


def ask_pin() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("New reception PIN (4 or more digits): ")
        if getpass.getpass("Once more: ") != first:
            raise InvalidInput("the two PINs differ; nothing was changed")
        return first
    return sys.stdin.readline().strip()   # scripted: `echo 2580 | imlate kiosk set-pin`


def set_pin(config: Path, pin: str | None = None) -> str:
    pin = ask_pin() if pin is None else pin
    if not pin.isdigit() or len(pin) < 4:
        raise InvalidInput("the PIN must be at least 4 digits; nothing was changed")
    hashed = hash_pin(pin)
    manual = (f"Put this in the config file under kiosk:\n  admin_pin_hash: \"{hashed}\"\n"
              f"or in the environment:\n  IMLATE_KIOSK__ADMIN_PIN_HASH='{hashed}'")
    try:
        text = config.read_text(encoding="utf-8")
    except OSError:
        return f"{config} could not be read. {manual}"
    match = _LINE.search(text)
    if match is None:
        return f"{config} has no admin_pin_hash line. {manual}"
    comment = f"  {match['comment']}" if match["comment"] else ""
    new = text[:match.start()] + f"{match['indent']}admin_pin_hash: \"{hashed}\"{comment}" + text[match.end():]
    try:
        config.write_text(new, encoding="utf-8")
    except OSError as exc:
        return f"{config} could not be written ({exc.strerror}). {manual}"
    return f"reception PIN set in {config} (restart the kiosk to use it)"
