"""Threads of the kiosk's visitor form: the host's email sent at once, and closing a worker's connection."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)


def close_thread_connection() -> None:
    from imlate_tui.db.connection import database

    if database.obj is not None and not database.is_closed():
        database.close()


def send_host_email_soon(settings, notification_id: int) -> threading.Thread:
    """Try the host's email now, in a thread of its own: the kiosk never waits on the mail server."""
    from imlate_tui.services.host_email import deliver_due

    def run() -> None:
        try:
            deliver_due(settings, only=[notification_id])
        except Exception:
            log.exception("host email %s: immediate delivery failed (the notifications job retries)", notification_id)
        finally:
            close_thread_connection()

    thread = threading.Thread(target=run, name="host-email", daemon=True)
    thread.start()
    return thread
