"""Scanner input: a pure key decoder and an evdev reader thread. Never imports textual; evdev only lazily."""

from imlate_tui.scanner.decoder import (
    DecoderSettings,
    Rejected,
    RejectReason,
    Scan,
    ScanDecoder,
    ScanResult,
    classify_text,
)
from imlate_tui.scanner.device import (
    PERMISSION_FIX,
    DeviceInfo,
    DeviceSpec,
    InputSource,
    choose_input_source,
    list_input_devices,
    open_input_device,
)
from imlate_tui.scanner.reader import ScannerReader, ScannerState, ScannerStatus

__all__ = [
    "PERMISSION_FIX",
    "DecoderSettings",
    "DeviceInfo",
    "DeviceSpec",
    "InputSource",
    "RejectReason",
    "Rejected",
    "Scan",
    "ScanDecoder",
    "ScanResult",
    "ScannerReader",
    "ScannerState",
    "ScannerStatus",
    "choose_input_source",
    "classify_text",
    "list_input_devices",
    "open_input_device",
]
