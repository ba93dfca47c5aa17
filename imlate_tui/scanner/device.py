"""Finding the scanner among /dev/input devices, and choosing evdev or keyboard-wedge input.

evdev is imported lazily so that the rest of the app (and the decoder tests) work without it.
"""

from __future__ import annotations

import errno
import fnmatch
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

log = logging.getLogger(__name__)

PERMISSION_FIX = (
    "add a udev rule giving the 'imlate' group access to the scanner "
    "(deploy/70-imlate-scanner.rules), or add the kiosk user to the 'input' group"
)

# Errors that mean "the device is not there (any more)", as opposed to a fault worth reporting.
DEVICE_GONE_ERRNOS = frozenset({errno.ENODEV, errno.ENOENT, errno.ENXIO})

_USB_ID = re.compile(r"^([0-9a-fA-F]{4}):([0-9a-fA-F]{4})$")
_EVENT_NUMBER = re.compile(r"(\d+)$")


class InputDeviceLike(Protocol):
    """What the reader needs from an open device; `evdev.InputDevice` satisfies it."""

    fd: int
    name: str

    def read(self) -> Iterable[Any]: ...
    def grab(self) -> None: ...
    def ungrab(self) -> None: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class DeviceInfo:
    """One /dev/input/event* node as listed; `readable=False` means we may not open it (permissions)."""

    path: str
    name: str = ""
    vendor: int = 0
    product: int = 0
    readable: bool = True
    has_keys: bool = True  # types letters or digits; scanners with several interfaces have one that does


ListDevices = Callable[[], Sequence[DeviceInfo]]
OpenDevice = Callable[[str], InputDeviceLike]


@dataclass(frozen=True)
class DeviceSpec:
    """`scanner.device` parsed: a path, a USB `vendor:product` id, or a name pattern."""

    kind: Literal["path", "usb_id", "name"]
    text: str
    vendor: int = 0
    product: int = 0

    @classmethod
    def parse(cls, text: str) -> DeviceSpec:
        text = text.strip()
        if not text:
            raise ValueError("scanner.device is empty: give a /dev/input path, vendor:product or a name")
        if text.startswith("/"):
            return cls("path", text)
        if match := _USB_ID.match(text):
            return cls("usb_id", text, int(match.group(1), 16), int(match.group(2), 16))
        return cls("name", text)

    def matches(self, info: DeviceInfo) -> bool:
        if self.kind == "path":
            return info.path == self.text
        if self.kind == "usb_id":
            return (info.vendor, info.product) == (self.vendor, self.product)
        name, pattern = info.name.lower(), self.text.lower()
        if any(ch in pattern for ch in "*?["):
            return fnmatch.fnmatchcase(name, pattern)
        return pattern in name


@dataclass(frozen=True)
class Resolution:
    """Where the spec points now: a path to open, or why there is none (`permission_denied`)."""

    path: str | None
    permission_denied: bool = False


def resolve(spec: DeviceSpec, list_devices: ListDevices) -> Resolution:
    """Pick the device for `spec`. A path is returned as is (opening it tells whether it exists)."""
    if spec.kind == "path":
        return Resolution(spec.text)
    devices = list(list_devices())
    candidates = [d for d in devices if d.readable and spec.matches(d)]
    if candidates:
        # Prefer the interface that types keys, then the lowest event number: stable across polls.
        best = min(candidates, key=lambda d: (not d.has_keys, _event_number(d.path), d.path))
        return Resolution(best.path)
    # Names of unreadable devices are unknown; if some exist, permissions are the likely reason.
    return Resolution(None, permission_denied=any(not d.readable for d in devices))


def _event_number(path: str) -> int:
    match = _EVENT_NUMBER.search(path)
    return int(match.group(1)) if match else 1 << 30


def list_input_devices(directory: str = "/dev/input") -> list[DeviceInfo]:
    """List /dev/input/event* with name and USB ids (default `ListDevices`; needs evdev)."""
    import glob

    import evdev

    found = []
    for path in sorted(glob.glob(f"{directory}/event*")):
        try:
            device = evdev.InputDevice(path)
        except PermissionError:
            found.append(DeviceInfo(path, readable=False))
            continue
        except OSError as exc:  # vanished between glob and open
            log.debug("skipping %s: %s", path, exc)
            continue
        try:
            keys = device.capabilities().get(evdev.ecodes.EV_KEY, [])
            has_keys = evdev.ecodes.KEY_1 in keys or evdev.ecodes.KEY_A in keys or evdev.ecodes.KEY_KP1 in keys
            found.append(DeviceInfo(path, device.name, device.info.vendor, device.info.product, True, has_keys))
        finally:
            device.close()
    return found


def open_input_device(path: str) -> InputDeviceLike:
    """Open one device with evdev (default `OpenDevice`)."""
    import evdev

    return evdev.InputDevice(path)


@dataclass(frozen=True)
class InputSource:
    """Which path scans take: `evdev` (the reader thread) or `keyboard` (typed into the kiosk)."""

    kind: Literal["evdev", "keyboard"]
    reason: str


def choose_input_source(
    source: str,
    device: str | None,
    *,
    list_devices: ListDevices | None = None,
    open_device: OpenDevice | None = None,
) -> InputSource:
    """Decide `scanner.source` ("auto" | "evdev" | "keyboard") with a one-line reason for the log/status.

    "auto" uses evdev only when `device` is set, resolves and opens now; otherwise keyboard-wedge.
    "evdev" trusts the configuration: the reader waits for the device and reports why it cannot open it.
    """
    if source == "keyboard":
        return InputSource("keyboard", "scanner.source is keyboard; using keyboard input")
    if source not in ("auto", "evdev"):
        raise ValueError(f"scanner.source must be auto, evdev or keyboard; got {source!r}")
    if not device:
        return InputSource("keyboard", f"scanner.source is {source} but scanner.device is not set; using keyboard input")
    try:
        spec = DeviceSpec.parse(device)
    except ValueError as exc:
        return InputSource("keyboard", f"{exc}; using keyboard input")
    if source == "evdev":
        return InputSource("evdev", f"scanner.source is evdev; reading scanner {device}")
    return _probe(spec, list_devices or list_input_devices, open_device or open_input_device)


def _probe(spec: DeviceSpec, list_devices: ListDevices, open_device: OpenDevice) -> InputSource:
    name = spec.text
    try:
        found = resolve(spec, list_devices)
        if found.path is None:
            why = "not readable (permissions)" if found.permission_denied else "not found"
            return InputSource("keyboard", f"scanner {name} {why}; using keyboard input")
        opened = open_device(found.path)
    except ImportError:
        return InputSource("keyboard", "evdev is not installed; using keyboard input")
    except PermissionError:
        return InputSource("keyboard", f"scanner {name} is not readable ({PERMISSION_FIX}); using keyboard input")
    except OSError as exc:
        if exc.errno in DEVICE_GONE_ERRNOS:
            return InputSource("keyboard", f"scanner {name} not found; using keyboard input")
        return InputSource("keyboard", f"scanner {name} cannot be opened ({exc.strerror or exc}); using keyboard input")
    try:
        opened.close()
    except OSError:
        pass
    return InputSource("evdev", f"scanner {name} found at {found.path}; reading it directly")
