"""Reopening a complaint (SOP.md §3; 000 篇10 §4.7 不满意的重新处理): a category c request with a
complaint record is reopened on the complaint page, never by the request page's generic reopen
(which would skip the slip, the telling and the visit). Only `complaint.reopen_roles` may; the
complaint gets a new round of its resolve limit."""

import datetime
import re
from collections import Counter

import pytest
from django.urls import reverse

from complaints.choices import Severity
from complaints.models import Complaint
from complaints.services import complaint_close, complaint_follow_up, complaint_reopen
from complaints.tests.conftest import at, new_complaint, prefixed
from complaints.tests.test_follow_up import _told
from core.exceptions import ApplicationError, PermissionDeniedError
from core.testing import PASSWORD, api_client
from service_requests import services as request_services
from service_requests.choices import DeadlineKind, EventType, Satisfaction, Status
from service_requests.deadlines import sweep_deadlines
from service_requests.models import Escalation

T0 = at(2026, 3, 2, 9, 0)


def days(n, hours=0):
    return T0 + datetime.timedelta(days=n, hours=hours)


def _closed(receptionist, office, household, cleaning, supervisor):
    """A 重要 complaint told on 2 March, visited (满意) and closed on the 3rd."""
    complaint = _told(receptionist, office, household, cleaning, supervisor)
    complaint_follow_up(
        actor=receptionist,
        complaint=complaint,
        satisfaction=Satisfaction.SATISFIED,
        now=days(1),
    )
    return complaint_close(actor=receptionist, complaint=complaint, now=days(1))


def _snapshot(complaint):
    request = type(complaint.request).objects.get(pk=complaint.request_id)
    return (
        request.status,
        request.version,
        request.events.count(),
        request.deadlines.count(),
        Complaint.objects.get(pk=complaint.pk).closed_at,
    )


@pytest.fixture
def closed(receptionist, office, household, cleaning, supervisor):
    return _closed(receptionist, office, household, cleaning, supervisor)


def test_generic_reopen_of_a_complaint_is_refused_pointing_to_the_complaint_page(
    client, closed, supervisor
):
    """Service, console and API refuse the request page's reopen with where to do it; nothing
    is written."""
    before = _snapshot(closed)
    url = reverse("complaints:detail", args=[closed.pk])
    request = closed.request
    request.refresh_from_db()
    with pytest.raises(ApplicationError) as refused:
        request_services.request_reopen(
            actor=supervisor, request=request, version=request.version, reason="又脏了"
        )
    assert refused.value.code == "reopen_in_procedure"
    assert "投诉处理" in refused.value.message and url in refused.value.message

    assert client.login(username=supervisor.username, password=PASSWORD)
    page = client.post(
        reverse("service_requests:request_action", args=[request.pk, "reopen"]),
        {"reopen-version": request.version, "reopen-reason": "又脏了"},
    ).content.decode()
    assert "投诉处理" in page and url in page

    response = api_client(supervisor).post(
        f"/api/v1/requests/{request.pk}/reopen/",
        {"version": request.version, "reason": "又脏了"},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "reopen_in_procedure" and "投诉处理" in body["message"]
    assert body["detail"] == {
        "procedure": "投诉处理",
        "url": url,
        "id": closed.pk,
        "step": "reopen",
    }
    assert _snapshot(closed) == before


def test_a_category_c_request_without_a_complaint_record_reopens_as_any_other(
    receptionist, office, household
):
    from service_requests.services import IntakeData, request_intake

    sr = request_intake(
        actor=receptionist,
        office=office,
        data=IntakeData(
            category="c_complaint", channel="phone", description="噪音", reply_now="已记录"
        ),
        now=T0,
    )
    request_services.request_resolve(
        actor=receptionist, request=sr, version=sr.version, result="已劝导", now=T0
    )
    request_services.request_reopen(
        actor=receptionist, request=sr, version=sr.version, reason="仍有噪音", now=days(1)
    )
    assert sr.deadlines.get(kind=DeadlineKind.HANDLE_AGAIN).due_at == days(3)


def test_supervisor_reopens_a_closed_complaint_with_a_new_resolve_round(
    closed, receptionist, supervisor
):
    """000 篇10 §4.10.2: the reopened 重要 complaint must be handled within 3 days again — a
    second round of the resolve limit, swept and escalated; the department returns the slip
    again, the resident is told again and a new visit is planned."""
    complaint = complaint_reopen(
        actor=supervisor, complaint=closed, reason="住户来电:楼道又脏了", now=days(4)
    )
    complaint.refresh_from_db()
    request = complaint.request
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS
    assert complaint.closed_at is None and complaint.told_at is None
    assert complaint.slip_returned_at is None and complaint.satisfaction == ""
    resolve = request.deadlines.filter(kind=DeadlineKind.COMPLAINT_RESOLVE).order_by("round")
    first, second = resolve
    assert first.on_time is True
    assert second.round == 2 and second.policy_key == "complaint.resolve.important"
    assert second.due_at.date() == days(7).date()
    assert not request.deadlines.filter(kind=DeadlineKind.HANDLE_AGAIN).exists()
    reopened = request.events.get(type=EventType.REQUEST_REOPENED)
    assert reopened.actor == supervisor and reopened.internal_note == "住户来电:楼道又脏了"
    assert request.events.filter(data__reopened=True, data__round=2).exists()
    assert request.next_deadline_at == second.due_at

    sweep_deadlines(now=second.due_at + datetime.timedelta(minutes=1))
    second.refresh_from_db()
    assert second.missed_at is not None
    assert Escalation.objects.filter(deadline=second, level=1).exists()


def test_reopen_refusals_write_nothing(closed, receptionist, supervisor, office, household, client):
    """客服管理员 is not in complaint.reopen_roles (403, the message names who may); a complaint
    still being handled, or a reason left empty, is refused (400)."""
    before = _snapshot(closed)
    with pytest.raises(PermissionDeniedError, match="只有客服主管、经理助理、管理处经理"):
        complaint_reopen(actor=receptionist, complaint=closed, reason="又脏了")
    with pytest.raises(ApplicationError, match="请填写重新打开的原因"):
        complaint_reopen(actor=supervisor, complaint=closed, reason=" ")
    open_one = new_complaint(receptionist, office, household, T0)
    with pytest.raises(ApplicationError, match="仍在处理中") as refused:
        complaint_reopen(actor=supervisor, complaint=open_one, reason="又脏了")
    assert refused.value.code == "invalid_transition"

    response = api_client(receptionist).post(
        f"/api/v1/complaints/{closed.pk}/reopen/", {"reason": "又脏了"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "wrong_role"
    assert set(response.json()) == {"code", "message", "detail"}

    assert client.login(username=receptionist.username, password=PASSWORD)
    page = client.get(reverse("complaints:detail", args=[closed.pk])).content.decode()
    assert 'data-testid="form-reopen"' not in page  # not offered to her
    response = client.post(
        reverse("complaints:action", args=[closed.pk, "reopen"]),
        prefixed("reopen", {"reason": "又脏了"}),
    )
    assert response.status_code == 403
    assert "只有客服主管" in response.content.decode()
    assert _snapshot(closed) == before


def test_reopen_from_the_complaint_page_and_the_api(closed, supervisor, manager, client):
    assert client.login(username=supervisor.username, password=PASSWORD)
    page = client.get(reverse("complaints:detail", args=[closed.pk])).content.decode()
    assert 'data-testid="form-reopen"' in page
    response = client.post(
        reverse("complaints:action", args=[closed.pk, "reopen"]),
        prefixed("reopen", {"reason": "住户再次来电"}),
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get(pk=closed.pk)
    assert complaint.closed_at is None and complaint.request.status == Status.IN_PROGRESS
    page = client.get(reverse("complaints:detail", args=[closed.pk])).content.decode()
    assert 'data-testid="form-reopen"' not in page  # being handled again

    # Handled and told again, then reopened through the API by the manager: round 3.
    from complaints.services import complaint_return_slip, complaint_tell_resident

    complaint_return_slip(actor=supervisor, complaint=complaint, handling="再次清理")
    complaint_tell_resident(actor=supervisor, complaint=complaint, channel="phone", note="已清理")
    response = api_client(manager).post(
        f"/api/v1/complaints/{closed.pk}/reopen/", {"reason": "第三次反映"}, format="json"
    )
    assert response.status_code == 200, response.json()
    rounds = [d["round"] for d in response.json()["deadlines"] if d["kind"] == "complaint_resolve"]
    assert rounds == [1, 2, 3]


def test_complaint_page_has_no_duplicate_ids(
    client, receptionist, supervisor, office, household, cleaning
):
    """Every action form has its own prefix: clicking a label focuses its own form's field."""
    complaint = _told(receptionist, office, household, cleaning, supervisor, Severity.MAJOR)
    assert client.login(username=supervisor.username, password=PASSWORD)
    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    ids = Counter(re.findall(r'\sid="([^"]+)"', page))
    assert ids and not [i for i, n in ids.items() if n > 1]
    for label_for in re.findall(r'<label for="([^"]+)"', page):
        assert ids[label_for] == 1
    assert 'id="id_tell-note"' in page and 'id="id_close-note"' in page
