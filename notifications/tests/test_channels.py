"""Pluggable notification channels (issue #3: console/log and e-mail now, SMS and WeChat later;
notifications/channels.py): the channels are a setting; a new one reaches the users it has an
address for and is sent by the worker like the others."""

import datetime

import pytest
from django.utils import timezone

from core.testing import make_office, make_staff
from notifications import channels
from notifications.models import OutboxMessage
from notifications.services import notify_users, outbox_deliver_due

NOW = timezone.make_aware(datetime.datetime(2026, 11, 23, 10, 0))
SENT: list[tuple[str, str]] = []


class TextMessageChannel(channels.NotificationChannel):
    """A stand-in SMS gateway: reaches staff whose username is a phone number."""

    code = "sms"
    label = "短信"

    def address_for(self, user):
        return user.username if user.username.isdigit() else None

    def send(self, message):
        SENT.append((message.address, message.subject))


PATH = f"{__name__}.TextMessageChannel"
BUILT_IN = ["notifications.channels.ConsoleChannel", "notifications.channels.EmailChannel"]


def _notify(users, key="k"):
    notify_users(
        office=None,
        users=users,
        subject="求助已逾期",
        body="QZ20261123-000001 首次答复已逾期",
        link="/requests/1/",
        dedupe_key=key,
        now=NOW,
    )


@pytest.fixture
def staff(db):
    office = make_office()
    texted = make_staff("cs_supervisor", offices=[office], username="13812345678")
    mailed = make_staff("office_manager", offices=[office])
    mailed.email = "wang@example.com"
    mailed.save(update_fields=["email"])
    SENT.clear()
    return texted, mailed


def test_a_channel_added_in_settings_reaches_whom_it_has_an_address_for(settings, staff):
    texted, mailed = staff
    settings.NOTIFICATION_CHANNELS = [*BUILT_IN, PATH]
    _notify([texted, mailed])
    rows = set(OutboxMessage.objects.values_list("recipient_id", "channel", "address"))
    assert rows == {
        (texted.pk, "console", ""),
        (texted.pk, "sms", "13812345678"),
        (mailed.pk, "console", ""),
        (mailed.pk, "email", "wang@example.com"),
    }
    assert outbox_deliver_due(now=NOW) == 4
    assert SENT == [("13812345678", "求助已逾期")]
    assert channels.label("sms") == "短信" and str(channels.label("email")) == "电子邮件"


def test_only_the_enabled_channels_are_queued(settings, staff):
    texted, mailed = staff
    settings.NOTIFICATION_CHANNELS = ["notifications.channels.ConsoleChannel"]
    _notify([texted, mailed])
    assert set(OutboxMessage.objects.values_list("channel", flat=True)) == {"console"}


def test_a_channel_switched_off_after_queueing_is_a_failed_attempt_not_a_lost_message(
    settings, staff
):
    """Rows already queued for a channel that is no longer enabled stay in the outbox with the
    reason, retried later (the office may switch it on again), and do not stop the others."""
    texted, _mailed = staff
    settings.NOTIFICATION_CHANNELS = [*BUILT_IN, PATH]
    _notify([texted])
    settings.NOTIFICATION_CHANNELS = BUILT_IN
    assert outbox_deliver_due(now=NOW) == 1  # the console message
    sms = OutboxMessage.objects.get(channel="sms")
    assert sms.sent_at is None and sms.attempts == 1 and "not enabled" in sms.last_error
    assert SENT == []


def test_two_channels_with_one_code_are_refused(settings):
    settings.NOTIFICATION_CHANNELS = [*BUILT_IN, "notifications.channels.EmailChannel"]
    with pytest.raises(ValueError, match="code must be unique"):
        channels.enabled()


class WatchingChannel(channels.NotificationChannel):
    """Notes whether a transaction was open while it sent."""

    code = "watch"
    label = "观察"
    seen: list[bool] = []

    def address_for(self, user):
        return "watch"

    def send(self, message):
        from django.db import connection

        type(self).seen.append(connection.in_atomic_block)


@pytest.mark.django_db(transaction=True)
def test_on_sqlite_nothing_is_locked_while_a_message_is_sent(settings):
    """SQLite locks the whole database for a writing transaction: a slow mail server must not
    hold the console's writes, so the message is sent outside any transaction (and the outcome
    written after). On PostgreSQL the claim is the row lock of the sending transaction."""
    from django.db import connection

    settings.NOTIFICATION_CHANNELS = [f"{__name__}.WatchingChannel"]
    WatchingChannel.seen.clear()
    _notify([make_staff("cs_supervisor", offices=[make_office()])])
    assert outbox_deliver_due(now=NOW) == 1
    assert WatchingChannel.seen == [connection.vendor != "sqlite"]
    message = OutboxMessage.objects.get()
    assert message.sent_at == NOW and message.attempts == 1
    assert outbox_deliver_due(now=NOW) == 0  # sent once
