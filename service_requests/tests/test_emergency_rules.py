"""Who hears of a special request at once (SOP.md §2 急救; 000 篇3 §4.2.1-4.2.2, 000 篇12 二.2):
the roles of emergency.report_roles and emergency.medical_notify_roles, from the policy version
the request was opened under, end to end through the services."""

import datetime

from core.testing import make_staff
from notifications.models import OutboxMessage
from organization.models import Role
from service_requests.choices import Category, Channel, DeadlineKind, EventType
from service_requests.services import IntakeData, request_intake, request_resolve
from service_requests.tests.rules import (
    FRIDAY,
    MINUTE,
    deadline_of,
    intake_at,
    ladder_of,
    set_policy,
    told,
)

# --- 1. emergency.report_roles: who hears of a special request --------------------------------


MAJOR = {
    "category": Category.SECURITY_INCIDENT,
    "description": "车库抢劫",
    "location": "地下车库",
    "is_major": True,
    "reply_now": "已报110",
}


def test_a_major_special_request_tells_every_role_the_office_names(
    office, receptionist, supervisor, manager
):
    """000 篇3 §4.2.2 (重大的……立即向主管汇报, the default) and 000 篇12 二.2 (同时向主任汇报):
    an office naming the supervisor and the 主任 has both told at intake; a request received
    before the change keeps its version and tells the supervisor only. Someone holding both
    roles is told once."""
    earlier = intake_at(receptionist, office, **MAJOR)
    assert told(supervisor, "重大特别求助") == 1 and told(manager, "重大特别求助") == 0

    set_policy(manager, office, {"emergency.report_roles": ("cs_supervisor", "office_manager")})
    both = make_staff("cs_supervisor", offices=[office], name="兼任主任")
    both.staff.roles.add(Role.objects.get(code="office_manager"))
    later = intake_at(receptionist, office, **MAJOR)
    assert told(supervisor, "重大特别求助") == 2
    assert told(manager, "重大特别求助") == 1
    assert told(both, "重大特别求助") == 1  # of `later` only, once
    assert OutboxMessage.objects.filter(recipient=manager, subject__contains=later.number).exists()
    assert not OutboxMessage.objects.filter(
        recipient=manager, subject__contains=earlier.number
    ).exists()
    # The report itself is still recorded by the receptionist: its limit runs as before.
    assert deadline_of(later, DeadlineKind.SUPERVISOR_REPORT).is_open


def test_a_normal_special_request_is_reported_on_completion_to_the_policys_roles(
    office, receptionist, supervisor, manager
):
    """000 篇3 §4.2.2 一般情况下……处理完毕后向主管汇报; an office reporting to the 主任 instead
    (000 篇12 二.2) has the manager told and the timeline says so."""
    set_policy(manager, office, {"emergency.report_roles": ("office_manager",)})
    request = intake_at(
        receptionist,
        office,
        category=Category.DISASTER,
        description="5栋楼顶水箱漏水",
        location="5栋天台",
        reply_now="已通知工程部",
    )
    request_resolve(
        actor=receptionist,
        request=request,
        version=request.version,
        result="已关闭阀门",
        now=FRIDAY + datetime.timedelta(hours=1),
    )
    assert told(manager, "特别求助处理完毕") == 1
    assert told(supervisor, "特别求助处理完毕") == 0
    report = request.events.get(type=EventType.SUPERVISOR_REPORTED)
    assert report.internal_note == "处理完毕,系统已通知管理处经理"


def test_the_report_may_reach_company_leadership(office, receptionist, supervisor, manager):
    """003 §3.1 (超出处理权限的……上报公司领导): a company-wide role named by the office is told,
    though its holder is staff of no office."""
    general_manager = make_staff("general_manager", company=office.company, name="总经理")
    set_policy(manager, office, {"emergency.report_roles": ("cs_supervisor", "general_manager")})
    intake_at(receptionist, office, **MAJOR)
    assert told(general_manager, "重大特别求助") == 1


# --- 2. emergency.medical_notify_roles: the medical emergency's notice -------------------------


def _medical(receptionist, office, household, now=FRIDAY):
    return intake_at(
        receptionist,
        office,
        now=now,
        category=Category.MEDICAL_EMERGENCY,
        description="老人晕倒",
        household=household,
        contact_phone="13812345678",
    )


def test_a_medical_emergency_tells_the_roles_the_office_names(
    office, household, receptionist, manager
):
    """000 篇3 §4.2.1 b (立即通知保安部当班班长, the default); 000 篇12 二.2 (向中控室……汇报,
    同时向主任汇报): the shift leader alone by default; the shift leader and the 主任 once the
    office says so — for calls received afterwards."""
    shift_leader = make_staff("security_shift_leader", offices=[office], name="保安班长")
    _medical(receptionist, office, household)
    assert told(shift_leader, "急救求助") == 1 and told(manager, "急救求助") == 0

    set_policy(
        manager,
        office,
        {"emergency.medical_notify_roles": ("security_shift_leader", "office_manager")},
    )
    _medical(receptionist, office, household, now=FRIDAY + MINUTE)
    assert told(shift_leader, "急救求助") == 2 and told(manager, "急救求助") == 1


def _system_notes(request) -> list[str]:
    return list(
        request.events.filter(type=EventType.NOTE_ADDED, actor=None).values_list(
            "internal_note", flat=True
        )
    )


def test_the_timeline_says_whom_the_system_told_and_warns_when_nobody_holds_the_role(
    office, household, receptionist, supervisor
):
    """Every step is kept with who (SOP.md §2): a medical emergency's timeline says the system
    told the security shift leader (000 篇3 §4.2.1 b) and how many people; where the office has
    nobody in that role it says so, so the desk reports by phone instead of trusting a notice
    that reached no one. A major case also names the report roles (000 篇3 §4.2.2)."""
    nobody = _medical(receptionist, office, household)
    assert _system_notes(nobody) == ["本管理处无人担任保安班长,系统未能通知,请电话报告"]
    make_staff("security_shift_leader", offices=[office], name="保安班长")
    major = request_intake(
        actor=receptionist,
        office=office,
        data=IntakeData(
            category=Category.MEDICAL_EMERGENCY,
            channel=Channel.PHONE,
            description="老人晕倒,呼吸困难",
            household=household,
            contact_phone="13812345678",
            is_major=True,
        ),
        now=FRIDAY + MINUTE,
    )
    assert _system_notes(major) == ["系统已通知保安班长(1人);系统已通知客服主管(1人)"]


def _major_fire(receptionist, office, household, **overrides):
    data = {
        "category": Category.DISASTER,
        "channel": Channel.PHONE,
        "description": "3栋地下车库起火",
        "household": household,
        "contact_phone": "13812345678",
        "is_major": True,
    }
    data.update(overrides)
    return request_intake(actor=receptionist, office=office, data=IntakeData(**data), now=FRIDAY)


def test_a_report_made_during_the_call_meets_the_immediate_limit(
    office, household, receptionist, supervisor
):
    """000 篇3 §4.2.2 重大的立即向主管汇报 (emergency.major_report: 立即): a limit of no minutes
    can only be met by a report made during the call — the desk ticks 已当场报告主管 and the limit
    is met, on time, as the request is entered, with the report on the timeline; nothing is
    escalated. Without it the limit is overdue at once and climbs the ladder."""
    from service_requests.deadlines import sweep_deadlines

    reported = _major_fire(receptionist, office, household, reported_now=True)
    report = deadline_of(reported, DeadlineKind.SUPERVISOR_REPORT)
    assert report.met_at == FRIDAY and report.on_time
    assert reported.next_deadline_at != report.due_at
    assert reported.events.filter(type=EventType.SUPERVISOR_REPORTED, actor=receptionist).exists()
    not_reported = _major_fire(receptionist, office, household)
    assert deadline_of(not_reported, DeadlineKind.SUPERVISOR_REPORT).met_at is None
    sweep_deadlines(now=FRIDAY + MINUTE)
    assert ladder_of(reported, DeadlineKind.SUPERVISOR_REPORT) == []
    assert ladder_of(not_reported, DeadlineKind.SUPERVISOR_REPORT) == [(1, "cs_supervisor")]


def test_the_intake_screen_and_the_api_record_a_report_made_during_the_call(
    client, office, household, receptionist
):
    from django.urls import reverse

    from core.testing import api_client
    from service_requests.models import ServiceRequest

    client.force_login(receptionist)
    client.post(
        reverse("service_requests:request_new"),
        {
            "household": household.pk,
            "category": Category.DISASTER,
            "channel": Channel.PHONE,
            "description": "水管爆裂,楼道水浸",
            "contact_phone": "13812345678",
            "is_major": "on",
            "reported_now": "on",
        },
    )
    by_console = ServiceRequest.objects.get(description="水管爆裂,楼道水浸")
    assert deadline_of(by_console, DeadlineKind.SUPERVISOR_REPORT).met_at is not None
    answer = api_client(receptionist).post(
        "/api/v1/requests/",
        {
            "category": "f_disaster",
            "channel": "phone",
            "description": "电梯困人",
            "household": household.pk,
            "is_major": True,
            "reported_now": True,
        },
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    (report,) = [d for d in answer.json()["deadlines"] if d["kind"] == "supervisor_report"]
    assert report["met_at"] and report["state"] == "met"
