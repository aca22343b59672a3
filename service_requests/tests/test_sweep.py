"""Deadlines are live (brief principle 4; issue #3): the worker marks passed deadlines missed and
escalates them staff → supervisor → manager per policy, once, whatever the number of sweeps."""

import datetime
import io

import pytest
from django.core.management import call_command

from notifications.models import OutboxMessage
from service_requests.choices import Category, Channel, EventType
from service_requests.deadlines import sweep_deadlines
from service_requests.models import Escalation
from service_requests.services import IntakeData, request_intake, request_reply
from service_requests.tests.conftest import at

NOW = at(2026, 11, 23, 10, 0)


@pytest.fixture
def request_(office, receptionist, supervisor, manager):
    return request_intake(
        actor=receptionist,
        office=office,
        data=IntakeData(category=Category.OTHER, channel=Channel.PHONE, description="借梯子"),
        now=NOW,
    )


def test_nothing_happens_before_the_deadline(request_):
    result = sweep_deadlines(now=NOW + datetime.timedelta(minutes=4))
    assert (result.missed, result.escalated) == (0, 0)


def test_missed_first_reply_goes_to_the_supervisor_then_the_manager(request_, supervisor, manager):
    result = sweep_deadlines(now=NOW + datetime.timedelta(minutes=6))
    assert (result.missed, result.escalated) == (1, 1)
    deadline = request_.deadlines.get()
    assert deadline.missed_at is not None and deadline.escalation_level == 1
    assert OutboxMessage.objects.filter(recipient=supervisor).exists()
    assert not OutboxMessage.objects.filter(recipient=manager).exists()
    assert request_.events.filter(type=EventType.DEADLINE_MISSED).count() == 1

    # 30 minutes later (policy request.escalation_interval) it reaches the manager.
    result = sweep_deadlines(now=NOW + datetime.timedelta(minutes=37))
    assert (result.missed, result.escalated) == (0, 1)
    assert OutboxMessage.objects.filter(recipient=manager).exists()
    assert list(Escalation.objects.values_list("level", "role_code")) == [
        (1, "cs_supervisor"),
        (2, "office_manager"),
    ]
    # No third level: further sweeps change nothing.
    assert sweep_deadlines(now=NOW + datetime.timedelta(hours=5)).escalated == 0


def test_repeated_sweeps_never_escalate_or_notify_twice(request_):
    later = NOW + datetime.timedelta(minutes=6)
    sweep_deadlines(now=later)
    messages = OutboxMessage.objects.count()
    events = request_.events.count()
    for _ in range(3):
        sweep_deadlines(now=later)
    assert OutboxMessage.objects.count() == messages
    assert request_.events.count() == events
    assert Escalation.objects.count() == 1


def test_a_late_reply_is_counted_late_and_stops_escalation(request_, receptionist):
    sweep_deadlines(now=NOW + datetime.timedelta(minutes=6))
    request_.refresh_from_db()
    request_reply(
        actor=receptionist,
        request=request_,
        version=request_.version,
        reply="已回复",
        now=NOW + datetime.timedelta(minutes=8),
    )
    deadline = request_.deadlines.get()
    assert deadline.on_time is False
    assert sweep_deadlines(now=NOW + datetime.timedelta(hours=2)).escalated == 0


def test_worker_once_with_a_fixed_now(request_, supervisor):
    out = io.StringIO()
    call_command("worker", "--once", "--now", "2026-11-23T10:06:00+08:00", stdout=out)
    assert "1 missed, 1 escalated" in out.getvalue()
    message = OutboxMessage.objects.get(recipient=supervisor, channel="console")
    assert message.sent_at is not None


def test_a_missed_deadline_stays_missed_when_the_request_is_closed_early(request_, supervisor):
    from service_requests.services import request_cancel

    sweep_deadlines(now=NOW + datetime.timedelta(minutes=6))
    request_.refresh_from_db()
    request_cancel(
        actor=supervisor,
        request=request_,
        version=request_.version,
        reason="住户撤回",
        now=NOW + datetime.timedelta(minutes=10),
    )
    deadline = request_.deadlines.get()
    assert deadline.on_time is False and deadline.cancelled_at is None
    request_.refresh_from_db()
    assert request_.next_deadline_at is None
    assert sweep_deadlines(now=NOW + datetime.timedelta(hours=3)).escalated == 0
