"""Intake (issue #3; SOP.md §2): categories a–g, special vs general, deadlines from the office's
policy version, back-dated calls within the policy bound, emergencies need address and phone."""

import datetime

import pytest

from core.exceptions import ApplicationError, PermissionDeniedError
from core.testing import make_office, make_staff
from notifications.models import OutboxMessage
from policies.rules import Duration
from policies.services import policy_update
from service_requests.choices import Category, Channel, DeadlineKind, EventType, Status
from service_requests.models import Deadline, ServiceRequest
from service_requests.services import IntakeData, request_intake
from service_requests.tests.conftest import at

NOW = at(2026, 11, 23, 10, 0)  # a Monday


def intake(actor, office, now=NOW, **overrides):
    data = {
        "category": Category.REPAIR,
        "channel": Channel.PHONE,
        "description": "厨房水龙头漏水",
    }
    data.update(overrides)
    return request_intake(actor=actor, office=office, data=IntakeData(**data), now=now)


def test_a_repair_call_is_received_with_a_five_minute_first_reply_deadline(
    office, household, receptionist
):
    """SOP.md §2 快速反应 (000 篇3 §4.1.2 a): reply within 5 minutes."""
    request = intake(receptionist, office, household=household)
    assert request.status == Status.RECEIVED and not request.is_special
    deadline = request.deadlines.get(kind=DeadlineKind.FIRST_REPLY)
    assert deadline.due_at == NOW + datetime.timedelta(minutes=5)
    assert deadline.clause.startswith("SOP.md §2")
    assert request.next_deadline_at == deadline.due_at
    assert request.events.get().type == EventType.REQUEST_RECEIVED
    assert request.reception_label == "repair"


def test_an_answer_given_on_the_phone_meets_the_first_reply_at_once(office, receptionist):
    request = intake(receptionist, office, reply_now="已通知工程部,今天下午上门")
    assert request.status == Status.REPLIED
    # Only the repair's completion limit is left running (SOP.md §4).
    assert [d.kind for d in request.deadlines.all() if d.is_open] == [
        DeadlineKind.REPAIR_COMPLETION
    ]
    assert not request.deadlines.filter(kind=DeadlineKind.FIRST_REPLY).exists()
    assert [e.type for e in request.events.all()] == [
        EventType.REQUEST_RECEIVED,
        EventType.FIRST_REPLY_GIVEN,
    ]


@pytest.mark.parametrize(
    "category", [Category.MEDICAL_EMERGENCY, Category.SECURITY_INCIDENT, Category.DISASTER]
)
def test_special_categories_are_flagged(office, household, receptionist, category):
    request = intake(
        receptionist, office, household=household, category=category, contact_phone="13812345678"
    )
    assert request.is_special


def test_major_special_request_must_be_reported_to_the_supervisor_at_once(office, receptionist):
    """000 篇3 §4.2.2: major emergencies are reported to the supervisor immediately."""
    request = intake(
        receptionist,
        office,
        category=Category.DISASTER,
        description="3栋地下车库水浸",
        location="3栋地下车库",
        is_major=True,
    )
    report = request.deadlines.get(kind=DeadlineKind.SUPERVISOR_REPORT)
    assert report.due_at == NOW


def test_medical_emergency_needs_address_and_phone_and_saves_nothing_without(office, receptionist):
    """000 篇3 §4.2.1: first record the patient's address and phone."""
    with pytest.raises(ApplicationError) as exc:
        intake(receptionist, office, category=Category.MEDICAL_EMERGENCY, description="老人晕倒")
    assert "联系电话" in str(exc.value.field_errors) and "住址" in str(exc.value.field_errors)
    assert not ServiceRequest.objects.exists()


def test_medical_emergency_notifies_the_security_shift_leader(office, household, receptionist):
    leader = make_staff("security_shift_leader", offices=[office], name="孙海涛")
    request = intake(
        receptionist,
        office,
        household=household,
        category=Category.MEDICAL_EMERGENCY,
        description="老人晕倒",
        contact_phone="13812345678",
        emergency_help=("call_120",),
    )
    message = OutboxMessage.objects.get(recipient=leader, channel="console")
    assert "急救" in message.subject
    assert request.emergency_steps.filter(branch="call_120").count() == 6


def test_a_call_can_be_recorded_afterwards_within_the_policy_bound(office, receptionist):
    received = NOW - datetime.timedelta(hours=3)
    request = intake(receptionist, office, received_at=received)
    assert request.received_at == received and request.entered_at == NOW
    event = request.events.get()
    assert event.data["backdated"] is True
    first_reply = request.deadlines.get(kind=DeadlineKind.FIRST_REPLY)
    assert first_reply.due_at == received + datetime.timedelta(minutes=5)
    # Every limit runs from when the resident called, not from when it was typed in.
    completion = request.deadlines.get(kind=DeadlineKind.REPAIR_COMPLETION)
    assert completion.due_at == received + datetime.timedelta(days=3)


@pytest.mark.parametrize(
    ("received_at", "message"),
    [
        (NOW + datetime.timedelta(minutes=10), "不能晚于现在"),
        (NOW - datetime.timedelta(hours=25), "最多只能追溯24 小时"),
    ],
)
def test_received_time_in_the_future_or_too_far_back_is_refused(
    office, receptionist, received_at, message
):
    with pytest.raises(ApplicationError, match=message):
        intake(receptionist, office, received_at=received_at)
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "z"}, "category"),
        ({"channel": "pigeon"}, "channel"),
        ({"description": "  "}, "description"),
        ({"description": "漏" * 2001}, "description"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"emergency_help": ("call_120",)}, "emergency_help"),
    ],
)
def test_bad_intake_is_refused_with_the_field_and_writes_nothing(
    office, receptionist, overrides, field
):
    with pytest.raises(ApplicationError) as exc:
        intake(receptionist, office, **overrides)
    assert field in exc.value.field_errors
    assert not ServiceRequest.objects.exists() and not Deadline.objects.exists()


def test_another_offices_household_is_refused(office, receptionist):
    from core.testing import make_building, make_estate, make_household

    foreign = make_household(
        make_building(make_estate(make_office("翠湖花园管理处"), "翠湖"), "1"), "101"
    )
    with pytest.raises(ApplicationError, match="不属于本管理处"):
        intake(receptionist, office, household=foreign)


def test_roles_without_intake_permission_are_refused(office):
    with pytest.raises(PermissionDeniedError, match="无权受理求助"):
        intake(make_staff("cleaning", offices=[office]), office)


def test_the_request_keeps_the_policy_version_it_was_opened_under(office, receptionist, manager):
    first = intake(receptionist, office)
    policy_update(
        actor=manager,
        office=office,
        changes={"request.first_reply": Duration(3, "minutes")},
        note="提速",
    )
    second = intake(receptionist, office)
    assert first.policy_version is None
    assert second.policy_version.number == 1
    first_reply = {"kind": DeadlineKind.FIRST_REPLY}
    assert second.deadlines.get(**first_reply).due_at == NOW + datetime.timedelta(minutes=3)
    assert first.deadlines.get(**first_reply).due_at == NOW + datetime.timedelta(minutes=5)


def test_written_consultation_is_due_in_two_days_and_oral_in_two_hours(office, receptionist):
    """000 篇3 §4.3.1 (written: 2 days) and 篇12 (oral, after asking the supervisor: 2 hours)."""
    written = intake(receptionist, office, category=Category.CONSULTATION, channel=Channel.LETTER)
    oral = intake(receptionist, office, category=Category.CONSULTATION)
    assert written.deadlines.get().kind == DeadlineKind.WRITTEN_REPLY
    assert written.deadlines.get().due_at == NOW + datetime.timedelta(days=2)
    assert oral.deadlines.get().due_at == NOW + datetime.timedelta(hours=2)


def test_working_day_policy_skips_the_national_day_holiday(office, receptionist, manager):
    policy_update(
        actor=manager,
        office=office,
        changes={"consultation.written_reply": Duration(2, "working_days")},
        note="按工作日",
    )
    received = at(2026, 9, 30, 16, 0)
    letter = intake(
        receptionist,
        office,
        now=received,
        category=Category.CONSULTATION,
        channel=Channel.LETTER,
    )
    assert letter.deadlines.get().due_at == at(2026, 10, 9, 16, 0)


def test_major_special_request_notifies_the_supervisor_at_once(office, receptionist, supervisor):
    """000 篇3 §4.2.2: major cases are reported to the supervisor immediately."""
    intake(
        receptionist,
        office,
        category=Category.DISASTER,
        description="水浸",
        location="车库",
        is_major=True,
    )
    assert OutboxMessage.objects.filter(
        recipient=supervisor, subject__startswith="重大特别求助"
    ).exists()


def test_normal_special_request_is_reported_to_the_supervisor_after_completion(
    office, household, receptionist, supervisor
):
    """000 篇3 §4.2.2: normal cases are reported after completion."""
    from service_requests.services import request_resolve

    request = intake(
        receptionist,
        office,
        household=household,
        category=Category.SECURITY_INCIDENT,
        description="单车被盗",
        contact_phone="13812345678",
    )
    assert not OutboxMessage.objects.filter(recipient=supervisor).exists()
    request_resolve(
        actor=receptionist,
        request=request,
        version=request.version,
        result="已报警并调取监控",
        now=NOW,
    )
    assert OutboxMessage.objects.filter(
        recipient=supervisor, subject__startswith="特别求助处理完毕"
    ).exists()
    assert request.events.filter(type=EventType.SUPERVISOR_REPORTED, actor=None).exists()
