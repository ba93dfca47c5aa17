"""Host notifications: "your visitor has arrived", through a durable outbox.

`queue()` runs inside the visitor's sign-in transaction, so a sign-in and its email are stored together
or not at all. `deliver_due()` sends what is due: the kiosk calls it in a background thread right after
a sign-in, `imlate visitors sign-in` before it exits, and the `notifications` job every minute.

Never twice: a sender first *claims* a row (a short lease, in a write transaction), so two processes
never send the same row at once; a row is marked `sent` as soon as the SMTP server accepted it, and
sent rows are never picked again. Every attempt carries the same Message-ID. A failed attempt is
retried with back-off (30 s, 1, 2, 4 … minutes, at most 30) until `notifications.max_attempts`, then
`failed`. A host without an email address gives a `skipped` row, so the admin view shows why.

No secrets in logs: errors are logged as the exception's class and message only (smtplib never puts
the password in them), and the settings are never logged.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import TYPE_CHECKING

from imlate_tui.clock import Clock, utc_now
from imlate_tui.db.connection import write_transaction
from imlate_tui.db.models import Person
from imlate_tui.db.visitor_models import HostNotification, Visit

if TYPE_CHECKING:
    from imlate_tui.config import Settings

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 1800))


def queue(visit: Visit, visitor: Person, host: Person | None, settings: Settings, now: datetime) -> HostNotification:
    """Store the host's email for `visit` (call inside the sign-in's transaction)."""
    local = now.astimezone(settings.tz)
    who = visitor.display_name + (f" ({visit.organisation})" if visit.organisation else "")
    subject = f"Your visitor has arrived: {who}"
    body = (f"{who} signed in at {settings.kiosk.terminal_name} at {local:%H:%M} on {local:%A %d %B %Y}"
            f" to see you.\nVisit type: {visit.visit_type}\nBadge: {visit.badge_code}\n"
            + (f"Car registration: {visit.car_registration}\n" if visit.car_registration else "")
            + f"\nPlease meet them at reception.\n-- {settings.kiosk.school_name}\n")
    address = (host.email or "").strip() if host is not None else ""
    domain = (settings.notifications.smtp.from_address or "imlate.invalid").rpartition("@")[2] or "imlate.invalid"
    return HostNotification.create(
        visit=visit, to_address=address, subject=subject, body=body,
        message_id=make_msgid(f"visit{visit.id}", domain=domain),
        status="pending" if address else "skipped",
        last_error=None if address else ("no host chosen" if host is None else f"{host.display_name} has no email address"),
        next_attempt_at=now, created_at=now)


def count_due(now: datetime) -> int:
    return HostNotification.select().where((HostNotification.status == "pending")
                                           & (HostNotification.next_attempt_at <= now)).count()


def _claim(now: datetime, limit: int, only: list[int] | None) -> list[HostNotification]:
    with write_transaction():
        query = (HostNotification.select()
                 .where((HostNotification.status == "pending") & (HostNotification.next_attempt_at <= now)
                        & (HostNotification.claimed_until.is_null() | (HostNotification.claimed_until < now))))
        if only is not None:
            query = query.where(HostNotification.id.in_(only))
        rows = list(query.order_by(HostNotification.next_attempt_at, HostNotification.id).limit(limit))
        if rows:
            HostNotification.update(claimed_until=now + LEASE).where(
                HostNotification.id.in_([r.id for r in rows])).execute()
    return rows


def _message(row: HostNotification, settings: Settings, now: datetime) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.notifications.smtp.from_address or "imlate@localhost"
    msg["To"] = row.to_address
    msg["Subject"] = row.subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = row.message_id
    msg.set_content(row.body)
    return msg


def send(messages: list[EmailMessage], settings: Settings) -> list[Exception | None]:
    """Send over one SMTP connection; one result per message (None: accepted). Connection trouble fails all."""
    smtp = settings.notifications.smtp
    try:
        with smtplib.SMTP(smtp.host or "", smtp.port, timeout=smtp.timeout_seconds) as server:
            if smtp.starttls:
                server.starttls(context=ssl.create_default_context())
            if smtp.username:
                server.login(smtp.username, smtp.password.get_secret_value() if smtp.password else "")
            results: list[Exception | None] = []
            for msg in messages:
                try:
                    server.send_message(msg)
                    results.append(None)
                except smtplib.SMTPException as exc:
                    results.append(exc)
            return results
    except (smtplib.SMTPException, OSError, socket.timeout) as exc:
        return [exc] * len(messages)


def _describe(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__


def deliver_due(settings: Settings, clock: Clock = utc_now, *, limit: int = 50,
                only: list[int] | None = None) -> dict[str, int]:
    """Send the due host emails (or just `only` those ids). Counts: sent, retrying, failed, not_configured."""
    counts = {"sent": 0, "retrying": 0, "failed": 0, "not_configured": 0}
    if not settings.notifications.smtp.host:
        counts["not_configured"] = HostNotification.select().where(HostNotification.status == "pending").count()
        return counts
    now = clock()
    rows = _claim(now, limit, only)
    if not rows:
        return counts
    results = send([_message(r, settings, now) for r in rows], settings)
    done = clock()
    max_attempts = settings.notifications.max_attempts
    with write_transaction():
        for row, error in zip(rows, results):
            attempts = row.attempts + 1
            if error is None:
                HostNotification.update(status="sent", sent_at=done, attempts=attempts, claimed_until=None,
                                        last_error=None).where(HostNotification.id == row.id).execute()
                counts["sent"] += 1
                log.info("host email %s sent to %s", row.id, row.to_address)
                continue
            reason = _describe(error)
            give_up = attempts >= max_attempts
            HostNotification.update(status="failed" if give_up else "pending", attempts=attempts, claimed_until=None,
                                    last_error=reason, next_attempt_at=done + backoff(attempts)).where(
                HostNotification.id == row.id).execute()
            counts["failed" if give_up else "retrying"] += 1
            log.warning("host email %s not sent (attempt %s%s): %s", row.id, attempts,
                        ", giving up" if give_up else "", reason)
    return counts


def retry_now(notification_id: int, now: datetime) -> None:
    """An operator asks for another try of a failed or waiting email (the admin view)."""
    with write_transaction():
        HostNotification.update(status="pending", next_attempt_at=now, claimed_until=None).where(
            (HostNotification.id == notification_id) & (HostNotification.status.in_(["pending", "failed"]))).execute()
