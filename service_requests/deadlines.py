"""The deadline sweep the worker runs (issue #3; SOP.md §2 时限): marks passed deadlines as
missed, escalates them level by level to the roles the policy names (staff → supervisor →
manager), and queues the notifications in the same transaction (the outbox).

Safe with several workers on PostgreSQL: each batch locks its rows with SKIP LOCKED, and an
escalation is unique per (deadline, level) — a deadline is never escalated or notified twice.
A worker killed mid-sweep loses nothing: each batch commits on its own, and an unfinished
batch is simply swept again.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.models import Channel, OutboxMessage
from organization.choices import RoleCode
from organization.models import Staff
from policies.selectors import Policy, policy_version_get
from service_requests.choices import DeadlineKind, EventType
from service_requests.models import Deadline, Escalation, RequestEvent, ServiceRequest

BATCH_SIZE = 500


@dataclass
class SweepResult:
    missed: int = 0
    escalated: int = 0
    notifications: int = 0


class _SweepContext:
    """Per-sweep caches: policies by version and recipients by (office, role)."""

    def __init__(self):
        self._policies: dict[int | None, Policy] = {}
        self._recipients: dict[tuple[int, str], list] = {}
        self._labels: dict[tuple[str, str], str] = {}

    def policy(self, version_id: int | None) -> Policy:
        if version_id not in self._policies:
            self._policies[version_id] = policy_version_get(version_id)
        return self._policies[version_id]

    def label(self, choices, value: str) -> str:
        """A choice's translated label, looked up once per sweep (the backlog of a long outage
        names the same few kinds and roles tens of thousands of times)."""
        key = (choices.__name__, value)
        if key not in self._labels:
            self._labels[key] = str(choices(value).label)
        return self._labels[key]

    def recipients(self, office_id: int, role_code: str) -> list:
        key = (office_id, role_code)
        if key not in self._recipients:
            self._recipients[key] = [
                s.user
                for s in Staff.objects.filter(
                    roles__code=role_code, offices=office_id, user__is_active=True
                ).select_related("user")
            ]
        return self._recipients[key]


def _open() -> Q:
    return Q(met_at__isnull=True, cancelled_at__isnull=True)


def sweep_deadlines(
    *, now: datetime.datetime | None = None, batch_size: int = BATCH_SIZE
) -> SweepResult:
    now = now or timezone.now()
    result = SweepResult()
    context = _SweepContext()
    newly_missed = _open() & Q(missed_at__isnull=True, due_at__lte=now)
    escalation_due = _open() & Q(missed_at__isnull=False, next_escalation_at__lte=now)
    for condition in (newly_missed, escalation_due):
        while _sweep_batch(condition, now, batch_size, context, result):
            pass
    return result


def _sweep_batch(
    condition: Q, now, batch_size: int, context: _SweepContext, result: SweepResult
) -> bool:
    """Process one batch in its own transaction; False when nothing was left."""
    with transaction.atomic():
        batch = list(
            Deadline.objects.filter(condition)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("request")
            .order_by("due_at", "id")[:batch_size]
        )
        if not batch:
            return False
        events: list[RequestEvent] = []
        escalations: list[Escalation] = []
        messages: list[OutboxMessage] = []
        # Translated once per batch, not once per deadline.
        escalated_note = _("“%(kind)s”逾期,已升级至%(role)s")
        subject_text = _("逾期升级(%(level)s级):%(number)s %(kind)s已超时")
        body_text = _("截止时间 %(due)s。%(clause)s")
        updates: dict[tuple, list[int]] = defaultdict(list)
        for deadline in batch:
            request: ServiceRequest = deadline.request
            policy = context.policy(request.policy_version_id)
            roles = policy.roles("request.escalation_roles")
            interval = policy.duration("request.escalation_interval")
            missed_at = deadline.missed_at
            if missed_at is None:
                missed_at = now
                result.missed += 1
                events.append(
                    RequestEvent(
                        request=request,
                        type=EventType.DEADLINE_MISSED,
                        at=now,
                        status_before=request.status,
                        status_after=request.status,
                        data={
                            "deadline": deadline.kind,
                            "due_at": deadline.due_at.isoformat(),
                            "policy_key": deadline.policy_key,
                            "clause": deadline.clause,
                        },
                    )
                )
            level = deadline.escalation_level + 1
            if level > len(roles):
                updates[(missed_at, deadline.escalation_level, None)].append(deadline.pk)
                continue
            role = roles[level - 1]
            next_at = interval.after(now) if level < len(roles) else None
            updates[(missed_at, level, next_at)].append(deadline.pk)
            escalations.append(Escalation(deadline=deadline, level=level, role_code=role, at=now))
            role_label = context.label(RoleCode, role)
            kind_label = context.label(DeadlineKind, deadline.kind)
            events.append(
                RequestEvent(
                    request=request,
                    type=EventType.REQUEST_ESCALATED,
                    at=now,
                    status_before=request.status,
                    status_after=request.status,
                    data={"deadline": deadline.kind, "level": level, "role": role},
                    internal_note=escalated_note % {"kind": kind_label, "role": role_label},
                )
            )
            subject = subject_text % {
                "level": level,
                "number": request.number,
                "kind": kind_label,
            }
            body = body_text % {
                "due": timezone.localtime(deadline.due_at).strftime("%Y-%m-%d %H:%M"),
                "clause": deadline.clause,
            }
            for user in context.recipients(request.office_id, role):
                channels = [(Channel.CONSOLE, "")]
                if user.email:
                    channels.append((Channel.EMAIL, user.email))
                for channel, address in channels:
                    messages.append(
                        OutboxMessage(
                            office_id=request.office_id,
                            channel=channel,
                            recipient=user,
                            address=address,
                            subject=subject,
                            body=body,
                            link=f"/requests/{request.pk}/",
                            dedupe_key=f"deadline:{deadline.pk}:level:{level}:{user.pk}:{channel}",
                            created_at=now,
                            available_at=now,
                        )
                    )
        for (missed_at, level, next_at), ids in updates.items():
            Deadline.objects.filter(pk__in=ids).update(
                missed_at=missed_at, escalation_level=level, next_escalation_at=next_at
            )
        Escalation.objects.bulk_create(escalations)
        RequestEvent.objects.bulk_create(events)
        OutboxMessage.objects.bulk_create(messages, ignore_conflicts=True)
        result.escalated += len(escalations)
        result.notifications += len(messages)
        return len(batch) == batch_size
