"""Which scanner input the kiosk uses, and the factory that builds the evdev reader for it.

A factory rather than a reader, because the reader's callbacks belong to the app that is being built.
Tests pass their own factory (a fake scanner thread).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Callable, Protocol

from imlate_tui.scanner import DecoderSettings, ScannerReader, ScannerStatus, choose_input_source
from imlate_tui.scanner import ScanResult as ScannerInput

if TYPE_CHECKING:
    from imlate_tui.config import Settings

log = logging.getLogger(__name__)


class ScannerHandle(Protocol):
    def start(self) -> None: ...
    def stop(self, timeout: float = 1.0) -> bool: ...


OnScan = Callable[[ScannerInput], None]
OnStatus = Callable[[ScannerStatus], None]
ScannerFactory = Callable[[OnScan, OnStatus], ScannerHandle]


def default_scanner_factory(settings: Settings) -> ScannerFactory | None:
    """The evdev reader when `scanner.source`/`scanner.device` say so; None means keys typed into the kiosk."""
    choice = choose_input_source(settings.scanner.source, settings.scanner.device)
    log.info("scanner input: %s", choice.reason)
    if choice.kind != "evdev" or not settings.scanner.device:
        return None
    device, grab = settings.scanner.device, settings.scanner.grab
    decoder = DecoderSettings.from_config(settings.scanner)

    def build(on_scan: OnScan, on_status: OnStatus) -> ScannerHandle:
        return ScannerReader(device, on_scan=on_scan, on_status=on_status, grab=grab, decoder_settings=decoder)

    return build
