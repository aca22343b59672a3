"""Follow-up visits scheduled and assigned ahead (SOP.md §3 回访; 000 篇10 §4.7 处理完毕后安排
合适人员回访; 004 篇4 §4.9 安排专人回访): a planned date by `complaint.follow_up.within`
(default 3 calendar days after the resident is told), an assignee, a live deadline the sweep
escalates, the assignee's list, and the visit that meets it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints.choices import Severity, ToldChannel, Validity, ValidKind
from complaints.models import Complaint
from complaints.selectors import follow_up_list
from complaints.services import (
    complaint_follow_up,
    complaint_follow_up_assign,
    complaint_hand_over,
    complaint_judge,
    complaint_return_slip,
    complaint_send_slip,
    complaint_tell_resident,
)
from complaints.tests.conftest import at, new_complaint
from core.exceptions import ApplicationError
from core.testing import PASSWORD, api_client, make_office, make_staff
from notifications.models import OutboxMessage
from service_requests.choices import DeadlineKind, EventType, Satisfaction, Status
from service_requests.deadlines import sweep_deadlines
from service_requests.models import Escalation

T0 = at(2026, 3, 2, 9, 0)


def days(n, hours=0):
    return T0 + datetime.timedelta(days=n, hours=hours)


def _told(actor, office, household, cleaning, supervisor, severity=Severity.IMPORTANT):
    """A complaint handled and told the result at T0 by `actor`."""
    complaint = new_complaint(actor, office, household, T0)
    complaint_judge(
        actor=actor,
        complaint=complaint,
        validity=Validity.VALID,
        valid_kind=ValidKind.PROPERTY,
        severity=severity,
        now=T0,
    )
    if severity == Severity.IMPORTANT:
        complaint_hand_over(actor=actor, complaint=complaint, to_user=supervisor, now=T0)
    complaint_send_slip(
        actor=actor, complaint=complaint, department=cleaning, signed_by="陈部长", now=T0
    )
    complaint_return_slip(actor=actor, complaint=complaint, handling="已清理", now=T0)
    complaint_tell_resident(
        actor=actor, complaint=complaint, channel=ToldChannel.PHONE, note="已清理", now=T0
    )
    return Complaint.objects.get(pk=complaint.pk)


def _visits(complaint):
    return list(
        complaint.request.deadlines.filter(kind=DeadlineKind.COMPLAINT_FOLLOW_UP).order_by("round")
    )


def test_required_visit_is_scheduled_and_assigned_when_the_resident_is_told(
    receptionist, supervisor, office, household, cleaning
):
    """000 篇10 §4.7: a 重要 complaint told the result gets a planned visit — a deadline by
    complaint.follow_up.within (3 calendar days: the end of 5 March), assigned to whoever told
    the resident, with a timeline event and a notice; it is in their 我的回访."""
    complaint = _told(receptionist, office, household, cleaning, supervisor)
    (visit,) = _visits(complaint)
    assert timezone.localtime(visit.due_at) == at(2026, 3, 5, 23, 59).replace(second=59)
    assert visit.policy_key == "complaint.follow_up.within" and "000 篇10 §4.7" in visit.clause
    assert complaint.follow_up_by == receptionist
    assert complaint.follow_up_due_at == visit.due_at
    event = complaint.request.events.get(type=EventType.COMPLAINT_FOLLOW_UP_SCHEDULED)
    assert event.data["assignee"] == receptionist.pk and "张婷" in event.internal_note
    assert OutboxMessage.objects.filter(
        recipient=receptionist, subject__contains="回访任务"
    ).exists()
    assert list(follow_up_list(user=receptionist, tab="mine")) == [complaint]
    assert list(follow_up_list(user=supervisor, tab="mine")) == []
    assert list(follow_up_list(user=supervisor, tab="all")) == [complaint]


def test_minor_complaint_visit_is_optional_until_assigned(
    receptionist, supervisor, office, household, cleaning
):
    """000 篇10 §4.7: 轻微 complaints may be visited (complaint.follow_up.minor off): nothing is
    planned, but assigning a visit plans one by the same rule."""
    complaint = _told(receptionist, office, household, cleaning, supervisor, Severity.MINOR)
    assert _visits(complaint) == [] and complaint.follow_up_due_at is None
    complaint_follow_up_assign(actor=supervisor, complaint=complaint, assignee=supervisor, now=T0)
    assert [v.round for v in _visits(complaint)] == [1]
    assert Complaint.objects.get(pk=complaint.pk).follow_up_by == supervisor


def test_supervisor_reassigns_with_a_timeline_event(
    receptionist, supervisor, office, household, cleaning
):
    """The supervisor gives the visit to another staff member (安排合适人员): timeline event,
    notice, the new assignee's list; someone of another office is refused, nothing changed."""
    complaint = _told(receptionist, office, household, cleaning, supervisor)
    colleague = make_staff("cs_staff", offices=[office], name="刘芳")
    outsider = make_staff("cs_staff", offices=[make_office("绿城管理处")], name="外处")
    with pytest.raises(ApplicationError, match="本管理处在职员工"):
        complaint_follow_up_assign(actor=supervisor, complaint=complaint, assignee=outsider)
    with pytest.raises(ApplicationError, match="已指派给张婷"):
        complaint_follow_up_assign(actor=supervisor, complaint=complaint, assignee=receptionist)
    assert Complaint.objects.get(pk=complaint.pk).follow_up_by == receptionist
    assert not complaint.request.events.filter(type=EventType.COMPLAINT_FOLLOW_UP_ASSIGNED).exists()
    complaint_follow_up_assign(actor=supervisor, complaint=complaint, assignee=colleague, now=T0)
    event = complaint.request.events.get(type=EventType.COMPLAINT_FOLLOW_UP_ASSIGNED)
    assert event.data == {"from": receptionist.pk, "to": colleague.pk}
    assert "刘芳" in event.internal_note and event.actor == supervisor
    assert list(follow_up_list(user=colleague, tab="mine")) == [complaint]
    assert list(follow_up_list(user=receptionist, tab="mine")) == []
    assert OutboxMessage.objects.filter(recipient=colleague, subject__contains="回访任务").exists()


def test_no_visit_is_arranged_before_the_result_is_told(
    receptionist, supervisor, office, household
):
    complaint = new_complaint(receptionist, office, household, T0)
    with pytest.raises(ApplicationError) as refused:
        complaint_follow_up_assign(actor=supervisor, complaint=complaint, assignee=receptionist)
    assert refused.value.code == "not_resolved"
    complaint.refresh_from_db()
    assert complaint.follow_up_by is None and complaint.follow_up_due_at is None


def test_missed_visit_is_swept_and_escalated(receptionist, supervisor, office, household, cleaning):
    """The planned visit is a live deadline: the worker marks it missed and escalates it along
    request.escalation_roles like any other limit (SOP.md §2 时限)."""
    complaint = _told(receptionist, office, household, cleaning, supervisor)
    (visit,) = _visits(complaint)
    sweep_deadlines(now=visit.due_at + datetime.timedelta(minutes=1))
    visit.refresh_from_db()
    assert visit.missed_at is not None
    assert Escalation.objects.filter(deadline=visit, level=1).exists()
    assert complaint.request.events.filter(
        type=EventType.DEADLINE_MISSED, data__deadline=DeadlineKind.COMPLAINT_FOLLOW_UP
    ).exists()


def test_recording_the_visit_meets_it(receptionist, supervisor, office, household, cleaning):
    """Who visited, when, satisfied or not, comments: the visit made on 4 March by a colleague
    and recorded on the 6th meets the limit on time; the planned visit leaves the list."""
    complaint = _told(receptionist, office, household, cleaning, supervisor)
    colleague = make_staff("cs_staff", offices=[office], name="刘芳")
    with pytest.raises(ApplicationError, match="不能早于通报住户"):
        complaint_follow_up(
            actor=receptionist,
            complaint=complaint,
            satisfaction=Satisfaction.SATISFIED,
            visited_at=T0 - datetime.timedelta(hours=1),
            now=days(4),
        )
    with pytest.raises(ApplicationError, match="不能晚于现在"):
        complaint_follow_up(
            actor=receptionist,
            complaint=complaint,
            satisfaction=Satisfaction.SATISFIED,
            visited_at=days(5),
            now=days(4),
        )
    assert Complaint.objects.get(pk=complaint.pk).visited_at is None
    complaint_follow_up(
        actor=receptionist,
        complaint=complaint,
        satisfaction=Satisfaction.SATISFIED,
        comment="很满意",
        visited_by=colleague,
        visited_at=days(2),
        now=days(4),
    )
    complaint.refresh_from_db()
    assert (complaint.visited_by, complaint.visited_at) == (colleague, days(2))
    assert complaint.follow_up_due_at is None
    (visit,) = _visits(complaint)
    assert visit.met_at == days(2) and visit.on_time is True
    assert list(follow_up_list(user=receptionist, tab="all")) == []
    assert complaint.request.status == Status.VISITED


def test_unsatisfied_visit_reopens_and_the_next_telling_plans_a_new_visit(
    receptionist, supervisor, office, household, cleaning
):
    """An unsatisfied visit reopens the complaint (000 篇10 §4.7); told again after the new
    handling, a second visit is planned (round 2)."""
    complaint = _told(receptionist, office, household, cleaning, supervisor)
    complaint_follow_up(
        actor=receptionist,
        complaint=complaint,
        satisfaction=Satisfaction.UNSATISFIED,
        comment="还是脏",
        now=days(1),
    )
    complaint.refresh_from_db()
    assert complaint.told_at is None and complaint.request.status == Status.IN_PROGRESS
    assert complaint.follow_up_due_at is None
    complaint_return_slip(actor=receptionist, complaint=complaint, handling="重扫", now=days(2))
    complaint_tell_resident(
        actor=receptionist,
        complaint=Complaint.objects.get(pk=complaint.pk),
        channel=ToldChannel.PHONE,
        note="已重扫",
        now=days(2),
    )
    first, second = _visits(complaint)
    assert (first.round, first.met_at) == (1, days(1))
    assert second.round == 2 and second.met_at is None
    assert Complaint.objects.get(pk=complaint.pk).follow_up_due_at == second.due_at


# --- Console ------------------------------------------------------------------------------------


def test_console_visit_list_plan_and_reassignment(
    client, receptionist, supervisor, office, household, cleaning
):
    complaint = _told(receptionist, office, household, cleaning, supervisor)
    assert client.login(username=receptionist.username, password=PASSWORD)
    page = client.get(reverse("complaints:visits")).content.decode()
    assert complaint.request.number in page
    detail = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert 'data-testid="visit-plan"' in detail and "2026-03-05 23:59" in detail
    client.logout()
    assert client.login(username=supervisor.username, password=PASSWORD)
    response = client.post(
        reverse("complaints:action", args=[complaint.pk, "visit_assign"]),
        {"visit_assign-assignee": supervisor.pk},
    )
    assert response.status_code == 302
    assert Complaint.objects.get(pk=complaint.pk).follow_up_by == supervisor
    assert complaint.request.number in client.get(reverse("complaints:visits")).content.decode()


def test_console_refuses_a_visit_before_the_result(
    client, receptionist, supervisor, office, household
):
    """A refusal is shown in Chinese next to the form and nothing is written."""
    complaint = new_complaint(receptionist, office, household, T0)
    assert client.login(username=supervisor.username, password=PASSWORD)
    response = client.post(
        reverse("complaints:action", args=[complaint.pk, "visit_assign"]),
        {"visit_assign-assignee": receptionist.pk},
    )
    assert response.status_code == 200
    assert "投诉尚未处理完毕并通报住户,不能安排回访" in response.content.decode()
    assert Complaint.objects.get(pk=complaint.pk).follow_up_due_at is None


# --- API ----------------------------------------------------------------------------------------


def test_api_visits_assign_and_record(receptionist, supervisor, office, household, cleaning):
    complaint = _told(receptionist, office, household, cleaning, supervisor)
    mine = api_client(receptionist).get("/api/v1/complaints/visits/").json()
    assert [row["id"] for row in mine["results"]] == [complaint.pk]
    assert mine["results"][0]["follow_up_by_name"] == "张婷"
    url = f"/api/v1/complaints/{complaint.pk}/follow-up/assign/"
    outsider = make_staff("cs_staff", offices=[make_office("绿城管理处")])
    refused = api_client(supervisor).post(url, {"assignee": outsider.pk}, format="json")
    assert refused.status_code == 400
    body = refused.json()
    assert set(body) == {"code", "message", "detail"} and "assignee" in body["detail"]
    assert Complaint.objects.get(pk=complaint.pk).follow_up_by == receptionist
    assigned = api_client(supervisor).post(url, {"assignee": supervisor.pk}, format="json")
    assert assigned.status_code == 200, assigned.json()
    detail = assigned.json()
    assert detail["follow_up_by"] == supervisor.pk and detail["follow_up_due_at"]
    assert [d["round"] for d in detail["deadlines"] if d["kind"] == "complaint_follow_up"] == [1]
    recorded = api_client(supervisor).post(
        f"/api/v1/complaints/{complaint.pk}/follow-up/",
        {"satisfaction": "satisfied", "visited_by": receptionist.pk},
        format="json",
    )
    assert recorded.status_code == 200, recorded.json()
    assert recorded.json()["visited_by_name"] == "张婷"
    assert recorded.json()["follow_up_due_at"] is None
