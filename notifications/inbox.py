"""The console inbox: a user's console-channel notifications (reads) and marking them read
(the only change a recipient makes to an outbox row)."""

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from notifications.models import Channel, OutboxMessage


def inbox_list(*, user) -> QuerySet[OutboxMessage]:
    """The user's console messages, newest first."""
    return OutboxMessage.objects.filter(recipient=user, channel=Channel.CONSOLE).order_by(
        "-created_at", "-id"
    )


def inbox_unread_count(*, user) -> int:
    return inbox_list(user=user).filter(read_at__isnull=True).count()


def inbox_get(*, user, pk) -> OutboxMessage | None:
    """One of the user's messages; None for anybody else's (the caller answers 404)."""
    return inbox_list(user=user).filter(pk=pk).first()


def inbox_mark_read(*, user, pk: int | None = None, now: datetime.datetime | None = None) -> int:
    """Mark one message (or, with pk None, all) of the user's as read; idempotent."""
    qs = inbox_list(user=user).filter(read_at__isnull=True)
    if pk is not None:
        qs = qs.filter(pk=pk)
    return qs.update(read_at=now or timezone.now())
