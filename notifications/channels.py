"""The channels a notification goes out on, chosen in settings (NOTIFICATION_CHANNELS): the
console inbox and e-mail ship; an SMS gateway or WeChat is one more class here or in an
office's own module, and its dotted path added to the setting.

A channel says where a user is reached on it (`address_for`: None when they are not, e.g. no
e-mail address) and sends one outbox row (`send`). Queueing (`notifications.services`) writes a
row per user and channel in the caller's transaction; the worker sends it later, retrying a
channel that raised (docs/architecture.md, the outbox)."""

import logging
from functools import cache

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.module_loading import import_string

from notifications.models import Channel

logger = logging.getLogger("estatedesk.notifications")

# Seconds an e-mail may take when EMAIL_TIMEOUT is not set (Django's default is to wait
# forever): a mail server that accepts the connection and never answers would otherwise hold
# the worker — and its claim on the message — for good. A timeout is a failed attempt, retried.
EMAIL_TIMEOUT_DEFAULT = 30.0


class NotificationChannel:
    """One way of reaching staff. `code` is what the outbox row stores (at most 20 characters),
    `label` what the console shows."""

    code: str = ""
    label = ""

    def address_for(self, user) -> str | None:
        raise NotImplementedError

    def send(self, message) -> None:
        """Deliver one OutboxMessage; raise to have the worker retry it later."""
        raise NotImplementedError


class ConsoleChannel(NotificationChannel):
    """The console inbox (notifications.inbox): it reads the row itself, so sending is logging
    it. Every user has one."""

    code = Channel.CONSOLE.value
    label = Channel.CONSOLE.label

    def address_for(self, user) -> str | None:
        return ""

    def send(self, message) -> None:
        logger.info(
            "notification %s to user %s: %s", message.pk, message.recipient_id, message.subject
        )


class EmailChannel(NotificationChannel):
    """E-mail through Django's EMAIL_BACKEND, to users with an address. Each row keeps one
    Message-ID, so a copy re-sent after a worker died is shown once by mail systems that
    de-duplicate."""

    code = Channel.EMAIL.value
    label = Channel.EMAIL.label

    def address_for(self, user) -> str | None:
        return user.email or None

    def send(self, message) -> None:
        from notifications.services import message_id

        EmailMessage(
            message.subject,
            f"{message.body}\n\n{message.link}".strip(),
            settings.DEFAULT_FROM_EMAIL,
            [message.address],
            headers={"Message-ID": message_id(message)},
            connection=get_connection(timeout=settings.EMAIL_TIMEOUT or EMAIL_TIMEOUT_DEFAULT),
        ).send()


@cache
def _load(paths: tuple[str, ...]) -> dict[str, NotificationChannel]:
    channels = {}
    for path in paths:
        channel = import_string(path)()
        if not channel.code or len(channel.code) > 20 or channel.code in channels:
            raise ValueError(f"notification channel {path}: code must be unique, 1–20 characters")
        channels[channel.code] = channel
    return channels


def enabled() -> dict[str, NotificationChannel]:
    """The channels of settings.NOTIFICATION_CHANNELS by code, in the setting's order."""
    return _load(tuple(settings.NOTIFICATION_CHANNELS))


def channel(code: str) -> NotificationChannel:
    """The enabled channel of that code; ValueError for a row whose channel was switched off
    (the worker records it as a failed attempt)."""
    try:
        return enabled()[code]
    except KeyError:
        raise ValueError(f"notification channel {code!r} is not enabled") from None


def label(code: str) -> str:
    found = enabled().get(code)
    return str(found.label) if found is not None else code
