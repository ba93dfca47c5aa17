"""The kiosk's database writes as jobs on the write queue; each posts its outcome back to the app.

Errors a person can act on (`InvalidInput`, e.g. a refused manual move) come back as one sentence;
anything else is logged with its traceback and shown as "could not record", never as a crash.
"""

from __future__ import annotations

import logging
from typing import Callable

from textual.message import Message

from imlate_tui.domain.scanning import Direction
from imlate_tui.errors import InvalidInput
from imlate_tui.services.reception import Reception
from imlate_tui.services.scanning import ScanService
from imlate_tui.ui.messages import ReceptionDone, ScanProcessed
from imlate_tui.ui.write_queue import WriteQueue

log = logging.getLogger(__name__)

FAILED = "The scan could not be recorded. Please try again or see reception."


class WriteJobs:
    """`post` is the app's thread-safe `post_message`: the only way results go back to the UI."""

    def __init__(self, post: Callable[[Message], object], scan_service: ScanService, reception: Reception,
                 actor: str) -> None:
        self.post = post
        self.scan_service = scan_service
        self.reception = reception
        self.actor = actor
        self.queue = WriteQueue()

    def start(self) -> None:
        self.queue.start()

    def stop(self) -> bool:
        return self.queue.stop()

    def scan(self, code: str, source: str, arrived: float) -> None:
        def job() -> None:
            try:
                result = self.scan_service.scan(code, source=source)
            except InvalidInput as exc:
                self.post(ScanProcessed(None, _sentence(str(exc)), arrived))
            except Exception:
                log.exception("recording scan %r failed", code)
                self.post(ScanProcessed(None, FAILED, arrived))
            else:
                self.post(ScanProcessed(result, None, arrived))

        self.queue.submit(job)

    def manual(self, person_id: int, direction: Direction, note: str | None) -> None:
        def do() -> None:
            result = self.scan_service.manual(person_id, direction, actor=self.actor, note=note,
                                                  client=self.actor)
            self.post(ScanProcessed(result, None, 0.0, manual=True))

        self._reception(do, "Could not record the sign-in/out; see the log")

    def assign_card(self, person_id: int, code: str) -> None:
        def do() -> None:
            person = self.reception.assign_card(person_id, code, actor=self.actor, client=self.actor)
            self.post(ReceptionDone(f"Card {code} now belongs to {person.name}", ok=True))

        self._reception(do, "Could not assign the card; see the log")

    def set_reason(self, track_id: int, reason: str) -> None:
        def do() -> None:
            self.reception.set_reason(track_id, reason, actor=self.actor, client=self.actor)
            self.post(ReceptionDone(f"Reason noted: {reason}", ok=True))

        self._reception(do, "Could not store the reason; see the log")

    def _reception(self, do: Callable[[], None], failure: str) -> None:
        """Queue a receptionist action; a refusal or failure comes back as one sentence."""
        def job() -> None:
            try:
                do()
            except InvalidInput as exc:
                self.post(ReceptionDone(_sentence(str(exc)), ok=False))
            except Exception:
                log.exception("kiosk action failed: %s", failure)
                self.post(ReceptionDone(failure, ok=False))

        self.queue.submit(job)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text
