"""SOP.md §3 协办事项 (003 §4.3): developer defects go to the developer as a 物业返修联系单,
other residents' violations open a violation case — in the judging transaction."""

import pytest
from django.urls import reverse

from complaints.choices import Handling, Validity
from complaints.models import Complaint
from complaints.services import complaint_judge
from complaints.tests.conftest import new_complaint
from core.exceptions import ApplicationError
from core.testing import PASSWORD, api_client, make_department, make_household, owner
from organization.choices import DepartmentKind
from reception.models import DeveloperRepairSlip
from service_requests.choices import EventType
from service_requests.tests.conftest import at
from violations.choices import SubKind
from violations.models import ViolationCase

T0 = at(2026, 3, 2, 9, 0)


@pytest.fixture
def neighbour(building):
    return make_household(building, "1602", residents=[owner("李强", "13900001111")])


def _judge(actor, complaint, handling, **kw):
    return complaint_judge(
        actor=actor,
        complaint=complaint,
        validity=Validity.COORDINATION,
        handling=handling,
        explanation="已向住户说明",
        now=T0,
        **kw,
    )


def test_developer_handling_creates_a_repair_slip(manager, office, household):
    developer = make_department(office, "万科售后服务部", DepartmentKind.DEVELOPER_AFTER_SALES)
    complaint = new_complaint(manager, office, household, T0, text="卫生间墙面渗水")
    _judge(manager, complaint, Handling.DEVELOPER)
    slip = DeveloperRepairSlip.objects.get(service_request=complaint.request)
    assert slip.developer == developer
    assert "卫生间墙面渗水" in slip.defect
    judged = complaint.request.events.get(type=EventType.COMPLAINT_JUDGED)
    assert judged.data["repair_slip"] == slip.pk
    # Judging again does not make a second slip.
    _judge(manager, Complaint.objects.get(pk=complaint.pk), Handling.DEVELOPER)
    assert DeveloperRepairSlip.objects.filter(service_request=complaint.request).count() == 1


def test_developer_handling_without_after_sales_department_is_refused(manager, office, household):
    complaint = new_complaint(manager, office, household, T0)
    with pytest.raises(ApplicationError, match="开发商售后"):
        _judge(manager, complaint, Handling.DEVELOPER)
    complaint.refresh_from_db()
    assert complaint.judged_at is None and complaint.handling == ""
    assert not DeveloperRepairSlip.objects.exists()
    assert not complaint.request.events.filter(type=EventType.COMPLAINT_JUDGED).exists()


def test_violation_handling_opens_a_case(manager, office, household, neighbour):
    complaint = new_complaint(manager, office, household, T0, text="楼上在楼道堆放杂物")
    _judge(
        manager,
        complaint,
        Handling.VIOLATION_CASE,
        violator=neighbour,
        violation_sub_kind=SubKind.HYGIENE_HOARDING,
    )
    case = ViolationCase.objects.get()
    assert case.household == neighbour
    assert case.sub_kind == SubKind.HYGIENE_HOARDING
    assert complaint.request.number in case.description
    judged = complaint.request.events.get(type=EventType.COMPLAINT_JUDGED)
    assert judged.data["violation_case"] == case.pk
    note = complaint.request.events.get(type=EventType.NOTE_ADDED, data__has_key="violation_case")
    assert case.number in note.internal_note
    _judge(
        manager,
        Complaint.objects.get(pk=complaint.pk),
        Handling.VIOLATION_CASE,
        violator=neighbour,
        violation_sub_kind=SubKind.HYGIENE_HOARDING,
    )
    assert ViolationCase.objects.count() == 1


@pytest.mark.parametrize("missing", ["violator", "violation_sub_kind", "self"])
def test_violation_handling_needs_the_household_and_kind(
    manager, office, household, neighbour, missing
):
    complaint = new_complaint(manager, office, household, T0)
    kw = {"violator": neighbour, "violation_sub_kind": SubKind.HYGIENE_HOARDING}
    if missing == "self":
        kw["violator"] = household
    else:
        kw[missing] = None if missing == "violator" else ""
    with pytest.raises(ApplicationError) as error:
        _judge(manager, complaint, Handling.VIOLATION_CASE, **kw)
    assert "violator" in error.value.field_errors or "violation_sub_kind" in (
        error.value.field_errors
    )
    complaint.refresh_from_db()
    assert complaint.judged_at is None
    assert not ViolationCase.objects.exists()


def test_a_refused_violation_case_leaves_nothing(manager, office, household, neighbour):
    """An invalid sub-kind is refused by the violations service: the judgement rolls back."""
    complaint = new_complaint(manager, office, household, T0)
    with pytest.raises(ApplicationError):
        _judge(
            manager,
            complaint,
            Handling.VIOLATION_CASE,
            violator=neighbour,
            violation_sub_kind="nonsense",
        )
    complaint.refresh_from_db()
    assert complaint.judged_at is None and complaint.validity == ""
    assert not ViolationCase.objects.exists()
    assert not complaint.request.events.filter(type=EventType.COMPLAINT_JUDGED).exists()


def test_api_judge_opens_the_violation_case(manager, office, household, neighbour):
    complaint = new_complaint(manager, office, household, T0)
    url = f"/api/v1/complaints/{complaint.pk}/judge/"
    body = {"validity": "coordination", "handling": "violation_case", "explanation": "已说明"}
    missing = api_client(manager).post(url, body, format="json")
    assert missing.status_code == 400, missing.json()
    assert not ViolationCase.objects.exists()
    body |= {"violator": neighbour.pk, "violation_sub_kind": SubKind.HYGIENE_HOARDING}
    response = api_client(manager).post(url, body, format="json")
    assert response.status_code == 200, response.json()
    assert ViolationCase.objects.get().household == neighbour


def test_api_judge_to_developer_without_department_is_refused(manager, office, household):
    complaint = new_complaint(manager, office, household, T0)
    response = api_client(manager).post(
        f"/api/v1/complaints/{complaint.pk}/judge/",
        {"validity": "coordination", "handling": "developer", "explanation": "保修期内"},
        format="json",
    )
    assert response.status_code == 400
    assert "开发商售后" in str(response.json())
    complaint.refresh_from_db()
    assert complaint.judged_at is None


def test_console_judge_form_takes_the_room(client, manager, office, household, neighbour):
    complaint = new_complaint(manager, office, household, T0)
    assert client.login(username=manager.username, password=PASSWORD)
    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert 'name="judge-violator"' in page and 'name="judge-violation_sub_kind"' in page
    client.post(
        reverse("complaints:action", args=[complaint.pk, "judge"]),
        {
            "judge-validity": "coordination",
            "judge-handling": "violation_case",
            "judge-explanation": "已说明",
            "judge-violator": neighbour.unit.short_code,
            "judge-violation_sub_kind": SubKind.HYGIENE_HOARDING,
        },
    )
    assert ViolationCase.objects.get().household == neighbour
