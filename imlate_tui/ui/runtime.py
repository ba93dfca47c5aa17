"""What runs beside the kiosk: the attendance writer, the embedded scheduler, the status line's facts.

Built from the core's pieces (none of which know about Textual); the kiosk starts them just after its
first paint (`KioskApp.settle_in`) and stops them on unmount through its `background` seam.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from imlate_tui.clock import Clock, utc_now
from imlate_tui.services.scanning import ScanService, scan_service_for
from imlate_tui.ui.status import KioskStatus

if TYPE_CHECKING:   # loaded only when used: iSAMS off needs no HTTP client, schedule off no scheduler
    from imlate_tui.config import Settings
    from imlate_tui.services.writer_loop import WriterLoop


@dataclass
class KioskRuntime:
    scan_service: ScanService   # on PostgreSQL a JournaledScans, which has the same scan/manual/after_commit
    background: list[Callable[[], Callable[[], None] | None]] = field(default_factory=list)
    writer: "WriterLoop | None" = None
    mis: str = "iSAMS"

    def status(self) -> KioskStatus:
        """For the status line; cached values only (the writer and forwarder threads keep them fresh)."""
        waiting = getattr(self.scan_service, "waiting", None)
        scans = waiting() if waiting is not None else None
        if self.writer is None:
            return KioskStatus(waiting_scans=scans)
        isams = {"reachable": "reachable", "unreachable": "unreachable"}.get(self.writer.isams, "checking")
        return KioskStatus(isams=isams, mis=self.mis, pending_writebacks=self.writer.pending, waiting_scans=scans)


def kiosk_runtime(settings: Settings, clock: Clock = utc_now,
                  client_factory: Callable[[], object] | None = None) -> KioskRuntime:
    runtime = KioskRuntime(scan_service_for(settings, clock))
    if not settings.database.url.startswith("sqlite:"):
        from imlate_tui.services.scan_journal import journaled_scan_service

        runtime.scan_service, forwarder = journaled_scan_service(runtime.scan_service, clock)
        forwarder.cycle()   # the first copy of people and cards, while the server is known to be there
        runtime.scan_service.after_commit.append(forwarder.wake)
        runtime.background.append(forwarder.start)
    if settings.erp.enabled:
        from imlate_tui.erp.mis import mis_label
        from imlate_tui.jobs.context import make_isams_client
        from imlate_tui.services.writer_loop import WriterLoop

        factory = client_factory or (lambda: make_isams_client(settings, "writeback", clock))
        runtime.writer = WriterLoop(settings, factory, clock)
        runtime.writer.writer.before_each = runtime.scan_service.activity.wait_quiet
        runtime.mis = mis_label(settings.erp.provider)
        runtime.scan_service.after_commit.append(runtime.writer.wake)
        runtime.background.append(runtime.writer.start)
    if settings.schedule.mode == "embedded":
        def start_scheduler() -> Callable[[], None]:
            from imlate_tui.jobs.headless import job_runner
            from imlate_tui.jobs.scheduler import SchedulerService

            service = SchedulerService(settings, job_runner(settings), clock=clock)
            service.start()
            return service.stop
        runtime.background.append(start_scheduler)
    return runtime
