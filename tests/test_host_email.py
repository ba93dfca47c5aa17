"""Host emails through a real SMTP server on 127.0.0.1: delivered once; queued while the server is down and
delivered once when it is back; never twice; no secrets in the log."""

from __future__ import annotations

import email
import logging
from datetime import datetime, timezone

import pytest
from pydantic import SecretStr

from imlate_tui.db.models import Person
from imlate_tui.db.visitor_models import HostNotification
from imlate_tui.jobs.context import JobContext
from imlate_tui.jobs.runner import run_job
from imlate_tui.services.host_email import backoff, deliver_due
from imlate_tui.services.visitors import VisitorDetails, Visitors


def with_smtp(settings, port: int, **extra):
    smtp = settings.notifications.smtp.model_copy(update={
        "host": "127.0.0.1", "port": port, "from_address": "reception@hillside.example", "starttls": False,
        "timeout_seconds": 5, **extra})
    return settings.model_copy(update={"notifications": settings.notifications.model_copy(update={"smtp": smtp})})


def sign_in(settings, clock, name="Jane Marlowe"):
    now = datetime(2026, 11, 1, tzinfo=timezone.utc)
    host = Person.get_or_none(Person.surname == "Okafor") or Person.create(
        kind="staff", forename="Helen", surname="Okafor", email="h.okafor@hillside.example",
        created_at=now, updated_at=now)
    return Visitors(settings, clock).sign_in(VisitorDetails(name, "Acme Lifts", host.id, "contractor",
                                                            notice_accepted=True), actor="k")


def test_the_host_gets_one_email_and_a_second_delivery_sends_nothing(db, clock, smtp_server):
    settings = with_smtp(db, smtp_server.port)
    result = sign_in(settings, clock)
    assert deliver_due(settings, clock, only=[result.notification_id])["sent"] == 1
    assert deliver_due(settings, clock)["sent"] == 0
    clock.advance(hours=1)
    assert deliver_due(settings, clock)["sent"] == 0
    [raw] = smtp_server.messages
    msg = email.message_from_bytes(raw)
    assert msg["To"] == "h.okafor@hillside.example" and msg["From"] == "reception@hillside.example"
    assert msg["Subject"] == "Your visitor has arrived: Jane Marlowe (Acme Lifts)"
    assert "08:00" in msg.get_payload() and result.badge in msg.get_payload()
    row = HostNotification.get_by_id(result.notification_id)
    assert (row.status, row.attempts, row.sent_at) == ("sent", 1, clock.now.replace(hour=8))


def test_with_the_server_down_the_email_waits_and_goes_once_when_it_is_back(db, clock, smtp_server, caplog):
    settings = with_smtp(db, smtp_server.port)
    smtp_server.stop()
    result = sign_in(settings, clock)
    with caplog.at_level(logging.DEBUG):
        counts = deliver_due(settings, clock)
    assert counts["retrying"] == 1 and counts["sent"] == 0
    row = HostNotification.get_by_id(result.notification_id)
    assert (row.status, row.attempts) == ("pending", 1) and "Connection" in row.last_error
    assert row.next_attempt_at == clock.now + backoff(1)
    # Not due yet: nothing is tried even though the server is back.
    smtp_server.start()
    assert deliver_due(with_smtp(db, smtp_server.port), clock) == {"sent": 0, "retrying": 0, "failed": 0,
                                                                    "not_configured": 0}
    clock.advance(seconds=31)
    ctx = JobContext(settings, clock=clock)
    assert run_job("notifications", ctx, trigger="manual").counts["sent"] == 1
    assert run_job("notifications", ctx, trigger="manual").counts["sent"] == 0
    assert len(smtp_server.messages) == 1
    assert HostNotification.get_by_id(result.notification_id).status == "sent"


def test_a_login_is_used_and_the_password_never_reaches_the_log(db, clock, smtp_server, caplog):
    smtp_server.password = "hunter2-secret"
    smtp_server.stop()
    smtp_server.start()
    wrong = with_smtp(db, smtp_server.port, username="reception", password=SecretStr("not-the-password"))
    result = sign_in(wrong, clock)
    with caplog.at_level(logging.DEBUG):
        assert deliver_due(wrong, clock)["retrying"] == 1
    row = HostNotification.get_by_id(result.notification_id)
    assert "SMTPAuthenticationError" in row.last_error and "not-the-password" not in row.last_error
    clock.advance(seconds=31)
    right = with_smtp(db, smtp_server.port, username="reception", password=SecretStr("hunter2-secret"))
    with caplog.at_level(logging.DEBUG):
        assert deliver_due(right, clock)["sent"] == 1
    assert len(smtp_server.messages) == 1
    assert "not-the-password" not in caplog.text and "hunter2-secret" not in caplog.text


def test_an_email_that_keeps_failing_is_given_up_and_says_why(db, clock, smtp_server):
    settings = with_smtp(db, smtp_server.port)
    settings = settings.model_copy(update={"notifications": settings.notifications.model_copy(
        update={"max_attempts": 2})})
    smtp_server.stop()
    result = sign_in(settings, clock)
    deliver_due(settings, clock)
    clock.advance(minutes=5)
    assert deliver_due(settings, clock)["failed"] == 1
    row = HostNotification.get_by_id(result.notification_id)
    assert (row.status, row.attempts) == ("failed", 2)


def test_without_an_smtp_server_set_up_emails_wait_in_the_outbox(db, clock):
    result = sign_in(db, clock)
    assert deliver_due(db, clock)["not_configured"] == 1
    assert HostNotification.get_by_id(result.notification_id).status == "pending"


@pytest.mark.parametrize("attempts, seconds", [(1, 30), (2, 60), (3, 120), (10, 1800)])
def test_backoff_doubles_up_to_half_an_hour(attempts, seconds):
    assert backoff(attempts).total_seconds() == seconds
