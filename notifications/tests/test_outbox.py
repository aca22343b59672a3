"""Delivering the outbox (issue #3): each message is claimed, sent and recorded in its own
transaction, so a worker that dies while sending has recorded everything it sent before and
holds nothing after; a failing channel is retried later and given up after MAX_ATTEMPTS; an
e-mail's Message-ID is the same every time its row is sent. The same with real worker
processes on PostgreSQL: service_requests/tests/test_worker_processes.py."""

import datetime
import socket
import time

import pytest
from django.core import mail
from django.utils import timezone

from core.testing import make_office, make_staff
from notifications import channels, services
from notifications.models import Channel, OutboxMessage
from notifications.services import MAX_ATTEMPTS, message_id, notify_users, outbox_deliver_due

NOW = timezone.make_aware(datetime.datetime(2026, 11, 23, 10, 0))


@pytest.fixture
def supervisor(db):
    staff = make_staff("cs_supervisor", offices=[make_office()])
    staff.email = "li@example.com"
    staff.save(update_fields=["email"])
    return staff


def queue(user, count: int) -> list[OutboxMessage]:
    for n in range(count):
        notify_users(
            office=None,
            users=[user],
            subject=f"通知{n}",
            body="内容",
            link="/requests/",
            dedupe_key=f"test:{n}",
            now=NOW,
        )
    return list(OutboxMessage.objects.order_by("available_at", "id"))


def test_each_message_is_sent_once_with_its_message_id(supervisor):
    messages = queue(supervisor, 3)
    assert outbox_deliver_due(now=NOW, batch_size=2) == 6  # console + e-mail, over 3 pages
    assert outbox_deliver_due(now=NOW) == 0
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
    emails = [m for m in messages if m.channel == Channel.EMAIL]
    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == [message_id(m) for m in emails]
    assert mail.outbox[0].to == ["li@example.com"] and mail.outbox[0].subject == "通知0"


def test_a_worker_dying_while_sending_keeps_what_it_sent(supervisor, monkeypatch):
    """The worker dies (an exception no channel failure is: the process is going away) on the
    fourth message: the three before it stay sent; that one and the rest are due again and
    sent once by the next run."""
    messages = queue(supervisor, 3)
    real_deliver = services._deliver
    delivered = []

    def dies_on_the_fourth(message):
        if len(delivered) == 3:
            raise SystemExit("killed")
        real_deliver(message)
        delivered.append(message.pk)

    monkeypatch.setattr(services, "_deliver", dies_on_the_fourth)
    with pytest.raises(SystemExit):
        outbox_deliver_due(now=NOW)
    sent = set(OutboxMessage.objects.filter(sent_at__isnull=False).values_list("pk", flat=True))
    assert sent == {m.pk for m in messages[:3]} == set(delivered)

    monkeypatch.setattr(services, "_deliver", real_deliver)
    assert outbox_deliver_due(now=NOW) == 3
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 0
    assert len(mail.outbox) == 3  # each e-mail once
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}


def test_a_failing_channel_is_retried_later_then_given_up(supervisor, monkeypatch):
    supervisor.email = ""
    supervisor.save(update_fields=["email"])
    (message,) = queue(supervisor, 1)

    def refuses(message):
        raise ConnectionError("服务器拒绝")

    monkeypatch.setattr(services, "_deliver", refuses)
    now = NOW
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert outbox_deliver_due(now=now) == 0
        message.refresh_from_db()
        assert message.attempts == attempt and "服务器拒绝" in message.last_error
        assert outbox_deliver_due(now=now) == 0  # not again in the same run's time
        now = message.available_at
    assert message.failed_at is not None and message.sent_at is None
    monkeypatch.setattr(services, "_deliver", lambda message: None)
    assert outbox_deliver_due(now=now + datetime.timedelta(days=1)) == 0  # given up


def test_a_mail_server_that_never_answers_is_a_failed_attempt(supervisor, settings, monkeypatch):
    """A server that accepts the connection and then says nothing must not hold the worker
    (and its claim on the message) for good: EMAIL_TIMEOUT, or 30 seconds when it is not
    set, makes it a failed attempt, retried later."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = server.getsockname()
        settings.EMAIL_TIMEOUT = None
        monkeypatch.setattr(channels, "EMAIL_TIMEOUT_DEFAULT", 0.2)
        queue(supervisor, 1)
        started = time.monotonic()
        assert outbox_deliver_due(now=NOW) == 1  # the console message
        assert time.monotonic() - started < 10
    email = OutboxMessage.objects.get(channel=Channel.EMAIL)
    assert email.sent_at is None and email.attempts == 1
    assert "timed out" in email.last_error and email.available_at > NOW


def test_a_role_notice_reaches_company_wide_holders_of_the_office(db):
    """notify_role, which the reception desk and violations use, reaches whoever answers for
    the office in that role — its own staff and the holders of a company-wide role (总经理) of
    the company that runs it — like the deadline sweep; not another company's."""
    from core.testing import make_company
    from notifications.services import notify_role

    office = make_office()
    general_manager = make_staff("general_manager", company=office.company)
    stranger = make_staff("general_manager", company=make_company("翠湖物业公司"))
    queued = notify_role(
        office=office,
        role_code="general_manager",
        subject="重大违章",
        body="6栋602 拆承重墙",
        link="/violations/1/",
        dedupe_key="test:role",
        now=NOW,
    )
    assert queued >= 1
    recipients = set(OutboxMessage.objects.values_list("recipient_id", flat=True))
    assert recipients == {general_manager.pk}
    assert stranger.pk not in recipients
