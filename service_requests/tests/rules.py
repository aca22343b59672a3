"""Shared by the tests of the help desk's policy rules (test_*_rules.py): an everyday request
taken on a fixed Friday morning, a policy change by the office manager, and what the sweep and
notices left behind."""

import datetime

from notifications.models import OutboxMessage
from policies.services import policy_update
from service_requests.choices import Category, Channel
from service_requests.models import Escalation
from service_requests.services import IntakeData, request_intake
from service_requests.tests.conftest import at

FRIDAY = at(2026, 11, 27, 10, 0)
SECOND = datetime.timedelta(seconds=1)
MINUTE = datetime.timedelta(minutes=1)


def intake_at(actor, office, now=FRIDAY, **overrides):
    """A category g request (楼道灯不亮) taken by phone at `now`, with `overrides`."""
    data = {"category": Category.OTHER, "channel": Channel.PHONE, "description": "楼道灯不亮"}
    data.update(overrides)
    return request_intake(actor=actor, office=office, data=IntakeData(**data), now=now)


def set_policy(manager, office, changes: dict, note: str = "按本公司规程"):
    return policy_update(actor=manager, office=office, changes=changes, note=note)


def told(user, subject: str) -> int:
    """How many console messages `user` got whose subject starts with `subject`."""
    return OutboxMessage.objects.filter(
        recipient=user, channel="console", subject__startswith=subject
    ).count()


def deadline_of(request, kind, round=1):
    return request.deadlines.get(kind=kind, round=round)


def ladder_of(request, kind) -> list[tuple[int, str]]:
    """(level, role) of each escalation of the request's deadline of `kind`."""
    return list(
        Escalation.objects.filter(deadline__request=request, deadline__kind=kind)
        .order_by("level")
        .values_list("level", "role_code")
    )


def fresh(request):
    request.refresh_from_db()
    return request
