"""处理及时率 (SOP.md §3 measures; 003 §5.5: 及时处理件数 ÷ 总件数 × 100%) on a small known
data set, by category, department and staff, computed in SQL."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.testing import PASSWORD, make_office, make_staff
from service_requests import services
from service_requests.choices import Category, Channel
from service_requests.reports import on_time_rates, on_time_total, request_is_on_time
from service_requests.services import IntakeData, request_intake
from service_requests.tests.conftest import at

NOW = at(2026, 11, 23, 10, 0)
REPORT_NOW = at(2026, 11, 24, 10, 0)
NOVEMBER = {"date_from": datetime.date(2026, 11, 1), "date_to": datetime.date(2026, 11, 30)}


def intake(actor, office, received=NOW, **kw):
    data = {"category": Category.REPAIR, "channel": Channel.PHONE, "description": "报修"}
    data.update(kw)
    return request_intake(actor=actor, office=office, data=IntakeData(**data), now=received)


def reply(actor, request, minutes):
    return services.request_reply(
        actor=actor,
        request=request,
        version=request.version,
        reply="已安排",
        now=NOW + datetime.timedelta(minutes=minutes),
    )


def dispatch(actor, request, department, assignee):
    return services.request_dispatch(
        actor=actor,
        request=request,
        version=request.version,
        department=department,
        assignee=assignee,
        now=NOW + datetime.timedelta(minutes=20),
    )


@pytest.fixture
def dataset(office, receptionist, supervisor, engineering, technician):
    """Seven requests; five count in November.

    R1 repair, answered on the phone (no deadline), dispatched to 何师傅 and resolved → on time
    R2 repair, first reply after 3 min (limit 5)                                    → on time
    R3 repair, first reply after 10 min, then dispatched to 何师傅                  → late
    R4 consultation answered at once (no deadline), never resolved                  → not on time
    R5 repair, never answered: the 5-minute first reply is still open a day later   → late
    R6 cancelled (withdrawn): not counted;  R7 received in October: not counted.
    """
    r1 = intake(receptionist, office, reply_now="已通知工程部")
    r1 = dispatch(receptionist, r1, engineering, technician)
    services.request_resolve(
        actor=technician, request=r1, version=r1.version, result="已更换水龙头", now=NOW
    )
    reply(receptionist, intake(receptionist, office), 3)
    r3 = reply(receptionist, intake(receptionist, office), 10)
    dispatch(receptionist, r3, engineering, technician)
    intake(
        receptionist,
        office,
        category=Category.CONSULTATION,
        description="物业费怎么交",
        reply_now="可在App缴纳",
    )
    intake(receptionist, office)
    r6 = intake(receptionist, office)
    services.request_cancel(
        actor=supervisor, request=r6, version=r6.version, reason="住户撤回", now=NOW
    )
    intake(receptionist, office, received=at(2026, 10, 31, 9, 0), reply_now="已答复")


def table(rows):
    return {row.label: (row.total, row.on_time, row.rate) for row in rows}


def test_on_time_rate_by_category(dataset, supervisor):
    rows = on_time_rates(user=supervisor, group_by="category", now=REPORT_NOW, **NOVEMBER)
    assert table(rows) == {"b 报修": (4, 2, 50.0), "d 咨询": (1, 0, 0.0)}
    total = on_time_total(user=supervisor, now=REPORT_NOW, **NOVEMBER)
    assert (total.total, total.on_time, total.rate) == (5, 2, 40.0)


def test_on_time_rate_by_department_and_staff(dataset, supervisor):
    by_department = on_time_rates(
        user=supervisor, group_by="department", now=REPORT_NOW, **NOVEMBER
    )
    assert table(by_department) == {"工程部": (2, 1, 50.0), "未派工": (3, 1, 33.3)}
    by_staff = on_time_rates(user=supervisor, group_by="staff", now=REPORT_NOW, **NOVEMBER)
    assert table(by_staff) == {"何师傅": (2, 1, 50.0), "未指派": (3, 1, 33.3)}


def test_each_table_is_one_query(dataset, supervisor):
    supervisor.has_perm("x")  # warm the permission cache
    on_time_rates(user=supervisor, group_by="category", now=REPORT_NOW, **NOVEMBER)
    with CaptureQueriesContext(connection) as queries:
        on_time_rates(user=supervisor, group_by="staff", now=REPORT_NOW, **NOVEMBER)
    assert len(queries) == 1


def test_the_row_rule_agrees_with_the_sql(dataset, office):
    from service_requests.models import ServiceRequest

    requests = ServiceRequest.objects.filter(received_at__month=11).exclude(status="cancelled")
    flags = [request_is_on_time(r, REPORT_NOW) for r in requests.prefetch_related("deadlines")]
    assert flags.count(True) == 2


def test_another_office_and_other_periods_are_not_counted(dataset):
    outsider = make_staff("cs_supervisor", offices=[make_office("翠湖花园管理处")])
    assert on_time_rates(user=outsider, group_by="category", **NOVEMBER) == []
    december = {"date_from": datetime.date(2026, 12, 1), "date_to": datetime.date(2026, 12, 31)}
    assert on_time_total(user=outsider, **december).rate is None


def test_report_page(client, dataset, supervisor, receptionist):
    client.login(username=receptionist.username, password=PASSWORD)
    assert client.get(reverse("service_requests_reports:on_time")).status_code == 403
    client.logout()
    client.login(username=supervisor.username, password=PASSWORD)
    response = client.get(
        reverse("service_requests_reports:on_time"), {"from": "2026-11-01", "to": "2026-11-30"}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "按类别" in text and "按部门" in text and "按处理人" in text
    assert "b 报修" in text and "工程部" in text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"from": "2026-11-30", "to": "2026-11-01"},
            "起始日期(2026-11-30)晚于结束日期(2026-11-01)",
        ),
        ({"from": "2026-11-01", "to": "2026-11-31"}, "结束日期“2026-11-31”无法识别"),
        ({"from": "11/01"}, "起始日期“11/01”无法识别"),
    ],
)
def test_report_refuses_a_reversed_or_unreadable_period(
    client, dataset, supervisor, params, message
):
    """处理及时率 (003 §5.5) of a period is counted only for the period asked: a reversed one was
    swapped silently and an unreadable date dropped (the month counted instead); both are
    refused with the reason and nothing is counted."""
    client.login(username=supervisor.username, password=PASSWORD)
    response = client.get(reverse("service_requests_reports:on_time"), params)
    text = response.content.decode()
    assert response.status_code == 400
    assert message in text
    assert "total-rate" not in text and "按类别" not in text
