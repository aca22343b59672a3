"""Each kind of limit may climb its own ladder (SOP.md §2 主管→经理; 000 篇12 二.2 重大 straight
to the 主任; 003 §3.1 上报公司领导): the optional rule escalation.<kind>, empty by default, falls
back to request.escalation_roles. Read from the request's policy version by the worker's sweep
and by the request page's "what happens when it passes"."""

import datetime

from django.urls import reverse

from core.testing import make_staff
from notifications.models import OutboxMessage
from policies.services import policy_update
from service_requests.choices import Category, DeadlineKind
from service_requests.deadlines import sweep_deadlines
from service_requests.tests.rules import FRIDAY, SECOND, intake_at, ladder_of

MAJOR = {
    "category": Category.SECURITY_INCIDENT,
    "description": "车库抢劫",
    "location": "地下车库",
    "is_major": True,
    "reply_now": "已报110",
}


def test_a_major_report_climbs_its_own_ladder_and_other_limits_the_general_one(
    office, receptionist, supervisor, manager
):
    """000 篇12 二.2: an unrecorded report of a major case goes straight to the 主任, while a
    first reply missed at the same sweep still goes to the supervisor, then the manager
    (SOP.md §2). A request received before the change climbs the general ladder."""
    before = intake_at(receptionist, office, **MAJOR)
    policy_update(
        actor=manager,
        office=office,
        changes={"escalation.supervisor_report": ("office_manager",)},
        note="重大情况直接报主任",
    )
    major = intake_at(receptionist, office, **MAJOR)
    everyday = intake_at(receptionist, office)

    sweep_deadlines(now=FRIDAY + datetime.timedelta(minutes=5) + SECOND)
    assert ladder_of(major, DeadlineKind.SUPERVISOR_REPORT) == [(1, "office_manager")]
    assert ladder_of(before, DeadlineKind.SUPERVISOR_REPORT) == [(1, "cs_supervisor")]
    assert ladder_of(everyday, DeadlineKind.FIRST_REPLY) == [(1, "cs_supervisor")]
    assert OutboxMessage.objects.filter(recipient=manager, subject__contains=major.number).exists()
    assert not OutboxMessage.objects.filter(
        recipient=supervisor, subject__contains=major.number, subject__startswith="逾期升级"
    ).exists()

    sweep_deadlines(now=FRIDAY + datetime.timedelta(minutes=40))
    assert ladder_of(major, DeadlineKind.SUPERVISOR_REPORT) == [(1, "office_manager")]  # one level
    assert ladder_of(everyday, DeadlineKind.FIRST_REPLY) == [
        (1, "cs_supervisor"),
        (2, "office_manager"),
    ]


def test_a_kind_may_end_with_company_leadership(office, receptionist, supervisor, manager):
    """003 §3.1 (上报公司领导): an office whose overdue repairs reach the general manager after the
    office's manager; its other limits keep the general ladder."""
    general_manager = make_staff("general_manager", company=office.company, name="总经理")
    policy_update(
        actor=manager,
        office=office,
        changes={
            "escalation.completion": ("cs_supervisor", "office_manager", "general_manager"),
        },
        note="逾期未完成报公司",
    )
    request = intake_at(receptionist, office, reply_now="已安排")
    due = request.deadlines.get(kind=DeadlineKind.COMPLETION).due_at
    for minutes in (1, 32, 63):
        sweep_deadlines(now=due + datetime.timedelta(minutes=minutes))
    assert ladder_of(request, DeadlineKind.COMPLETION) == [
        (1, "cs_supervisor"),
        (2, "office_manager"),
        (3, "general_manager"),
    ]
    assert OutboxMessage.objects.filter(recipient=general_manager).exists()


def test_the_request_page_names_the_ladder_of_its_next_limit(client, office, receptionist, manager):
    """What the receptionist reads under the next deadline: who will be told when it passes —
    the major report's own ladder, or the general one."""
    policy_update(
        actor=manager,
        office=office,
        changes={"escalation.supervisor_report": ("office_manager",)},
        note="重大情况直接报主任",
    )
    major = intake_at(receptionist, office, **MAJOR)
    everyday = intake_at(receptionist, office)
    client.force_login(receptionist)
    page = client.get(reverse("service_requests:request_detail", args=[major.pk])).content
    assert "并依次升级通知 管理处经理(" in page.decode()
    page = client.get(reverse("service_requests:request_detail", args=[everyday.pk])).content
    assert "并依次升级通知 客服主管 → 管理处经理(" in page.decode()
