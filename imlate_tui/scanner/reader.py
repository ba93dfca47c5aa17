"""The evdev reader thread: finds the scanner, grabs it, decodes scans, survives unplug and re-plug.

Callbacks (`on_scan`, `on_status`) run on the reader thread. A Textual UI must not touch widgets from
them: marshal with `app.post_message(...)` (thread-safe, fire-and-forget), never `call_from_thread`
(it blocks this thread until the UI has handled the scan).
"""

from __future__ import annotations

import contextlib
import enum
import logging
import select
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from imlate_tui.scanner.decoder import DecoderSettings, ScanDecoder, ScanResult
from imlate_tui.scanner.device import (
    DEVICE_GONE_ERRNOS,
    PERMISSION_FIX,
    DeviceSpec,
    InputDeviceLike,
    ListDevices,
    OpenDevice,
    list_input_devices,
    open_input_device,
    resolve,
)

log = logging.getLogger(__name__)


class ScannerState(enum.Enum):
    CONNECTED = "connected"
    WAITING = "waiting"  # for the device to appear (not plugged in, or unplugged)
    PERMISSION_DENIED = "permission_denied"
    ERROR = "error"


@dataclass(frozen=True)
class ScannerStatus:
    """What the status line shows about the scanner; `message` is one sentence, fix included."""

    state: ScannerState
    message: str
    path: str | None = None


class ScannerReader:
    """Owns one daemon thread reading the scanner until `stop()`; see the module docstring for callbacks."""

    def __init__(
        self,
        device: str,
        *,
        on_scan: Callable[[ScanResult], None],
        on_status: Callable[[ScannerStatus], None],
        grab: bool = True,
        decoder_settings: DecoderSettings | None = None,
        list_devices: ListDevices = list_input_devices,
        open_device: OpenDevice = open_input_device,
        clock: Callable[[], float] = time.time,
        select_timeout: float = 0.2,
        retry_interval: float = 1.0,
    ) -> None:
        self.spec = DeviceSpec.parse(device)
        self.grab = grab
        self._on_scan = on_scan
        self._on_status = on_status
        self._decoder = ScanDecoder(decoder_settings)
        self._list_devices = list_devices
        self._open_device = open_device
        self._clock = clock  # must match the event timestamps (evdev: wall clock) for the gap timeout
        self._select_timeout = select_timeout
        self._retry_interval = retry_interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_status: ScannerStatus | None = None

    @property
    def status(self) -> ScannerStatus | None:
        """The last status reported (None before the first)."""
        return self._last_status

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("scanner reader already started")
        # Daemon: even a stuck read can never keep the kiosk process from exiting.
        self._thread = threading.Thread(target=self._run, name="imlate-scanner", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> bool:
        """Ask the thread to finish and wait up to `timeout` seconds; True when it has ended."""
        self._stop.set()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            device = self._connect()
            if device is None:
                self._stop.wait(self._retry_interval)
                continue
            try:
                self._read_until_gone(device)
            except Exception:  # a bug here must not end scanning for the day
                log.exception("scanner reader failed; reconnecting")
                self._report(ScannerState.ERROR, "scanner reader failed (see the log); retrying")
            finally:
                self._release(device, ungrab=self.grab)
                self._decoder.reset()
            if not self._stop.is_set():
                self._stop.wait(self._retry_interval)

    def _connect(self) -> InputDeviceLike | None:
        name = self.spec.text
        try:
            found = resolve(self.spec, self._list_devices)
            if found.path is None:
                if found.permission_denied:
                    self._report(ScannerState.PERMISSION_DENIED,
                                 f"scanner {name}: input devices are not readable; {PERMISSION_FIX}")
                else:
                    self._report(ScannerState.WAITING, f"waiting for scanner {name}")
                return None
            device = self._open_device(found.path)
        except PermissionError:
            self._report(ScannerState.PERMISSION_DENIED, f"scanner {name}: permission denied; {PERMISSION_FIX}")
            return None
        except OSError as exc:
            if exc.errno in DEVICE_GONE_ERRNOS:
                self._report(ScannerState.WAITING, f"waiting for scanner {name}")
            else:
                log.warning("cannot open scanner %s: %s", name, exc)
                self._report(ScannerState.ERROR, f"scanner {name} cannot be opened: {exc.strerror or exc}")
            return None
        if self.grab:
            try:
                device.grab()
            except OSError as exc:
                # EBUSY: another program holds the grab; without ours, scans would also reach the console.
                log.warning("cannot grab scanner %s: %s", found.path, exc)
                self._release(device, ungrab=False)
                self._report(ScannerState.ERROR,
                             f"scanner {name} is in use by another program (exclusive grab failed)")
                return None
        label = getattr(device, "name", "") or name
        self._report(ScannerState.CONNECTED, f"scanner connected: {label}", found.path)
        return device

    def _read_until_gone(self, device: InputDeviceLike) -> None:
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([device.fd], [], [], self._select_timeout)
                # evdev's read() is a generator: errors surface while iterating, so drain it here.
                events = list(device.read()) if ready else []
            except BlockingIOError:
                continue
            except OSError as exc:
                if exc.errno in DEVICE_GONE_ERRNOS:
                    log.info("scanner %s unplugged", self.spec.text)
                    self._report(ScannerState.WAITING, f"waiting for scanner {self.spec.text}")
                else:
                    log.warning("scanner read failed: %s", exc)
                    self._report(ScannerState.ERROR, f"scanner read failed: {exc.strerror or exc}; reconnecting")
                return
            if not events:
                if (expired := self._decoder.expire(self._clock())) is not None:
                    self._deliver(expired)
                continue
            for result in self._decoder.feed_events(events):
                self._deliver(result)

    def _deliver(self, result: ScanResult) -> None:
        try:
            self._on_scan(result)
        except Exception:
            log.exception("on_scan callback failed for %r", result)

    def _report(self, state: ScannerState, message: str, path: str | None = None) -> None:
        status = ScannerStatus(state, message, path)
        if status == self._last_status:
            return  # the retry loop would otherwise repeat the same line every second
        self._last_status = status
        log.info("scanner status: %s", message)
        try:
            self._on_status(status)
        except Exception:
            log.exception("on_status callback failed for %r", status)

    @staticmethod
    def _release(device: InputDeviceLike, *, ungrab: bool) -> None:
        if ungrab:
            with contextlib.suppress(OSError):
                device.ungrab()
        with contextlib.suppress(OSError):
            device.close()
