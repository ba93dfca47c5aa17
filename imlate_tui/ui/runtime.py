"""What runs beside the kiosk: the attendance writer, the embedded scheduler, the status line's facts.

Built from the core's pieces (none of which know about Textual); the kiosk starts them on mount and
stops them on unmount through its `background` seam.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from imlate_tui.clock import Clock, utc_now
from imlate_tui.config import Settings
from imlate_tui.jobs.context import make_isams_client
from imlate_tui.jobs.headless import job_runner
from imlate_tui.jobs.scheduler import SchedulerService
from imlate_tui.services.scanning import ScanService, scan_service_for
from imlate_tui.services.writeback import WriterLoop
from imlate_tui.ui.status import KioskStatus


@dataclass
class KioskRuntime:
    scan_service: ScanService
    background: list[Callable[[], Callable[[], None] | None]] = field(default_factory=list)
    writer: WriterLoop | None = None

    def status(self) -> KioskStatus:
        """For the status line; cached values only (the writer thread keeps them fresh)."""
        if self.writer is None:
            return KioskStatus()
        isams = {"reachable": "reachable", "unreachable": "unreachable"}.get(self.writer.isams, "checking")
        return KioskStatus(isams=isams, pending_writebacks=self.writer.pending)


def kiosk_runtime(settings: Settings, clock: Clock = utc_now,
                  client_factory: Callable[[], object] | None = None) -> KioskRuntime:
    runtime = KioskRuntime(scan_service_for(settings, clock))
    if settings.erp.enabled:
        factory = client_factory or (lambda: make_isams_client(settings, "writeback", clock))
        runtime.writer = WriterLoop(settings, factory, clock)
        runtime.scan_service.after_commit.append(runtime.writer.wake)
        runtime.background.append(runtime.writer.start)
    if settings.schedule.mode == "embedded":
        def start_scheduler() -> Callable[[], None]:
            service = SchedulerService(settings, job_runner(settings), clock=clock)
            service.start()
            return service.stop
        runtime.background.append(start_scheduler)
    return runtime
