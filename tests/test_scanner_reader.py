"""The scanner reader thread against a fake device (a pipe fd wakes select), plus device choice."""

from __future__ import annotations

import errno
import os
import queue
import threading
import time
from collections import deque

import pytest

evdev = pytest.importorskip("evdev")
from evdev import InputEvent, ecodes as e  # noqa: E402

from imlate_tui.scanner import (  # noqa: E402
    DecoderSettings,
    DeviceInfo,
    DeviceSpec,
    Rejected,
    RejectReason,
    Scan,
    ScannerReader,
    ScannerState,
    choose_input_source,
)
from imlate_tui.scanner.device import resolve  # noqa: E402

PATH = "/dev/input/by-id/usb-Barcode_Scanner_0001-event-kbd"
DIGITS = {str(n): getattr(e, f"KEY_{n}") for n in range(10)}


def key_events(text: str, terminator: int = e.KEY_ENTER) -> list[InputEvent]:
    now = time.time()
    sec, usec = int(now), int((now % 1) * 1_000_000)
    events = []
    for code in [DIGITS[ch] for ch in text] + [terminator]:
        events += [InputEvent(sec, usec, e.EV_MSC, e.MSC_SCAN, code), InputEvent(sec, usec, e.EV_KEY, code, 1),
                   InputEvent(sec, usec, e.EV_SYN, 0, 0), InputEvent(sec, usec, e.EV_KEY, code, 0),
                   InputEvent(sec, usec, e.EV_SYN, 0, 0)]
    return events


class FakeScanner:
    """An open evdev device: `fd` is a pipe's read end; `push()` queues events and wakes select."""

    def __init__(self, name: str = "BARCODE SCANNER BARCODE SCANNER") -> None:
        self.name = name
        self.fd, self._wake = os.pipe()
        os.set_blocking(self.fd, False)
        self._events: deque[InputEvent] = deque()
        self._lock = threading.Lock()
        self.unplugged = False
        self.grab_calls = self.ungrab_calls = 0
        self.closed = False

    def push(self, events: list[InputEvent]) -> None:
        with self._lock:
            self._events.extend(events)
        os.write(self._wake, b"x")

    def unplug(self) -> None:
        self.unplugged = True
        os.write(self._wake, b"x")

    def read(self):
        try:
            os.read(self.fd, 4096)
        except BlockingIOError:
            pass
        if self.unplugged:
            raise OSError(errno.ENODEV, "No such device")
        with self._lock:
            if not self._events:
                raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")
            events, self._events = list(self._events), deque()
        return iter(events)

    def grab(self) -> None:
        self.grab_calls += 1

    def ungrab(self) -> None:
        self.ungrab_calls += 1
        if self.unplugged:
            raise OSError(errno.ENODEV, "No such device")  # as evdev does on a vanished device

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            os.close(self.fd)
            os.close(self._wake)


class FakeInputDir:
    """Stands in for /dev/input: which devices are plugged in and whether we may open them."""

    def __init__(self) -> None:
        self.plugged: dict[str, tuple[DeviceInfo, FakeScanner]] = {}
        self.denied = False
        self.opened: list[FakeScanner] = []

    def plug(self, path: str = PATH, vendor: int = 0xFFFF, product: int = 0x0035) -> FakeScanner:
        device = FakeScanner()
        self.plugged[path] = (DeviceInfo(path, device.name, vendor, product), device)
        return device

    def unplug(self, path: str = PATH) -> None:
        _, device = self.plugged.pop(path)
        device.unplug()

    def list_devices(self) -> list[DeviceInfo]:
        return [DeviceInfo(p, readable=False) if self.denied else info for p, (info, _) in self.plugged.items()]

    def open_device(self, path: str) -> FakeScanner:
        if self.denied:
            raise PermissionError(errno.EACCES, "Permission denied", path)
        if path not in self.plugged:
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)
        device = self.plugged[path][1]
        self.opened.append(device)
        return device


class Recorder:
    def __init__(self) -> None:
        self.scans: queue.Queue = queue.Queue()
        self.statuses: queue.Queue = queue.Queue()
        self.all_statuses: list = []

    def on_status(self, status) -> None:
        self.all_statuses.append(status)
        self.statuses.put(status)

    def next_scan(self):
        return self.scans.get(timeout=3)

    def wait_for(self, state: ScannerState):
        deadline = time.monotonic() + 3
        while (left := deadline - time.monotonic()) > 0:
            try:
                status = self.statuses.get(timeout=left)
            except queue.Empty:
                break
            if status.state is state:
                return status
        raise AssertionError(f"no {state} status reported")


@pytest.fixture
def input_dir() -> FakeInputDir:
    return FakeInputDir()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def make_reader(input_dir, recorder):
    readers: list[ScannerReader] = []

    def make(device: str = PATH, **kwargs) -> ScannerReader:
        kwargs.setdefault("grab", True)
        reader = ScannerReader(
            device, on_scan=recorder.scans.put, on_status=recorder.on_status,
            list_devices=input_dir.list_devices, open_device=input_dir.open_device,
            select_timeout=0.05, retry_interval=0.05, **kwargs)
        readers.append(reader)
        reader.start()
        return reader

    yield make
    for reader in readers:
        assert reader.stop(timeout=2.0), "reader thread did not stop"
    for _, device in input_dir.plugged.values():
        device.close()


def test_scan_arrives_through_the_callback(input_dir, recorder, make_reader):
    scanner = input_dir.plug()
    make_reader()
    connected = recorder.wait_for(ScannerState.CONNECTED)
    assert connected.path == PATH and scanner.name in connected.message
    scanner.push(key_events("0012345678"))
    assert recorder.next_scan() == Scan("0012345678")
    scanner.push(key_events("42", terminator=e.KEY_KPENTER))
    assert recorder.next_scan() == Scan("42")


def test_decoder_settings_reach_the_decoder(input_dir, recorder, make_reader):
    scanner = input_dir.plug()
    make_reader(decoder_settings=DecoderSettings(terminators=frozenset({"tab"}), max_length=4))
    recorder.wait_for(ScannerState.CONNECTED)
    scanner.push(key_events("12345", terminator=e.KEY_TAB) + key_events("42", terminator=e.KEY_TAB))
    assert recorder.next_scan() == Rejected(RejectReason.TOO_LONG, "1234")
    assert recorder.next_scan() == Scan("42")


def test_half_scan_is_reported_when_the_scanner_goes_quiet(input_dir, recorder, make_reader):
    scanner = input_dir.plug()
    # The reader's clock runs 10 s ahead of the events, so the first idle select finds the gap exceeded.
    make_reader(clock=lambda: time.time() + 10)
    recorder.wait_for(ScannerState.CONNECTED)
    scanner.push(key_events("123")[:-5])  # no terminator
    assert recorder.next_scan() == Rejected(RejectReason.HALF_SCAN, "123")


def test_unplug_waits_and_replug_scans_again_without_restart(input_dir, recorder, make_reader):
    first = input_dir.plug()
    reader = make_reader()
    recorder.wait_for(ScannerState.CONNECTED)
    first.push(key_events("111"))
    assert recorder.next_scan() == Scan("111")

    input_dir.unplug()
    waiting = recorder.wait_for(ScannerState.WAITING)
    assert "waiting for scanner" in waiting.message
    assert first.closed and first.ungrab_calls == 1

    second = input_dir.plug()
    recorder.wait_for(ScannerState.CONNECTED)
    second.push(key_events("222"))
    assert recorder.next_scan() == Scan("222")
    assert reader.is_alive() and second.grab_calls == 1
    # An unplug is routine, not a fault: the status line never showed an error.
    assert [s.state for s in recorder.all_statuses] == [
        ScannerState.CONNECTED, ScannerState.WAITING, ScannerState.CONNECTED]


def test_device_absent_at_start_is_waited_for(input_dir, recorder, make_reader):
    make_reader("ffff:0035")
    recorder.wait_for(ScannerState.WAITING)
    time.sleep(0.3)  # several retries (every 0.05 s) pass...
    assert [s.state for s in recorder.all_statuses] == [ScannerState.WAITING]  # ...without repeating the line
    scanner = input_dir.plug(path="/dev/input/event7")
    recorder.wait_for(ScannerState.CONNECTED)
    scanner.push(key_events("7"))
    assert recorder.next_scan() == Scan("7")


def test_permission_denied_reports_the_fix(input_dir, recorder, make_reader):
    input_dir.plug()
    input_dir.denied = True
    make_reader()
    status = recorder.wait_for(ScannerState.PERMISSION_DENIED)
    assert "udev rule" in status.message and "'imlate' group" in status.message
    assert "'input' group" in status.message


def test_permission_denied_when_listing_by_name(input_dir, recorder, make_reader):
    input_dir.plug()
    input_dir.denied = True
    make_reader("barcode scanner")
    assert "udev rule" in recorder.wait_for(ScannerState.PERMISSION_DENIED).message


def test_grab_is_taken_and_released_when_asked(input_dir, recorder, make_reader):
    scanner = input_dir.plug()
    reader = make_reader(grab=True)
    recorder.wait_for(ScannerState.CONNECTED)
    assert scanner.grab_calls == 1
    assert reader.stop()
    assert scanner.ungrab_calls == 1 and scanner.closed


def test_no_grab_when_not_asked(input_dir, recorder, make_reader):
    scanner = input_dir.plug()
    reader = make_reader(grab=False)
    recorder.wait_for(ScannerState.CONNECTED)
    scanner.push(key_events("5"))
    assert recorder.next_scan() == Scan("5")
    assert reader.stop()
    assert scanner.grab_calls == 0 and scanner.ungrab_calls == 0 and scanner.closed


def test_failed_grab_is_an_error_and_the_device_is_closed(input_dir, recorder, make_reader):
    scanner = input_dir.plug()

    def busy() -> None:
        raise OSError(errno.EBUSY, "Device or resource busy")

    scanner.grab = busy
    make_reader(grab=True)
    assert "in use by another program" in recorder.wait_for(ScannerState.ERROR).message
    assert scanner.closed


def test_stop_returns_within_a_second_while_blocked_on_a_quiet_device(input_dir, recorder):
    input_dir.plug()
    # Production timings: select 0.2 s, retry 1 s.
    reader = ScannerReader(PATH, on_scan=recorder.scans.put, on_status=recorder.on_status,
                           list_devices=input_dir.list_devices, open_device=input_dir.open_device)
    reader.start()
    recorder.wait_for(ScannerState.CONNECTED)
    assert reader.stop(timeout=1.0)
    assert not reader.is_alive()


def test_stop_returns_within_a_second_while_waiting_for_the_device(input_dir, recorder):
    reader = ScannerReader(PATH, on_scan=recorder.scans.put, on_status=recorder.on_status,
                           list_devices=input_dir.list_devices, open_device=input_dir.open_device,
                           retry_interval=30)
    reader.start()
    recorder.wait_for(ScannerState.WAITING)
    assert reader.stop(timeout=1.0)
    assert not reader.is_alive()


def test_a_failing_scan_callback_does_not_end_scanning(input_dir, recorder, make_reader):
    scanner = input_dir.plug()
    seen = []

    def flaky(result) -> None:
        seen.append(result)
        if len(seen) == 1:
            raise RuntimeError("UI went away")
        recorder.scans.put(result)

    reader = ScannerReader(PATH, on_scan=flaky, on_status=recorder.on_status,
                           list_devices=input_dir.list_devices, open_device=input_dir.open_device,
                           select_timeout=0.05, retry_interval=0.05)
    reader.start()
    try:
        recorder.wait_for(ScannerState.CONNECTED)
        scanner.push(key_events("1") + key_events("2"))
        assert recorder.next_scan() == Scan("2")
        assert seen[0] == Scan("1")
    finally:
        assert reader.stop()


# --- which device, and evdev or keyboard ---------------------------------------------------------

DEVICES = [
    DeviceInfo("/dev/input/event3", "AT Translated Set 2 keyboard", 0x0001, 0x0001),
    DeviceInfo("/dev/input/event12", "BARCODE SCANNER BARCODE SCANNER", 0xFFFF, 0x0035, has_keys=False),
    DeviceInfo("/dev/input/event11", "BARCODE SCANNER BARCODE SCANNER", 0xFFFF, 0x0035),
]


@pytest.mark.parametrize(("spec", "path"), [
    ("ffff:0035", "/dev/input/event11"),  # the interface that types keys wins
    ("FFFF:0035", "/dev/input/event11"),
    ("barcode scanner", "/dev/input/event11"),
    ("*Set 2*", "/dev/input/event3"),
    ("at translated*", "/dev/input/event3"),
    ("1234:5678", None),
    ("Honeywell", None),
    (PATH, PATH),
])
def test_device_spec_resolves(spec, path):
    assert resolve(DeviceSpec.parse(spec), lambda: DEVICES).path == path


def test_choose_input_source_auto_uses_evdev_when_the_device_opens(input_dir):
    input_dir.plug()
    choice = choose_input_source("auto", PATH, list_devices=input_dir.list_devices,
                                 open_device=input_dir.open_device)
    assert choice.kind == "evdev"
    assert input_dir.opened[0].closed  # the probe does not keep (or grab) the device


def test_choose_input_source_auto_falls_back_to_keyboard(input_dir):
    choice = choose_input_source("auto", PATH, list_devices=input_dir.list_devices,
                                 open_device=input_dir.open_device)
    assert choice.kind == "keyboard"
    assert choice.reason == f"scanner {PATH} not found; using keyboard input"

    input_dir.plug()
    input_dir.denied = True
    choice = choose_input_source("auto", PATH, list_devices=input_dir.list_devices,
                                 open_device=input_dir.open_device)
    assert choice.kind == "keyboard" and "not readable" in choice.reason and "udev" in choice.reason

    assert choose_input_source("auto", None).kind == "keyboard"
    assert choose_input_source("auto", "ffff:0035", list_devices=lambda: []).kind == "keyboard"


def test_choose_input_source_explicit_choices():
    assert choose_input_source("keyboard", PATH).kind == "keyboard"
    assert choose_input_source("evdev", PATH).kind == "evdev"  # the reader waits and reports
    assert "scanner.device is not set" in choose_input_source("evdev", "").reason
    with pytest.raises(ValueError, match="auto, evdev or keyboard"):
        choose_input_source("usb", PATH)


@pytest.mark.hardware
@pytest.mark.skipif(not os.access("/dev/uinput", os.W_OK), reason="needs a writable /dev/uinput")
def test_real_evdev_device_through_uinput(recorder):
    keys = list(DIGITS.values()) + [e.KEY_ENTER]
    with evdev.UInput({e.EV_KEY: keys}, name="imlate test scanner") as virtual:
        reader = ScannerReader("imlate test scanner", grab=True, on_scan=recorder.scans.put,
                               on_status=recorder.on_status, retry_interval=0.1)
        reader.start()
        try:
            recorder.wait_for(ScannerState.CONNECTED)
            for code in [DIGITS["4"], DIGITS["2"], e.KEY_ENTER]:
                virtual.write(e.EV_KEY, code, 1)
                virtual.write(e.EV_KEY, code, 0)
                virtual.syn()
            assert recorder.next_scan() == Scan("42")
        finally:
            assert reader.stop()
