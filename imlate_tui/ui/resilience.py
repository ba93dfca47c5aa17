"""No exception in a handler ends the kiosk: it is logged, the screen recovers, scanning goes on.

Textual's own rule is the opposite (any unhandled exception exits the app, and the message loop of the
widget that raised stops for good). Two pieces change that for the kiosk:
- `KeepsRunning` wraps message dispatch of the app and of the kiosk's own screens and widgets, so an
  exception in one handler is logged and that widget keeps receiving messages;
- the app overrides `_handle_exception` (timers, workers, compose/mount and rendering go there) to log
  and recover instead of exiting.
Both hook private Textual methods (`_dispatch_message`, `_handle_exception`); Textual is pinned < 9
and tests/test_kiosk_resilience.py fails loudly if either stops being called.
"""

from __future__ import annotations

import asyncio
import logging

from textual.message import Message
from textual.message_pump import MessagePump

log = logging.getLogger(__name__)


class HandlerFailed(Message):
    """Posted to the app after a handler raised (already logged): the app puts the screen right."""

    def __init__(self, where: str) -> None:
        super().__init__()
        self.where = where


class KeepsRunning(MessagePump):
    async def _dispatch_message(self, message: Message) -> None:
        try:
            await super()._dispatch_message(message)
        except asyncio.CancelledError:
            raise
        except Exception:
            where = f"{type(self).__name__}.{getattr(message, 'handler_name', type(message).__name__)}"
            log.exception("kiosk handler %s failed; the kiosk carries on", where)
            try:
                self.app.post_message(HandlerFailed(where))
            except Exception:  # no app any more (shutting down): nothing to recover
                pass
