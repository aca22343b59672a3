"""API parity (issue #4): recording a complaint (on a category c request, or with the intake of
a new one), the 五清楚一报告 steps and the hand-over through the console's services; and the
hand-offs' own authority (SOP.md §3; 003 §4.3): judging 转开发商 / 转住户违章处理 needs the
right to fill in the 返修联系单 / register the violation case — without it, 403 and nothing
written, in the console and in the API."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from complaints.models import Complaint, ComplaintStep
from complaints.tests.conftest import new_complaint, prefixed
from core.testing import (
    PASSWORD,
    api_client,
    make_building,
    make_department,
    make_estate,
    make_household,
    make_office,
    make_staff,
    owner,
)
from organization.choices import DepartmentKind
from organization.models import Role
from reception.models import DeveloperRepairSlip
from service_requests.choices import Category, Channel, DeadlineKind, EventType, Status
from service_requests.models import ServiceRequest
from service_requests.services import IntakeData, request_intake
from service_requests.tests.conftest import at
from violations.choices import SubKind
from violations.models import ViolationCase

pytestmark = pytest.mark.django_db
T0 = at(2026, 3, 2, 9, 0)
URL = "/api/v1/complaints/"


def _request(actor, office, household, category=Category.COMPLAINT):
    return request_intake(
        actor=actor,
        office=office,
        data=IntakeData(
            category=category, channel=Channel.PHONE, description="楼道脏", household=household
        ),
    )


def test_api_records_a_complaint_on_a_category_c_request(receptionist, office, household, cleaning):
    """000 篇10 §4.3.1: the reception record; the 15-minute slip limit opens and the record
    with the apology is the first reply (SOP.md §3 reception)."""
    sr = _request(receptionist, office, household)
    response = api_client(receptionist).post(
        URL,
        {
            "request": sr.pk,
            "what_happened": "楼道垃圾三天没人清理",
            "event_place": "3栋1单元楼道",
            "complained_department": cleaning.pk,
            "resident_demand": "今天清理",
            "apologised": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["request"] == sr.pk and body["apologised"] is True
    assert body["complained_department"]["id"] == cleaning.pk
    kinds = {d["kind"]: d for d in body["deadlines"]}
    assert kinds["complaint_slip"]["state"] == "open"
    assert kinds["first_reply"]["state"] == "met"
    again = api_client(receptionist).post(
        URL, {"request": sr.pk, "what_happened": "再次"}, format="json"
    )
    assert again.status_code == 400 and again.json()["code"] == "already_recorded"
    assert Complaint.objects.count() == 1


def test_api_intake_of_a_new_complaint(receptionist, office, household):
    """A new complaint in one call: the category c request (register line, deadlines) and the
    record in one transaction; an emergency is 重大 at once (002 篇1 §2(6))."""
    response = api_client(receptionist).post(
        URL,
        {
            "intake": {"channel": "visit", "household": household.pk},
            "what_happened": "电梯困人二十分钟无人处理",
            "emergency": "lift_trapped",
            "apologised": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    sr = ServiceRequest.objects.get(pk=body["request"])
    assert (sr.category, sr.channel, sr.household) == (Category.COMPLAINT, "visit", household)
    assert sr.description == "电梯困人二十分钟无人处理"
    assert body["severity"] == "major" and body["major_reason"] == "emergency"


def test_api_create_refusals_write_nothing(receptionist, office, household):
    other = make_office("绿城管理处")
    outsider = make_staff("cs_staff", offices=[other])
    other_household = make_household(
        make_building(make_estate(other), "8"), "101", residents=[owner("李四", "13900000000")]
    )
    foreign = _request(outsider, other, other_household)
    repair = _request(receptionist, office, household, category=Category.REPAIR)
    cases = [
        ({"what_happened": "x"}, "request"),  # neither request nor intake
        ({"request": repair.pk, "what_happened": "x", "intake": {"channel": "phone"}}, "request"),
        ({"request": foreign.pk, "what_happened": "x"}, "request"),  # not yours: not found
        ({"request": repair.pk, "what_happened": "x"}, "request"),  # not category c
        (
            {"intake": {"channel": "phone", "household": other_household.pk}, "what_happened": "x"},
            "household",
        ),
        (
            {"intake": {"channel": "phone", "household": household.pk}, "what_happened": "  "},
            "what_happened",
        ),
    ]
    requests_before = ServiceRequest.objects.count()
    for body, field in cases:
        response = api_client(receptionist).post(URL, body, format="json")
        assert response.status_code == 400, (body, response.json())
        error = response.json()
        assert set(error) == {"code", "message", "detail"}
        assert field in str(error["detail"]), (body, error)
    assert not Complaint.objects.exists()
    assert ServiceRequest.objects.count() == requests_before
    technician = make_staff("technician", offices=[office])
    denied = api_client(technician).post(
        URL, {"intake": {"channel": "phone"}, "what_happened": "x"}, format="json"
    )
    assert denied.status_code == 403 and denied.json()["code"] == "permission_denied"
    assert ServiceRequest.objects.count() == requests_before


def test_api_checklist_steps_and_hand_over(receptionist, supervisor, manager, office, household):
    """002 篇1 §1 五清楚一报告 with who and when; 000 篇10 §4.3.2 2): a 重要 complaint is
    handed to the supervisor within 2 hours — to anyone else it is refused."""
    complaint = new_complaint(receptionist, office, household, T0)
    client = api_client(receptionist)
    step = client.post(
        f"{URL}{complaint.pk}/steps/", {"code": "listen", "note": "耐心听完"}, format="json"
    )
    assert step.status_code == 200, step.json()
    assert [s["code"] for s in step.json()["steps"]] == ["listen"]
    twice = client.post(f"{URL}{complaint.pk}/steps/", {"code": "listen"}, format="json")
    assert twice.status_code == 400 and "听清楚" in twice.json()["message"]
    assert ComplaintStep.objects.count() == 1
    client.post(
        f"{URL}{complaint.pk}/judge/",
        {"validity": "valid", "valid_kind": "property", "severity": "important"},
        format="json",
    )
    wrong = client.post(f"{URL}{complaint.pk}/hand-over/", {"to_user": manager.pk}, format="json")
    assert wrong.status_code == 400 and "客服主管" in wrong.json()["message"]
    assert Complaint.objects.get(pk=complaint.pk).handed_over_at is None
    right = client.post(
        f"{URL}{complaint.pk}/hand-over/",
        {"to_user": supervisor.pk, "note": "请跟进"},
        format="json",
    )
    assert right.status_code == 200, right.json()
    hand_over = [d for d in right.json()["deadlines"] if d["kind"] == "complaint_hand_over"]
    assert hand_over[0]["met_at"] is not None  # (late: received on 2 March)
    assert complaint.request.events.filter(type=EventType.COMPLAINT_HANDED_OVER).exists()


# --- The hand-offs' own authority ---------------------------------------------------------------


def _clerk_without(office, app_label: str, codename: str):
    """A service-centre clerk in an office that took one permission away from the role (an
    office can change a role's permissions in the admin)."""
    Role.objects.get(code="cs_staff").permissions.remove(
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
    )
    return make_staff("cs_staff", offices=[office], name="孙文员")


def _nothing_written(complaint):
    complaint.refresh_from_db()
    assert complaint.judged_at is None and complaint.handling == ""
    assert not complaint.request.events.filter(type=EventType.COMPLAINT_JUDGED).exists()
    assert not DeveloperRepairSlip.objects.exists()
    assert not ViolationCase.objects.exists()


@pytest.fixture
def neighbour(building):
    return make_household(building, "1602", residents=[owner("李强", "13900001111")])


def test_developer_hand_off_needs_the_repair_slip_permission(client, office, household):
    make_department(office, "万科售后服务部", DepartmentKind.DEVELOPER_AFTER_SALES)
    clerk = _clerk_without(office, "reception", "add_developerrepairslip")
    complaint = new_complaint(clerk, office, household, T0)
    body = {"validity": "coordination", "handling": "developer", "explanation": "保修期内"}
    response = api_client(clerk).post(f"{URL}{complaint.pk}/judge/", body, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "物业返修联系单" in response.json()["message"]
    _nothing_written(complaint)
    assert client.login(username=clerk.username, password=PASSWORD)
    page = client.post(
        reverse("complaints:action", args=[complaint.pk, "judge"]), prefixed("judge", body)
    )
    assert page.status_code == 403
    assert "物业返修联系单" in page.content.decode()
    _nothing_written(complaint)


def test_violation_hand_off_needs_the_violation_permission(client, office, household, neighbour):
    clerk = _clerk_without(office, "violations", "add_violationcase")
    complaint = new_complaint(clerk, office, household, T0)
    body = {
        "validity": "coordination",
        "handling": "violation_case",
        "explanation": "已说明",
        "violation_sub_kind": SubKind.HYGIENE_HOARDING,
    }
    response = api_client(clerk).post(
        f"{URL}{complaint.pk}/judge/", body | {"violator": neighbour.pk}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "登记住户违章" in response.json()["message"]
    _nothing_written(complaint)
    assert client.login(username=clerk.username, password=PASSWORD)
    page = client.post(
        reverse("complaints:action", args=[complaint.pk, "judge"]),
        prefixed("judge", body | {"violator": neighbour.unit.short_code}),
    )
    assert page.status_code == 403
    assert "登记住户违章" in page.content.decode()
    _nothing_written(complaint)
    assert complaint.request.status != Status.CLOSED
    assert complaint.request.deadlines.filter(kind=DeadlineKind.COMPLAINT_SLIP).exists()
