"""Queueing notifications (inside the caller's transaction) and delivering them (worker)."""

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.mail.utils import DNS_NAME
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Q

from notifications import channels
from notifications.models import OutboxMessage

logger = logging.getLogger("estatedesk.notifications")

MAX_ATTEMPTS = 5


def _channels(user) -> list[tuple[str, str]]:
    """(channel, address) a user is reached on, of the enabled channels (settings.
    NOTIFICATION_CHANNELS): the console always, e-mail if they have an address, …"""
    found = []
    for code, channel in channels.enabled().items():
        address = channel.address_for(user)
        if address is not None:
            found.append((code, address))
    return found


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
    """Notify every active holder of the role who answers for `office`: its staff, and the
    holders of a company-wide role of the company that runs it (organization.selectors.
    role_holders, as the deadline sweep and the help desk's notices)."""
    from organization.selectors import role_holder_users

    return notify_users(
        office=office,
        users=role_holder_users(office_id=office.pk, role_codes=[role_code]),
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


def message_id(message: OutboxMessage) -> str:
    """The e-mail's Message-ID, the same every time the row is sent: should a worker die
    between sending and recording it, the copy the next worker sends has the same id, and mail
    systems that de-duplicate by Message-ID show it once."""
    digest = hashlib.sha256(message.dedupe_key.encode()).hexdigest()[:16]
    return f"<estatedesk.outbox.{message.pk}.{digest}@{DNS_NAME}>"


def _deliver(message: OutboxMessage) -> None:
    channels.channel(message.channel).send(message)


def outbox_deliver_due(*, now: datetime, batch_size: int = 200) -> int:
    """Send what is due at `now`, oldest first; returns how many were sent.

    Each message is claimed, sent and marked sent in its own short transaction: the claim is
    a row lock taken with SKIP LOCKED (PostgreSQL), so several workers share the queue and
    pass over what another one is sending. The claim cannot outlive its worker: when a worker
    dies, the server rolls its transaction back as the connection drops, and the message is
    due again at once for the next worker. What a worker has sent is committed before it takes
    the next message, so a worker killed while sending costs at most the one message in
    flight — sent again if it had gone out (an e-mail with the same Message-ID).

    The due messages are read `batch_size` ids at a time, without locks, in (available_at,
    id) order; each run passes over the queue once, so a message another worker holds for
    long (a slow mail server) is left to it, not waited for."""
    sent = 0
    after = None  # the last (available_at, id) read
    while True:
        page = _due(now)
        if after is not None:
            page = page.filter(
                Q(available_at__gt=after[0]) | Q(available_at=after[0], pk__gt=after[1])
            )
        candidates = list(page.values_list("available_at", "pk")[:batch_size])
        for _available_at, pk in candidates:
            sent += _deliver_one(pk, now)
        if len(candidates) < batch_size:
            return sent
        after = candidates[-1]


def _due(now: datetime):
    return OutboxMessage.objects.filter(
        sent_at__isnull=True, failed_at__isnull=True, available_at__lte=now
    ).order_by("available_at", "id")


def _deliver_one(pk: int, now: datetime) -> int:
    """Claim, send and record one message in one transaction; 1 if it was sent, 0 if it was
    no longer due (sent or claimed by another worker) or its channel failed."""
    connection = connections[router.db_for_write(OutboxMessage)]
    if not connection.features.has_select_for_update_skip_locked:
        return _deliver_one_unlocked(pk, now)
    with transaction.atomic():
        message = _due(now).filter(pk=pk).select_for_update(skip_locked=True).first()
        if message is None:
            return 0
        sent, fields = _attempt(message, now)
        message.save(update_fields=fields)
        return sent


def _deliver_one_unlocked(pk: int, now: datetime) -> int:
    """SQLite (the embedded default, one worker): it has no row locks, and a transaction that
    writes locks the whole database — holding one while a slow mail server answers would make
    the console's writes fail after busy_timeout ("database is locked"). So the message is read
    and sent outside any transaction and only the outcome is written, if the row is still
    unsent. A worker that dies between sending and writing sends it again (as on PostgreSQL,
    the one message in flight)."""
    message = _due(now).filter(pk=pk).first()
    if message is None:
        return 0
    sent, fields = _attempt(message, now)
    OutboxMessage.objects.filter(pk=pk, sent_at__isnull=True, failed_at__isnull=True).update(
        **{field: getattr(message, field) for field in fields}
    )
    return sent


def _attempt(message: OutboxMessage, now: datetime) -> tuple[int, list[str]]:
    """Send the message once; returns (1 if sent else 0, the fields the outcome changed)."""
    message.attempts += 1
    try:
        _deliver(message)
    except Exception as exc:  # a channel failure must not stop the others
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if message.attempts >= MAX_ATTEMPTS:
            message.failed_at = now
        else:
            message.available_at = now + timedelta(minutes=2**message.attempts)
        logger.warning("notification %s failed: %s", message.pk, message.last_error)
        return 0, ["attempts", "last_error", "failed_at", "available_at"]
    message.sent_at = now
    return 1, ["attempts", "sent_at"]
