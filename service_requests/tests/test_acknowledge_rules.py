"""A dispatch is acknowledged within request.acknowledge_within (SOP.md §2 快速反应; 003 §5.2 立即,
§4.2.1.1): opened by the dispatch, met by 接单 or 开始处理, dropped when the request ends before
anyone acknowledged it, escalated when missed."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.testing import make_department
from notifications.models import OutboxMessage
from organization.choices import DepartmentKind
from policies.rules import Duration
from service_requests.choices import Category, DeadlineKind, EventType, Status
from service_requests.deadlines import sweep_deadlines
from service_requests.reports import deadline_counts
from service_requests.services import (
    request_acknowledge,
    request_cancel,
    request_dispatch,
    request_refer,
    request_resolve,
    request_start,
)
from service_requests.tests.rules import (
    FRIDAY,
    MINUTE,
    SECOND,
    deadline_of,
    fresh,
    intake_at,
    ladder_of,
    set_policy,
    told,
)

# --- 4. request.acknowledge_within: the receiver acknowledges the dispatch ---------------------


@pytest.fixture
def dispatched(office, household, receptionist, engineering):
    request = intake_at(
        receptionist, office, category=Category.REPAIR, household=household, reply_now="已派工"
    )
    request_dispatch(
        actor=receptionist,
        request=request,
        version=request.version,
        department=engineering,
        now=FRIDAY + MINUTE,
    )
    return request


def test_a_dispatch_is_acknowledged_within_the_limit(dispatched, technician, supervisor):
    """003 §5.2 (相关单位接到服务需求后应立即与业户联系), 003 §4.2.1.1: the dispatch opens a
    15-minute acknowledgement limit (000 篇10 §4.4: the slip reaches the department within 15
    minutes and is signed for); the technician's 接单 meets it; nobody is chased."""
    limit = deadline_of(dispatched, DeadlineKind.ACKNOWLEDGE)
    assert limit.due_at == FRIDAY + MINUTE + datetime.timedelta(minutes=15)
    assert limit.policy_key == "request.acknowledge_within" and "003 §5.2" in limit.clause
    assert dispatched.next_deadline_at == limit.due_at
    dispatched_event = dispatched.events.get(type=EventType.REQUEST_DISPATCHED)
    due = datetime.datetime.fromisoformat(dispatched_event.data["acknowledge_due_at"])
    assert due == limit.due_at

    request_acknowledge(
        actor=technician,
        request=dispatched,
        version=dispatched.version,
        now=FRIDAY + datetime.timedelta(minutes=10),
    )
    assert deadline_of(dispatched, DeadlineKind.ACKNOWLEDGE).on_time is True
    assert sweep_deadlines(now=FRIDAY + datetime.timedelta(hours=1)).escalated == 0
    assert (
        dispatched.next_deadline_at
        == deadline_of(dispatched, DeadlineKind.REPAIR_COMPLETION).due_at
    )


def test_an_unacknowledged_dispatch_is_escalated_and_a_late_start_meets_it(
    dispatched, technician, supervisor
):
    """Not acknowledged in time, the dispatch is escalated to the supervisor; starting the work
    (without 接单) acknowledges it, late, and the escalation stops."""
    sweep_deadlines(now=FRIDAY + datetime.timedelta(minutes=16) + SECOND)
    assert ladder_of(dispatched, DeadlineKind.ACKNOWLEDGE) == [(1, "cs_supervisor")]
    assert told(supervisor, "逾期升级") == 1
    request_start(
        actor=technician,
        request=fresh(dispatched),
        version=dispatched.version,
        now=FRIDAY + datetime.timedelta(minutes=20),
    )
    limit = deadline_of(dispatched, DeadlineKind.ACKNOWLEDGE)
    assert limit.met_at is not None and limit.on_time is False
    assert sweep_deadlines(now=FRIDAY + datetime.timedelta(hours=2)).escalated == 0


def test_a_new_dispatch_after_an_acknowledgement_is_a_new_round(
    office, dispatched, technician, receptionist
):
    """Sent on to another department after the first acknowledged it: the new receiver has its
    own limit (round 2); the first keeps its record."""
    request_acknowledge(
        actor=technician, request=dispatched, version=dispatched.version, now=FRIDAY + 2 * MINUTE
    )
    cleaning = make_department(office, "保洁部", DepartmentKind.CLEANING)
    request_dispatch(
        actor=receptionist,
        request=dispatched,
        version=dispatched.version,
        department=cleaning,
        now=FRIDAY + datetime.timedelta(hours=1),
    )
    assert deadline_of(dispatched, DeadlineKind.ACKNOWLEDGE).on_time is True
    second = deadline_of(dispatched, DeadlineKind.ACKNOWLEDGE, round=2)
    assert second.is_open and second.due_at == FRIDAY + datetime.timedelta(hours=1, minutes=15)


@pytest.mark.parametrize("end", ["resolve", "cancel", "refer"])
def test_a_dispatch_ended_before_anyone_acknowledged_it_drops_the_limit(
    dispatched, receptionist, supervisor, emergency_center, end
):
    """Resolved, cancelled or referred before the receiver acknowledged: there is nothing left to
    acknowledge; within its time the limit is not counted, and the sweep chases nobody."""
    request = fresh(dispatched)
    now = FRIDAY + datetime.timedelta(minutes=5)
    if end == "resolve":
        request_resolve(
            actor=receptionist, request=request, version=request.version, result="已处理", now=now
        )
    elif end == "cancel":
        request_cancel(
            actor=supervisor, request=request, version=request.version, reason="重复", now=now
        )
    else:
        request_refer(
            actor=receptionist,
            request=request,
            version=request.version,
            party=emergency_center,
            resident_told="已告知",
            now=now,
        )
    limit = deadline_of(request, DeadlineKind.ACKNOWLEDGE)
    assert limit.cancelled_at == now and not deadline_counts(limit)
    assert sweep_deadlines(now=FRIDAY + datetime.timedelta(hours=1)).escalated == 0


def test_the_acknowledgement_limit_takes_the_offices_variant(
    office, household, receptionist, manager, engineering
):
    """An office that wants 接单 within 5 minutes (立即 read strictly): a request received after
    the change is due 5 minutes after its dispatch; one received before keeps the version it was
    opened under (15 minutes), though both are dispatched after the change."""
    earlier = intake_at(receptionist, office, category=Category.REPAIR, household=household)
    set_policy(manager, office, {"request.acknowledge_within": Duration(5, "minutes")})
    later = intake_at(receptionist, office, category=Category.REPAIR, household=household)
    for request in (earlier, later):
        request_dispatch(
            actor=receptionist,
            request=request,
            version=request.version,
            department=engineering,
            now=FRIDAY + MINUTE,
        )
    assert deadline_of(earlier, DeadlineKind.ACKNOWLEDGE).due_at == FRIDAY + 16 * MINUTE
    assert deadline_of(later, DeadlineKind.ACKNOWLEDGE).due_at == FRIDAY + 6 * MINUTE


def test_the_request_page_shows_the_acknowledgement_limit(client, dispatched, receptionist):
    client.force_login(receptionist)
    html = client.get(
        reverse("service_requests:request_detail", args=[dispatched.pk])
    ).content.decode()
    assert "<td>接单</td><td>2026-11-27 10:16</td>" in html
    assert "003 §4.2.1.1" in html


def test_a_complaint_slip_signed_for_on_hand_over_opens_no_acknowledgement_limit(
    office, household, receptionist, engineering
):
    """SOP.md §3 (000 篇10 §4.4: 住户投诉意见表……发送到被投诉部门,领表人签收): a complaint's
    dispatch is its slip, signed for when handed over; the complaint procedure keeps its own
    limits (the slip's return), so the request desk opens no 接单 limit of its own."""
    from complaints.services import ComplaintData, complaint_record, complaint_send_slip

    request = intake_at(
        receptionist, office, category=Category.COMPLAINT, household=household, description="噪音"
    )
    complaint = complaint_record(
        actor=receptionist,
        request=request,
        data=ComplaintData(what_happened="噪音", resident_demand="尽快处理"),
        now=FRIDAY,
    )
    complaint_send_slip(
        actor=receptionist,
        complaint=complaint,
        department=engineering,
        signed_by="何师傅",
        now=FRIDAY + MINUTE,
    )
    assert fresh(request).status == Status.DISPATCHED
    assert not request.deadlines.filter(kind=DeadlineKind.ACKNOWLEDGE).exists()


def test_the_receiver_is_told_by_when_to_acknowledge(technician, dispatched):
    """The 新派工 notice says by when to acknowledge (request.acknowledge_within) and under
    which clause — first, since the inbox shows the start of a message."""
    notice = OutboxMessage.objects.get(
        recipient=technician, channel="console", subject__startswith="新派工"
    )
    due = deadline_of(dispatched, DeadlineKind.ACKNOWLEDGE)
    first_line = notice.body.splitlines()[0]
    assert first_line.startswith("请于 ") and "前接单" in first_line
    assert timezone.localtime(due.due_at).strftime("%Y-%m-%d %H:%M") in first_line
    assert due.clause in first_line
