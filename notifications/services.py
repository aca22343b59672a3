"""Queueing notifications (inside the caller's transaction) and delivering them (worker)."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications.models import Channel, OutboxMessage

logger = logging.getLogger("estatedesk.notifications")

MAX_ATTEMPTS = 5


def _channels(user) -> list[tuple[str, str]]:
    """(channel, address) a user is reached on: the console always, e-mail if they have one."""
    channels = [(Channel.CONSOLE, "")]
    if user.email:
        channels.append((Channel.EMAIL, user.email))
    return channels


def notify_users(
    *, office, users, subject: str, body: str, link: str, dedupe_key: str, now: datetime
) -> int:
    """Queue a console message (and an e-mail where the user has an address) to each user.

    Returns how many were queued; a repeated dedupe_key queues nothing (idempotent)."""
    queued = 0
    for user in users:
        for channel, address in _channels(user):
            key = f"{dedupe_key}:{user.pk}:{channel}"
            try:
                with transaction.atomic():  # a savepoint: a duplicate does not spoil the caller
                    OutboxMessage.objects.create(
                        office=office,
                        channel=channel,
                        recipient=user,
                        address=address,
                        subject=subject,
                        body=body,
                        link=link,
                        dedupe_key=key,
                        created_at=now,
                        available_at=now,
                    )
                queued += 1
            except IntegrityError:
                continue
    return queued


def notify_role(
    *, office, role_code: str, subject: str, body: str, link: str, dedupe_key: str, now: datetime
) -> int:
    """Notify every active staff member of `office` holding the role."""
    from organization.models import Staff

    staff = Staff.objects.filter(
        roles__code=role_code, offices=office, user__is_active=True
    ).select_related("user")
    return notify_users(
        office=office,
        users=[s.user for s in staff],
        subject=subject,
        body=body,
        link=link,
        dedupe_key=dedupe_key,
        now=now,
    )


@dataclass(frozen=True)
class Notice:
    """One notification to one user, for notify_many (the console, and e-mail if they have
    an address); `dedupe_key` gets the user and the channel appended like notify_users'."""

    office_id: int | None
    user: object
    subject: str
    body: str
    link: str
    dedupe_key: str


def notify_many(*, notices: list[Notice], now: datetime) -> int:
    """Queue many notifications with one INSERT (the deadline sweep's digests). A dedupe key
    already queued is skipped (ON CONFLICT DO NOTHING), so a retried caller queues nothing
    twice. Returns how many rows were offered."""
    messages = [
        OutboxMessage(
            office_id=notice.office_id,
            channel=channel,
            recipient=notice.user,
            address=address,
            subject=notice.subject,
            body=notice.body,
            link=notice.link,
            dedupe_key=f"{notice.dedupe_key}:{notice.user.pk}:{channel}",
            created_at=now,
            available_at=now,
        )
        for notice in notices
        for channel, address in _channels(notice.user)
    ]
    OutboxMessage.objects.bulk_create(messages, ignore_conflicts=True)
    return len(messages)


def _deliver(message: OutboxMessage) -> None:
    if message.channel == Channel.CONSOLE:
        # The console inbox reads the row itself; delivering is logging it.
        logger.info("notify %s: %s", message.recipient_id, message.subject)
    elif message.channel == Channel.EMAIL:
        send_mail(
            message.subject,
            f"{message.body}\n\n{message.link}".strip(),
            settings.DEFAULT_FROM_EMAIL,
            [message.address],
        )
    else:
        raise ValueError(f"unknown channel {message.channel}")


def outbox_deliver_due(*, now: datetime, batch_size: int = 200) -> int:
    """Send what is due. Each message is claimed in its own short transaction with
    SKIP LOCKED (PostgreSQL), so several workers share the queue without sending twice."""
    sent = 0
    while True:
        with transaction.atomic():
            qs = OutboxMessage.objects.filter(
                sent_at__isnull=True, failed_at__isnull=True, available_at__lte=now
            ).order_by("available_at", "id")
            batch = list(qs.select_for_update(skip_locked=True)[:batch_size])
            if not batch:
                return sent
            for message in batch:
                try:
                    _deliver(message)
                except Exception as exc:  # a channel failure must not stop the others
                    message.attempts += 1
                    message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                    if message.attempts >= MAX_ATTEMPTS:
                        message.failed_at = now
                    else:
                        message.available_at = now + timedelta(minutes=2**message.attempts)
                    message.save(
                        update_fields=["attempts", "last_error", "failed_at", "available_at"]
                    )
                    logger.warning("notification %s failed: %s", message.pk, message.last_error)
                else:
                    message.attempts += 1
                    message.sent_at = timezone.now() if now is None else now
                    message.save(update_fields=["attempts", "sent_at"])
                    sent += 1
            if len(batch) < batch_size:
                return sent
