"""REST API of complaints (issue #4): the same services as the console, so the same authority
and policy rules; another office's complaint is the same 404 as a missing one."""

import datetime

import pytest
from django.utils import timezone

from complaints.choices import Severity, Validity
from complaints.models import Complaint
from complaints.tests.conftest import new_complaint
from core.testing import (
    api_client,
    make_building,
    make_estate,
    make_household,
    make_office,
    make_staff,
    owner,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def complaint(receptionist, office, household, now):
    return new_complaint(receptionist, office, household, now)


def _post(user, complaint, path, body):
    return api_client(user).post(f"/api/v1/complaints/{complaint.pk}/{path}/", body, format="json")


def _judged(user, complaint, severity=Severity.IMPORTANT):
    response = _post(
        user,
        complaint,
        "judge",
        {"validity": "valid", "valid_kind": "property", "severity": severity},
    )
    assert response.status_code == 200, response.json()
    return response.json()


def test_list_is_scoped_and_filtered(receptionist, complaint, office, household, now):
    other_office = make_office("绿城管理处")
    other_staff = make_staff("cs_staff", offices=[other_office], name="外处")
    other_household = make_household(
        make_building(make_estate(other_office), "8"),
        "101",
        residents=[owner("李四", "13900000000")],
    )
    new_complaint(other_staff, other_office, other_household, now)
    client = api_client(receptionist)

    body = client.get("/api/v1/complaints/").json()
    assert [row["id"] for row in body["results"]] == [complaint.pk]
    assert body["results"][0]["number"] == complaint.request.number
    assert body["results"][0]["stage"] == "received"

    _judged(receptionist, complaint)
    assert client.get("/api/v1/complaints/?severity=important").json()["count"] == 1
    assert client.get("/api/v1/complaints/?severity=minor").json()["count"] == 0
    assert client.get("/api/v1/complaints/?validity=invalid").json()["count"] == 0
    assert client.get("/api/v1/complaints/?status=replied").json()["count"] == 1
    tomorrow = (timezone.localdate(now) + datetime.timedelta(days=1)).isoformat()
    assert client.get(f"/api/v1/complaints/?received_from={tomorrow}").json()["count"] == 0
    bad = client.get("/api/v1/complaints/?severity=huge")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"


def test_detail_has_deadlines_and_timeline(receptionist, complaint):
    body = api_client(receptionist).get(f"/api/v1/complaints/{complaint.pk}/").json()
    assert body["id"] == complaint.pk
    assert body["timeline"][0]["type"] == "request_received"
    assert {d["kind"] for d in body["deadlines"]}
    assert all(d["clause"] for d in body["deadlines"])
    assert body["steps"] == [] and body["extensions"] == []


def test_other_office_is_404_like_missing(complaint):
    other_office = make_office("绿城管理处")
    stranger = make_staff("office_manager", offices=[other_office], name="外处经理")
    client = api_client(stranger)
    missing = client.get("/api/v1/complaints/999999/")
    other = client.get(f"/api/v1/complaints/{complaint.pk}/")
    assert missing.status_code == other.status_code == 404
    assert other.json() == missing.json()
    refused = _post(stranger, complaint, "judge", {"validity": "invalid"})
    assert refused.status_code == 404


def test_anonymous_is_401(complaint):
    assert api_client().get("/api/v1/complaints/").status_code == 401


def test_the_whole_procedure(receptionist, manager, complaint, cleaning, now):
    """Judge → slip → the department's handling → tell the resident → follow-up → close."""
    assert _judged(receptionist, complaint)["severity"] == "important"
    body = _post(
        receptionist, complaint, "slip", {"department": cleaning.pk, "signed_by": "陈部长"}
    )
    assert body.status_code == 200, body.json()
    assert body.json()["stage"] == "dispatched"
    assert body.json()["slip_department"]["name"] == "保洁部"
    body = _post(receptionist, complaint, "slip-return", {"handling": "已清理"}).json()
    assert body["stage"] == "returned"

    refused = _post(receptionist, complaint, "close", {})
    assert refused.status_code == 400
    assert refused.json()["code"] == "resident_not_told"
    assert Complaint.objects.get(pk=complaint.pk).closed_at is None

    body = _post(receptionist, complaint, "tell", {"channel": "phone", "note": "已清理完毕"})
    assert body.status_code == 200, body.json()
    assert body.json()["stage"] == "told"
    body = _post(receptionist, complaint, "follow-up", {"satisfaction": "satisfied"})
    assert body.status_code == 200, body.json()
    body = _post(receptionist, complaint, "close", {"note": ""})
    assert body.status_code == 200, body.json()
    assert body.json()["stage"] == "closed"
    types = [event["type"] for event in body.json()["timeline"]]
    assert "complaint_slip_sent" in types


def test_slip_to_another_offices_department_is_refused(receptionist, complaint):
    from organization.choices import DepartmentKind
    from organization.models import Department

    other_office = make_office("绿城管理处")
    foreign = Department.objects.create(
        company=other_office.company,
        office=other_office,
        name="外处保洁",
        kind=DepartmentKind.CLEANING,
    )
    _judged(receptionist, complaint)
    refused = _post(receptionist, complaint, "slip", {"department": foreign.pk, "signed_by": "x"})
    assert refused.status_code == 400
    assert "department" in refused.json()["detail"]
    assert Complaint.objects.get(pk=complaint.pk).slip_sent_at is None


def test_extension_approved_only_by_the_policy_role(
    receptionist, assistant, manager, complaint, cleaning
):
    """000 篇10 §4.10.2: a 重要 complaint's extension is the office manager's; the assistant gets
    a 403 with the service's Chinese message and nothing changes."""
    body = _judged(receptionist, complaint)
    resolve = next(d for d in body["deadlines"] if d["kind"] == "complaint_resolve")
    new_due = datetime.datetime.fromisoformat(resolve["due_at"]) + datetime.timedelta(days=3)
    asked = _post(
        receptionist,
        complaint,
        "extensions",
        {"new_due_at": new_due.isoformat(), "reason": "需要订购配件"},
    )
    assert asked.status_code == 200, asked.json()
    extension = asked.json()["extensions"][0]
    assert extension["status"] == "pending"

    path = f"extensions/{extension['id']}/decide"
    refused = _post(assistant, complaint, path, {"approve": True})
    assert refused.status_code == 403
    assert refused.json()["code"] == "wrong_approver"
    assert "只有" in refused.json()["message"]
    detail = api_client(receptionist).get(f"/api/v1/complaints/{complaint.pk}/").json()
    assert detail["extensions"][0]["status"] == "pending"
    due = next(d for d in detail["deadlines"] if d["kind"] == "complaint_resolve")["due_at"]
    assert due == resolve["due_at"]

    approved = _post(manager, complaint, path, {"approve": True, "note": "同意"})
    assert approved.status_code == 200, approved.json()
    assert approved.json()["extensions"][0]["status"] == "approved"
    due = next(d for d in approved.json()["deadlines"] if d["kind"] == "complaint_resolve")
    assert datetime.datetime.fromisoformat(due["due_at"]) == new_due

    missing = _post(manager, complaint, "extensions/999999/decide", {"approve": True})
    assert missing.status_code == 404


def test_follow_up_before_resolution_is_refused(receptionist, complaint):
    _judged(receptionist, complaint)
    refused = _post(receptionist, complaint, "follow-up", {"satisfaction": "satisfied"})
    assert refused.status_code == 400
    assert refused.json()["code"] == "not_resolved"


def test_link_into_a_collective_complaint(receptionist, office, building, complaint, now):
    others = [
        new_complaint(
            receptionist,
            office,
            make_household(building, f"{n}01", residents=[owner(f"住户{n}", f"1380000000{n}")]),
            now,
        )
        for n in (2, 3)
    ]
    body = _post(receptionist, complaint, "link", {"others": [o.pk for o in others]})
    assert body.status_code == 200, body.json()
    assert sorted(body.json()["members"]) == sorted(o.pk for o in others)
    assert body.json()["severity"] == Severity.MAJOR  # three households (policy default)
    missing = _post(receptionist, complaint, "link", {"others": [999999]})
    assert missing.status_code == 400


def test_judging_needs_the_right_to_handle(complaint):
    from organization.models import Staff

    viewer = make_staff("quality_department", offices=[complaint.office], name="品质部")
    assert api_client(viewer).get(f"/api/v1/complaints/{complaint.pk}/").status_code == 200
    refused = _post(viewer, complaint, "judge", {"validity": Validity.INVALID})
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert Complaint.objects.get(pk=complaint.pk).validity == ""
    assert Staff.objects.filter(user=viewer).exists()


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        (
            "received_from=2026-11-30&received_to=2026-11-01",
            "received_from",
            "起始日期(2026-11-30)晚于结束日期(2026-11-01)",
        ),
        ("received_from=2026-11-31", "received_from", "起始日期“2026-11-31”无法识别"),
        ("received_to=tomorrow", "received_to", "结束日期“tomorrow”无法识别"),
    ],
)
def test_list_refuses_a_reversed_or_unreadable_period(
    receptionist, complaint, query, field, message
):
    """A period that ends before it starts is refused, not answered with an empty list; an
    unreadable date says so in Chinese; both name the field (core.periods)."""
    response = api_client(receptionist).get(f"/api/v1/complaints/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_period" and message in body["message"]
    assert list(body["detail"]) == [field] and message in body["detail"][field][0]
    assert "results" not in body
