"""The steps the complaint procedure takes itself (SOP.md §3; complaints.hooks.COMPLAINT_STEPS):
on a category c request with a complaint record the request page's result, confirmation,
follow-up visit, close, referral, cancellation and reopening would skip the slip, telling the
resident (000 篇10 §4.6), the visit 重大/重要 need (§4.7) and the complaint's own record. The
services refuse them with where to take them (nothing written), the request page offers a link
to the complaint page instead of their forms; the desk's reply, dispatch and notes stay."""

import re

import pytest
from django.urls import reverse

from complaints.models import Complaint
from complaints.tests.conftest import at, new_complaint
from complaints.tests.test_follow_up import _told
from core.exceptions import ApplicationError
from core.testing import PASSWORD, api_client, make_resident_account
from organization.choices import DepartmentKind
from organization.models import Department
from service_requests import services as request_services
from service_requests.choices import Category, Channel, Status
from service_requests.services import IntakeData, request_intake

T0 = at(2026, 3, 2, 9, 0)
OWNED = {"resolve", "confirm", "follow_up", "close", "refer", "cancel", "reopen"}


def _snapshot(complaint):
    request = type(complaint.request).objects.get(pk=complaint.request_id)
    fresh = Complaint.objects.get(pk=complaint.pk)
    return (
        request.status,
        request.version,
        request.events.count(),
        request.deadlines.count(),
        fresh.closed_at,
        fresh.visited_at,
    )


def _offered(page: str) -> set[str]:
    return set(re.findall(r'data-action="([a-z_]+)"', page))


@pytest.fixture
def told(receptionist, office, household, cleaning, supervisor):
    """A 重要 complaint told the result: its visit is still due, so it may not close yet."""
    return _told(receptionist, office, household, cleaning, supervisor)


@pytest.fixture
def outside(office):
    return Department.objects.create(
        company=office.company, office=office, name="自来水公司", kind=DepartmentKind.OTHER_EXTERNAL
    )


def _generic(step, actor, request, outside):
    """The request page's version of the step, through its service."""
    common = {"actor": actor, "request": request, "version": request.version, "now": T0}
    calls = {
        "resolve": lambda: request_services.request_resolve(**common, result="已清理"),
        "confirm": lambda: request_services.request_confirm(**common, channel="phone"),
        "follow_up": lambda: request_services.request_follow_up(**common, satisfaction="satisfied"),
        "close": lambda: request_services.request_close(**common),
        "refer": lambda: request_services.request_refer(
            **common, party=outside, resident_told="请联系自来水公司"
        ),
        "cancel": lambda: request_services.request_cancel(**common, reason="重复登记"),
    }
    return calls[step]()


@pytest.mark.parametrize("step", ["follow_up", "close", "confirm"])
def test_generic_visit_close_and_confirm_of_a_told_complaint_are_refused(
    told, supervisor, outside, step
):
    """000 篇10 §4.6–4.7: the visit is the complaint's (who, when, satisfaction) and it closes
    only after the visit its severity requires — the request page's steps are refused with
    where to take them, and nothing is written."""
    before = _snapshot(told)
    request = told.request
    request.refresh_from_db()
    with pytest.raises(ApplicationError) as refused:
        _generic(step, supervisor, request, outside)
    url = reverse("complaints:detail", args=[told.pk])
    assert refused.value.code == "step_in_procedure"
    assert "投诉处理" in refused.value.message and url in refused.value.message
    assert refused.value.extra == {"procedure": "投诉处理", "url": url, "id": told.pk, "step": step}
    assert _snapshot(told) == before


@pytest.mark.parametrize("step", ["resolve", "refer", "cancel"])
def test_generic_result_referral_and_cancel_of_an_open_complaint_are_refused(
    receptionist, supervisor, office, household, outside, step
):
    """000 篇10 §4.5: the result is the department's returned slip; a referral or cancellation
    would end the request while the complaint stayed open (listed, swept, blocking the duty
    handover)."""
    complaint = new_complaint(receptionist, office, household, T0)
    before = _snapshot(complaint)
    request = complaint.request
    request.refresh_from_db()
    with pytest.raises(ApplicationError) as refused:
        _generic(step, supervisor, request, outside)
    assert refused.value.code == "step_in_procedure" and "投诉处理" in refused.value.message
    assert _snapshot(complaint) == before


def test_api_refuses_the_follow_up_and_close_with_the_complaint(told, supervisor):
    """400 `step_in_procedure`, `detail` naming the complaint's page and id; nothing written."""
    before = _snapshot(told)
    request = told.request
    request.refresh_from_db()
    url = reverse("complaints:detail", args=[told.pk])
    api = api_client(supervisor)
    for path, body, step in [
        ("follow-up", {"satisfaction": "satisfied"}, "follow_up"),
        ("close", {"note": ""}, "close"),
    ]:
        response = api.post(
            f"/api/v1/requests/{request.pk}/{path}/",
            {"version": request.version, **body},
            format="json",
        )
        assert response.status_code == 400, response.content
        error = response.json()
        assert error["code"] == "step_in_procedure" and "投诉处理" in error["message"]
        assert error["detail"] == {"procedure": "投诉处理", "url": url, "id": told.pk, "step": step}
    assert _snapshot(told) == before


def test_resident_cannot_confirm_a_complaint_in_the_app(
    receptionist, supervisor, office, household, cleaning
):
    """The centre tells the resident the complaint's result and records it (000 篇10 §4.6)."""
    from complaints.choices import Severity, Validity, ValidKind
    from complaints.services import (
        complaint_hand_over,
        complaint_judge,
        complaint_return_slip,
        complaint_send_slip,
    )

    complaint = new_complaint(receptionist, office, household, T0)
    complaint_judge(
        actor=receptionist,
        complaint=complaint,
        validity=Validity.VALID,
        valid_kind=ValidKind.PROPERTY,
        severity=Severity.IMPORTANT,
        now=T0,
    )
    complaint_hand_over(actor=receptionist, complaint=complaint, to_user=supervisor, now=T0)
    complaint_send_slip(
        actor=receptionist, complaint=complaint, department=cleaning, signed_by="陈部长", now=T0
    )
    complaint_return_slip(actor=receptionist, complaint=complaint, handling="已清理", now=T0)
    before = _snapshot(complaint)
    request = complaint.request
    request.refresh_from_db()
    assert request.status == Status.RESOLVED
    response = api_client(make_resident_account(household)).post(
        f"/api/v1/requests/{request.pk}/confirm/",
        {"version": request.version, "confirmation_channel": "portal"},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "step_in_procedure"
    assert _snapshot(complaint) == before


def test_request_page_links_to_the_complaint_instead_of_its_steps(client, told, supervisor):
    """The page offers none of the complaint's own steps, but the link 在投诉处理中办理; the
    notes stay."""
    assert client.login(username=supervisor.username, password=PASSWORD)
    page = client.get(
        reverse("service_requests:request_detail", args=[told.request_id])
    ).content.decode()
    url = reverse("complaints:detail", args=[told.pk])
    assert not _offered(page) & OWNED
    assert "note" in _offered(page)
    link = re.search(r'<a [^>]*data-testid="procedure-link"[^>]*>([^<]*)</a>', page)
    assert link and f'href="{url}"' in link.group(0) and link.group(1) == "在投诉处理中办理"


def test_request_page_of_an_open_complaint_keeps_reply_dispatch_and_notes(
    client, receptionist, supervisor, office, household
):
    """The complaint procedure relies on the desk's dispatch (the slip sends it) and notes."""
    complaint = new_complaint(receptionist, office, household, T0)
    assert client.login(username=supervisor.username, password=PASSWORD)
    page = client.get(
        reverse("service_requests:request_detail", args=[complaint.request_id])
    ).content.decode()
    offered = _offered(page)
    assert {"dispatch", "note"} <= offered and not offered & OWNED
    assert 'data-testid="procedure-link"' in page


def test_console_post_of_close_is_refused_with_the_complaint_link(client, told, supervisor):
    before = _snapshot(told)
    request = told.request
    request.refresh_from_db()
    assert client.login(username=supervisor.username, password=PASSWORD)
    page = client.post(
        reverse("service_requests:request_action", args=[request.pk, "close"]),
        {"close-version": request.version, "close-note": ""},
    ).content.decode()
    refusal = re.search(r'data-testid="refusal">([^<]*)<', page).group(1)
    url = reverse("complaints:detail", args=[told.pk])
    assert "投诉处理" in refusal and url in refusal and "关闭" in refusal
    assert _snapshot(told) == before


def test_category_c_request_without_a_complaint_record_keeps_the_generic_steps(
    client, receptionist, supervisor, office, household
):
    """Until a complaint is recorded, the request is handled like any other (SOP.md §2)."""
    sr = request_intake(
        actor=receptionist,
        office=office,
        data=IntakeData(
            category=Category.COMPLAINT,
            channel=Channel.PHONE,
            description="噪音",
            household=household,
            reply_now="已记录",
        ),
        now=T0,
    )
    request_services.request_resolve(
        actor=receptionist, request=sr, version=sr.version, result="已劝导", now=T0
    )
    request_services.request_confirm(
        actor=receptionist, request=sr, version=sr.version, channel="phone", now=T0
    )
    assert client.login(username=supervisor.username, password=PASSWORD)
    page = client.get(reverse("service_requests:request_detail", args=[sr.pk])).content.decode()
    assert {"follow_up", "close", "reopen"} <= _offered(page)
    assert 'data-testid="procedure-link"' not in page
    request_services.request_follow_up(
        actor=supervisor, request=sr, version=sr.version, satisfaction="satisfied", now=T0
    )
    request_services.request_close(actor=supervisor, request=sr, version=sr.version, now=T0)
    assert sr.status == Status.CLOSED


def test_staff_who_cannot_open_complaints_read_why_without_a_link(client, told, office):
    """A technician sees the request (it was dispatched to his department) and why its steps
    are elsewhere, but no link to a page he may not open."""
    from core.testing import make_staff

    technician = make_staff("technician", offices=[office])
    assert client.login(username=technician.username, password=PASSWORD)
    page = client.get(reverse("service_requests:request_detail", args=[told.request_id]))
    assert page.status_code == 200
    content = page.content.decode()
    assert 'data-testid="procedure-note"' in content
    assert 'data-testid="procedure-link"' not in content
    assert not _offered(content) & OWNED
