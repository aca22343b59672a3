"""A reopened request has a live deadline at once (principle 4: every open item knows its
deadline, is escalated when it passes and counts in the on-time rate, 003 §5.5). A repair must
agree its completion again within the policy's maximum promise (SOP.md §4; 003 §5.2, 3 days);
any other category must be handled again within `request.handle_again` (2 calendar days by
default). The limit is a new round of the deadline: shown on the request page and in the API."""

import datetime

import pytest
from django.urls import reverse

from core.exceptions import ApplicationError
from core.testing import PASSWORD, api_client
from service_requests import services
from service_requests.choices import (
    Category,
    Channel,
    DeadlineKind,
    EventType,
    Satisfaction,
    Status,
)
from service_requests.deadlines import sweep_deadlines
from service_requests.models import Deadline, Escalation, ServiceRequest
from service_requests.reports import on_time_total
from service_requests.services import IntakeData, request_intake
from service_requests.tests.conftest import at

NOW = at(2026, 11, 23, 10, 0)
NOVEMBER = {"date_from": datetime.date(2026, 11, 1), "date_to": datetime.date(2026, 11, 30)}


def hours(n):
    return NOW + datetime.timedelta(hours=n)


def _closed(actor, office, household, category, description):
    """A request answered, resolved, confirmed and closed within the hour."""
    r = request_intake(
        actor=actor,
        office=office,
        data=IntakeData(
            category=category,
            channel=Channel.PHONE,
            description=description,
            household=household,
            reply_now="马上处理",
        ),
        now=NOW,
    )
    if category == Category.REPAIR:
        services.request_set_appointment(
            actor=actor, request=r, version=r.version, promised_at=hours(24), now=NOW
        )
    services.request_resolve(
        actor=actor, request=r, version=r.version, result="已处理", now=hours(1)
    )
    services.request_confirm(
        actor=actor, request=r, version=r.version, channel="phone", now=hours(1)
    )
    services.request_close(actor=actor, request=r, version=r.version, now=hours(1))
    return r


@pytest.fixture
def closed_repair(office, household, receptionist):
    return _closed(receptionist, office, household, Category.REPAIR, "厨房水龙头漏水")


@pytest.fixture
def closed_other(office, household, receptionist):
    return _closed(receptionist, office, household, Category.OTHER, "快递柜取不出包裹")


def _open(request):
    return Deadline.objects.get(request=request, met_at=None, cancelled_at=None)


def test_reopened_repair_must_agree_its_completion_again_within_three_days(
    closed_repair, receptionist, supervisor
):
    """SOP.md §4 (003 §5.2): the reopened repair's new completion round is due at the latest
    promise the policy allows from the reopening; agreeing a time with the resident moves it;
    left to pass, the sweep misses and escalates it and the request is late (003 §5.5)."""
    r = closed_repair
    services.request_reopen(
        actor=receptionist, request=r, version=r.version, reason="住户来电:又漏水", now=hours(30)
    )
    r.refresh_from_db()
    deadline = _open(r)
    assert (deadline.kind, deadline.round) == (DeadlineKind.REPAIR_COMPLETION, 2)
    assert deadline.due_at == hours(30 + 72)
    assert deadline.policy_key == "repair.promised_date_max" and "003 §5.2" in deadline.clause
    assert r.status == Status.IN_PROGRESS and r.next_deadline_at == hours(102)
    event = r.events.get(type=EventType.REQUEST_REOPENED)
    assert event.data["round"] == 2 and event.data["deadline"] == DeadlineKind.REPAIR_COMPLETION

    # A promise beyond 3 days after the reopening is refused, nothing written.
    with pytest.raises(ApplicationError, match="重新打开后"):
        services.request_set_appointment(
            actor=receptionist,
            request=r,
            version=r.version,
            promised_at=hours(103),
            reason="返修",
            now=hours(31),
        )
    services.request_set_appointment(
        actor=receptionist,
        request=r,
        version=r.version,
        promised_at=hours(50),
        reason="返修",
        now=hours(31),
    )
    rounds = r.deadlines.filter(kind=deadline.kind).order_by("round")
    assert [(d.round, d.due_at, d.on_time) for d in rounds] == [
        (1, hours(24), True),
        (2, hours(50), None),
    ]

    sweep_deadlines(now=hours(51))
    missed = Deadline.objects.get(pk=deadline.pk)
    assert missed.missed_at == hours(51)
    assert Escalation.objects.filter(deadline=missed, level=1).exists()
    assert on_time_total(user=supervisor, now=hours(52), **NOVEMBER).on_time == 0


def test_reopened_other_request_must_be_handled_again_within_the_policy_limit(
    closed_other, receptionist, supervisor
):
    """Not a repair: a 重新处理 limit from `request.handle_again` (2 calendar days by default,
    SOP.md §2 事事有着落) — met on time by handling it again; the request stays on time."""
    r = closed_other
    services.request_reopen(
        actor=receptionist, request=r, version=r.version, reason="包裹仍未取出", now=hours(5)
    )
    deadline = _open(r)
    assert (deadline.kind, deadline.round) == (DeadlineKind.HANDLE_AGAIN, 1)
    assert deadline.due_at == hours(5 + 48) and deadline.policy_key == "request.handle_again"
    assert "SOP.md §2" in deadline.clause
    services.request_resolve(
        actor=receptionist, request=r, version=r.version, result="已联系快递员", now=hours(20)
    )
    assert Deadline.objects.get(pk=deadline.pk).met_at == hours(20)
    assert on_time_total(user=supervisor, now=hours(60), **NOVEMBER).on_time == 1

    # Reopened again and left: the sweep misses the second round and escalates it.
    services.request_reopen(
        actor=receptionist, request=r, version=r.version, reason="又取不出", now=hours(21)
    )
    second = _open(r)
    assert (second.kind, second.round) == (DeadlineKind.HANDLE_AGAIN, 2)
    result = sweep_deadlines(now=hours(21 + 49))
    assert result.missed == 1
    assert Escalation.objects.filter(deadline=second, level=1).exists()
    assert r.events.filter(
        type=EventType.DEADLINE_MISSED, data__deadline=DeadlineKind.HANDLE_AGAIN
    ).exists()
    assert on_time_total(user=supervisor, now=hours(80), **NOVEMBER).on_time == 0


def test_unsatisfied_follow_up_opens_the_limit_too(office, household, receptionist):
    """An unsatisfied 回访 reopens the request (SOP.md §2): the same new round."""
    r = request_intake(
        actor=receptionist,
        office=office,
        data=IntakeData(
            category=Category.OTHER,
            channel=Channel.PHONE,
            description="借用人字梯",
            household=household,
            reply_now="好的",
        ),
        now=NOW,
    )
    services.request_resolve(
        actor=receptionist, request=r, version=r.version, result="已借", now=NOW
    )
    services.request_follow_up(
        actor=receptionist,
        request=r,
        version=r.version,
        satisfaction=Satisfaction.UNSATISFIED,
        comment="梯子坏了",
        now=hours(2),
    )
    deadline = _open(r)
    assert (deadline.kind, deadline.due_at) == (DeadlineKind.HANDLE_AGAIN, hours(50))


def test_reopen_without_a_reason_is_refused_and_writes_nothing(closed_other, receptionist, client):
    """Console and API: a clear Chinese refusal, no deadline, no event, status unchanged."""
    r = closed_other
    events = r.events.count()
    assert client.login(username=receptionist.username, password=PASSWORD)
    page = client.post(
        reverse("service_requests:request_action", args=[r.pk, "reopen"]),
        {"reopen-version": r.version, "reopen-reason": "  "},
    ).content.decode()
    assert "重新打开须填写原因" in page or "这个字段是必填项" in page
    response = api_client(receptionist).post(
        f"/api/v1/requests/{r.pk}/reopen/", {"version": r.version, "reason": " "}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"code", "message", "detail"}
    r.refresh_from_db()
    assert r.status == Status.CLOSED and r.events.count() == events
    assert not r.deadlines.filter(kind=DeadlineKind.HANDLE_AGAIN).exists()


def test_request_page_and_api_show_the_new_round(closed_repair, receptionist, client):
    r = closed_repair
    assert client.login(username=receptionist.username, password=PASSWORD)
    response = client.post(
        reverse("service_requests:request_action", args=[r.pk, "reopen"]),
        {"reopen-version": r.version, "reopen-reason": "又漏水了"},
    )
    assert response.status_code == 302
    page = client.get(reverse("service_requests:request_detail", args=[r.pk])).content.decode()
    assert "第2轮" in page and "003 §5.2" in page
    detail = api_client(receptionist).get(f"/api/v1/requests/{r.pk}/").json()
    rounds = [
        (d["kind"], d["round"], d["state"])
        for d in detail["deadlines"]
        if d["kind"] == DeadlineKind.REPAIR_COMPLETION
    ]
    assert (DeadlineKind.REPAIR_COMPLETION, 2, "open") in rounds
    assert ServiceRequest.objects.get(pk=r.pk).next_deadline_at is not None
