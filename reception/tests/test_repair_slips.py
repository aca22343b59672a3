"""物业返修联系单 (SOP.md §4 售后; 004 篇3 §4.5): made from a household's developer-warranty
request, sent to the developer's after-sales department the same day, chased every
after_sales.chase_interval until the developer answers; the worker reminds, never twice."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse

from core.authz import ObjectNotFoundError
from core.exceptions import ApplicationError, PermissionDeniedError
from core.testing import PASSWORD, make_department
from notifications.models import OutboxMessage
from organization.choices import DepartmentKind
from policies.rules import Duration
from policies.services import policy_update
from reception import services
from reception.choices import EventType, SlipStatus
from reception.deadlines import sweep_repair_slips
from reception.models import DeveloperRepairSlip, RegisterEvent
from reception.selectors import RegisterFilters, slip_list
from reception.tests.conftest import NOW, after_sales_request, at
from service_requests.choices import Category, Channel, DeadlineKind
from service_requests.choices import EventType as RequestEventType
from service_requests.deadlines import sweep_deadlines
from service_requests.models import Escalation
from service_requests.services import IntakeData, request_intake


@pytest.fixture
def request_(receptionist, office, household):
    return after_sales_request(receptionist, office, household)


def make_slip(actor, request, developer, now=NOW):
    return services.slip_create(
        actor=actor, request=request, developer=developer, defect="卫生间墙面渗水", now=now
    )


def events(slip):
    return list(
        RegisterEvent.objects.filter(register="repair_slip", object_id=slip.pk).values_list(
            "type", flat=True
        )
    )


def test_a_slip_is_due_at_the_developer_by_the_end_of_the_same_day(
    receptionist, request_, developer
):
    """004 篇3 §4.5: 当天返给现场售后部门 (after_sales.slip_send = 0 calendar days)."""
    slip = make_slip(receptionist, request_, developer)
    assert slip.status == SlipStatus.CREATED
    assert slip.send_due_at == at(2026, 11, 23, 23, 59).replace(second=59)
    assert slip.household_id == request_.household_id
    assert events(slip) == [EventType.SLIP_CREATED]
    # The request's own timeline says where its 售后 item went.
    assert request_.events.filter(type=RequestEventType.NOTE_ADDED).count() == 1


def test_working_day_send_limit_ends_on_the_next_working_day(
    manager, receptionist, office, request_, developer
):
    policy_update(
        actor=manager,
        office=office,
        changes={"after_sales.slip_send": Duration(1, "working_days")},
        note="售后部门只在工作日收单",
    )
    friday = at(2026, 11, 27, 16, 0)
    slip = make_slip(receptionist, request_, developer, now=friday)
    assert slip.send_due_at == at(2026, 11, 30, 23, 59).replace(second=59)  # Monday


def test_bad_input_is_refused_in_chinese_and_writes_nothing(
    receptionist, office, request_, developer
):
    engineering = make_department(office, "工程部", DepartmentKind.ENGINEERING)
    with pytest.raises(ApplicationError) as error:
        services.slip_create(actor=receptionist, request=request_, developer=engineering, defect="")
    assert error.value.field_errors["developer"] == ["请选择本管理处在用的开发商售后部门"]
    assert error.value.field_errors["defect"] == ["请填写返修内容"]
    assert not DeveloperRepairSlip.objects.exists()
    assert not RegisterEvent.objects.exists()


def test_wrong_role_and_other_office_are_refused(cleaner, outsider, request_, developer):
    with pytest.raises(PermissionDeniedError, match="无权填写物业返修联系单"):
        make_slip(cleaner, request_, developer)
    with pytest.raises(ObjectNotFoundError):
        make_slip(outsider, request_, developer)
    assert not DeveloperRepairSlip.objects.exists()


def test_send_chase_answer_close(receptionist, request_, developer):
    slip = make_slip(receptionist, request_, developer)
    sent_at = at(2026, 11, 23, 15, 0)
    slip = services.slip_send(actor=receptionist, slip=slip, received_by="刘工", now=sent_at)
    assert slip.status == SlipStatus.SENT
    assert slip.next_chase_at == sent_at + datetime.timedelta(days=3)
    with pytest.raises(ApplicationError, match="该联系单已送出"):
        services.slip_send(actor=receptionist, slip=slip, received_by="刘工")
    chased_at = at(2026, 11, 26, 10, 0)
    slip = services.slip_chase(
        actor=receptionist, slip=slip, note="电话催刘工,称下周派人", now=chased_at
    )
    assert slip.chase_count == 1
    assert slip.next_chase_at == chased_at + datetime.timedelta(days=3)
    with pytest.raises(ApplicationError, match="售后尚未答复"):
        services.slip_close(actor=receptionist, slip=slip, result="已修复")
    slip = services.slip_record_answer(
        actor=receptionist,
        slip=slip,
        answer="12月1日上门修补防水层",
        promised_on=datetime.date(2026, 12, 1),
        now=at(2026, 11, 27, 9, 0),
    )
    assert slip.status == SlipStatus.ANSWERED and slip.next_chase_at is None
    with pytest.raises(ApplicationError, match="无需再督促"):
        services.slip_chase(actor=receptionist, slip=slip, note="再催")
    slip = services.slip_close(
        actor=receptionist, slip=slip, result="已修补,住户确认不再渗水", now=at(2026, 12, 2)
    )
    assert slip.status == SlipStatus.CLOSED
    assert events(slip) == [
        EventType.SLIP_CREATED,
        EventType.SLIP_SENT,
        EventType.SLIP_CHASED,
        EventType.SLIP_ANSWERED,
        EventType.SLIP_CLOSED,
    ]


def test_overdue_slips_are_listed(receptionist, supervisor, office, household, developer):
    unsent = make_slip(
        receptionist, after_sales_request(receptionist, office, household), developer
    )
    waiting = make_slip(
        receptionist, after_sales_request(receptionist, office, household), developer
    )
    services.slip_send(actor=receptionist, slip=waiting, received_by="刘工", now=NOW)
    fresh = make_slip(receptionist, after_sales_request(receptionist, office, household), developer)
    services.slip_send(actor=receptionist, slip=fresh, received_by="刘工", now=at(2026, 11, 24))
    later = at(2026, 11, 26, 12, 0)  # unsent since Monday, first chase of `waiting` due at 10:00
    overdue = slip_list(user=supervisor, filters=RegisterFilters(state="overdue"), now=later)
    assert {s.pk for s in overdue} == {unsent.pk, waiting.pk}


def test_the_sweep_reminds_once_per_due_chase_and_stops_when_answered(
    receptionist, supervisor, request_, developer
):
    """Due → one reminder; run again → still one; developer answered → no more."""
    slip = make_slip(receptionist, request_, developer)
    services.slip_send(actor=receptionist, slip=slip, received_by="刘工", now=NOW)
    assert sweep_repair_slips(NOW + datetime.timedelta(days=2)).count == 0

    due = NOW + datetime.timedelta(days=3, minutes=1)
    first = sweep_repair_slips(due)
    assert first.chases_due == 1
    # cs_staff (张婷) and cs_supervisor (李晓梅), console messages only (no e-mail addresses)
    assert first.notifications == 2
    assert sweep_repair_slips(due + datetime.timedelta(hours=1)).count == 0
    assert OutboxMessage.objects.count() == 2
    assert events(slip).count(EventType.SLIP_CHASE_DUE) == 1

    # Staff chase; the next chase falls due three days later and is reminded once.
    services.slip_chase(actor=receptionist, slip=slip, note="已电话督促", now=due)
    next_due = due + datetime.timedelta(days=3, minutes=1)
    assert sweep_repair_slips(next_due).chases_due == 1
    assert OutboxMessage.objects.count() == 4

    services.slip_record_answer(actor=receptionist, slip=slip, answer="下周一上门", now=next_due)
    assert sweep_repair_slips(next_due + datetime.timedelta(days=30)).count == 0
    assert OutboxMessage.objects.count() == 4


def test_an_unsent_slip_is_reminded_once_after_the_day_ends(receptionist, request_, developer):
    slip = make_slip(receptionist, request_, developer)
    assert sweep_repair_slips(at(2026, 11, 23, 23, 0)).count == 0
    assert sweep_repair_slips(at(2026, 11, 24, 0, 5)).send_overdue == 1
    assert sweep_repair_slips(at(2026, 11, 24, 9, 0)).count == 0
    assert events(slip).count(EventType.SLIP_SEND_OVERDUE) == 1
    subjects = set(OutboxMessage.objects.values_list("subject", flat=True))
    assert subjects == {f"返修联系单{slip.number}未按时送交万科售后服务部"}


def test_the_worker_runs_the_slip_sweep(receptionist, request_, developer, capsys):
    make_slip(receptionist, request_, developer)
    call_command("worker", "--once", "--now", "2026-11-24T09:00:00+08:00")
    assert "repair slips: 1 reminded" in capsys.readouterr().out


def test_console_flow(client, receptionist, request_, developer):
    client.login(username=receptionist.username, password=PASSWORD)
    response = client.post(
        reverse("reception:slip_create", args=[request_.pk]),
        {"developer": developer.pk, "defect": "卫生间墙面渗水"},
    )
    slip = DeveloperRepairSlip.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reception:slip_detail", args=[slip.pk])
    response = client.post(
        reverse("reception:slip_action", args=[slip.pk, "send"]), {"received_by": "刘工"}
    )
    assert response.status_code == 302
    slip.refresh_from_db()
    assert slip.status == SlipStatus.SENT
    page = client.get(reverse("reception:slip_detail", args=[slip.pk])).content.decode()
    assert "刘工" in page and "送交开发商售后" in page
    listing = client.get(reverse("reception:slip_list") + "?state=open").content.decode()
    assert slip.number in listing


def test_console_refusals(client, cleaner, outsider, receptionist, request_, developer):
    slip = make_slip(receptionist, request_, developer)
    client.login(username=cleaner.username, password=PASSWORD)
    assert client.get(reverse("reception:slip_detail", args=[slip.pk])).status_code == 403
    client.logout()
    client.login(username=outsider.username, password=PASSWORD)
    assert client.get(reverse("reception:slip_detail", args=[slip.pk])).status_code == 404
    response = client.post(
        reverse("reception:slip_action", args=[slip.pk, "send"]), {"received_by": "刘工"}
    )
    assert response.status_code == 404
    client.logout()
    client.login(username=receptionist.username, password=PASSWORD)
    response = client.post(
        reverse("reception:slip_action", args=[slip.pk, "send"]), {"received_by": ""}
    )
    assert response.status_code == 200
    assert "请填写售后签收人" in response.content.decode()
    slip.refresh_from_db()
    assert slip.sent_at is None


def test_an_after_sales_call_must_have_its_slip_made_the_same_day(
    receptionist, supervisor, office, household, developer
):
    """SOP.md §4 (004 篇3 §4.5): a 售后 item goes to the developer on a 物业返修联系单 the same
    day. The call itself carries that limit from reception, so a 售后 call nobody made a slip
    for is not forgotten: it is the request's next deadline (end of the call's day), missed and
    escalated to the supervisor by the sweep like any other limit."""
    forgotten = after_sales_request(receptionist, office, household)
    end_of_day = at(2026, 11, 23, 23, 59).replace(second=59)
    deadline = forgotten.deadlines.get(kind=DeadlineKind.AFTER_SALES_SLIP)
    assert deadline.due_at == end_of_day
    assert deadline.policy_key == "after_sales.slip_send"
    forgotten.refresh_from_db()
    assert forgotten.next_deadline_at == end_of_day
    result = sweep_deadlines(now=at(2026, 11, 24, 0, 5))
    assert result.missed == 1
    deadline.refresh_from_db()
    assert deadline.missed_at == at(2026, 11, 24, 0, 5)
    assert Escalation.objects.filter(deadline=deadline, level=1).exists()
    assert OutboxMessage.objects.filter(recipient=supervisor, subject__contains="逾期").exists()


def test_making_the_slip_meets_the_calls_limit(receptionist, office, household, developer):
    """The slip made (the same day) meets the call's limit; the request's next deadline is
    then its repair completion, and the slip's own send and chase limits take over."""
    request = after_sales_request(receptionist, office, household)
    make_slip(receptionist, request, developer, now=at(2026, 11, 23, 11, 0))
    deadline = request.deadlines.get(kind=DeadlineKind.AFTER_SALES_SLIP)
    assert deadline.met_at == at(2026, 11, 23, 11, 0) and deadline.on_time is True
    request.refresh_from_db()
    completion = request.deadlines.get(kind=DeadlineKind.REPAIR_COMPLETION)
    assert request.next_deadline_at == completion.due_at
    assert sweep_deadlines(now=at(2026, 11, 24, 0, 5)).missed == 0


def test_the_calls_slip_limit_follows_the_offices_policy(manager, receptionist, office, household):
    """after_sales.slip_send is the office's policy: 1 working day from a Friday call is the
    end of Monday (the official calendar); other labels have no such limit."""
    policy_update(
        actor=manager,
        office=office,
        changes={"after_sales.slip_send": Duration(1, "working_days")},
        note="次个工作日送出",
    )
    friday = at(2026, 11, 27, 16, 0)
    request = after_sales_request(receptionist, office, household, now=friday)
    deadline = request.deadlines.get(kind=DeadlineKind.AFTER_SALES_SLIP)
    assert deadline.due_at == at(2026, 11, 30, 23, 59).replace(second=59)
    plain = request_intake(
        actor=receptionist,
        office=office,
        data=IntakeData(
            category=Category.REPAIR,
            channel=Channel.PHONE,
            description="厨房水龙头漏水",
            household=household,
        ),
        now=friday,
    )
    assert not plain.deadlines.filter(kind=DeadlineKind.AFTER_SALES_SLIP).exists()
