"""Roster and handover (SOP.md §6; 000 篇2 §4.1.1 roster before month end, §4.1.2 duty hours,
§4.1.5 no private swaps, §4.2 handover)."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from core.exceptions import ApplicationError, PermissionDeniedError
from core.testing import PASSWORD, make_office, make_staff
from duty import selectors, services
from duty.choices import ChangeKind, HandoverStatus, ShiftKind
from duty.jobs import sweep_duty
from duty.models import Handover, HandoverItem, LogEntry, Shift
from duty.tests.builders import make_post, make_shift
from notifications.models import OutboxMessage
from service_requests.choices import Category, Channel, Status
from service_requests.models import ServiceRequest
from service_requests.services import IntakeData, request_intake

pytestmark = pytest.mark.django_db

OCTOBER = datetime.date(2026, 10, 1)


@pytest.fixture
def office():
    return make_office()


@pytest.fixture
def supervisor(office):
    return make_staff("cs_supervisor", offices=[office], name="李主管")


@pytest.fixture
def a(office):
    return make_staff("cs_staff", offices=[office], name="王一")


@pytest.fixture
def b(office):
    return make_staff("cs_staff", offices=[office], name="张二")


def test_shifts_follow_the_calendar(office, supervisor):
    """000 篇2 §4.1.2: 17:30–08:30 on working days, 24 h on holidays (国庆) and weekends,
    make-up working days (调休) included."""
    roster = services.roster_generate(actor=supervisor, office=office, month=OCTOBER)
    shifts = {s.date: s for s in roster.shifts.all()}
    assert len(shifts) == 31
    national_day = shifts[datetime.date(2026, 10, 1)]
    assert national_day.kind == ShiftKind.HOLIDAY
    assert timezone.localtime(national_day.starts_at).time() == datetime.time(8, 30)
    assert national_day.ends_at - national_day.starts_at == datetime.timedelta(hours=24)
    monday = shifts[datetime.date(2026, 10, 12)]
    assert monday.kind == ShiftKind.WORKING_DAY
    assert timezone.localtime(monday.starts_at).time() == datetime.time(17, 30)
    assert timezone.localtime(monday.ends_at).time() == datetime.time(8, 30)
    assert shifts[datetime.date(2026, 10, 10)].kind == ShiftKind.WORKING_DAY  # 调休 Saturday


def test_publish_refused_with_uncovered_dates(office, supervisor, a):
    """000 篇2 §4.1.1: a roster with an uncovered shift is not published; the message names
    the dates; nothing changes."""
    roster = services.roster_generate(actor=supervisor, office=office, month=OCTOBER)
    for shift in roster.shifts.exclude(date__in=[datetime.date(2026, 10, 3)]):
        services.shift_assign(actor=supervisor, shift=shift, assignee=a)
    with pytest.raises(ApplicationError, match="10-03") as error:
        services.roster_publish(actor=supervisor, roster=roster)
    assert error.value.code == "roster_uncovered"
    roster.refresh_from_db()
    assert not roster.is_published
    services.shift_assign(
        actor=supervisor, shift=roster.shifts.get(date=datetime.date(2026, 10, 3)), assignee=a
    )
    services.roster_publish(actor=supervisor, roster=roster)
    roster.refresh_from_db()
    assert roster.is_published


def test_staff_cannot_change_the_roster(office, supervisor, a, b):
    """000 篇2 §4.1.5 不允许私自调班: a staff member's direct change is refused, and after
    publication even the supervisor changes shifts only by approving a request."""
    roster = services.roster_generate(actor=supervisor, office=office, month=OCTOBER)
    shift = roster.shifts.first()
    with pytest.raises(PermissionDeniedError, match="私自调班"):
        services.shift_assign(actor=a, shift=shift, assignee=a)
    for s in roster.shifts.all():
        services.shift_assign(actor=supervisor, shift=s, assignee=a)
    services.roster_publish(actor=supervisor, roster=roster)
    with pytest.raises(ApplicationError, match="请假或调班申请"):
        services.shift_assign(actor=supervisor, shift=shift, assignee=b)
    assert Shift.objects.get(pk=shift.pk).assignee == a


def test_leave_needs_approval_and_a_replacement(office, supervisor, a, b):
    """000 篇2 §4.1.5: leave is approved by the supervisor, who names the replacement."""
    now = timezone.now()
    shift = make_shift(office, starts_at=now + datetime.timedelta(days=2), assignee=a)
    change = services.roster_change_request(
        actor=a, shift=shift, kind=ChangeKind.LEAVE, reason="家中有事"
    )
    assert Shift.objects.get(pk=shift.pk).assignee == a  # nothing until approved
    with pytest.raises(PermissionDeniedError):
        services.roster_change_decide(actor=b, change=change, approve=True, replacement=b)
    with pytest.raises(ApplicationError, match="顶班人员"):
        services.roster_change_decide(actor=supervisor, change=change, approve=True)
    services.roster_change_decide(actor=supervisor, change=change, approve=True, replacement=b)
    assert Shift.objects.get(pk=shift.pk).assignee == b


def test_swap_only_through_approval(office, supervisor, a, b):
    now = timezone.now()
    mine = make_shift(office, starts_at=now + datetime.timedelta(days=2), assignee=a)
    theirs = make_shift(office, starts_at=now + datetime.timedelta(days=3), assignee=b)
    with pytest.raises(PermissionDeniedError):
        services.roster_change_request(
            actor=b, shift=mine, kind=ChangeKind.SWAP, reason="x", swap_with=theirs
        )
    change = services.roster_change_request(
        actor=a, shift=mine, kind=ChangeKind.SWAP, reason="考试", swap_with=theirs
    )
    assert Shift.objects.get(pk=mine.pk).assignee == a
    services.roster_change_decide(actor=supervisor, change=change, approve=True)
    assert Shift.objects.get(pk=mine.pk).assignee == b
    assert Shift.objects.get(pk=theirs.pk).assignee == a


def test_roster_warning_from_the_25th_and_worker(office, supervisor):
    """000 篇2 §4.1.1 每月底前编制完成下月值班安排表: warned from the 25th (policy)."""
    assert selectors.roster_missing_warning(office, datetime.date(2026, 9, 24)) is None
    assert "2026-10" in selectors.roster_missing_warning(office, datetime.date(2026, 9, 25))
    now = datetime.datetime(2026, 9, 25, 9, 0, tzinfo=timezone.get_current_timezone())
    assert sweep_duty(now).reminders >= 1
    assert sweep_duty(now).reminders == 0  # once a day
    assert OutboxMessage.objects.filter(recipient=supervisor).exists()


def test_print_and_excel(office, supervisor, a, client):
    services.roster_generate(actor=supervisor, office=office, month=OCTOBER)
    client.login(username=a.username, password=PASSWORD)
    params = {"office": office.pk, "month": "2026-10"}
    assert "值班安排表" in client.get(reverse("duty:roster_print"), params).content.decode()
    response = client.get(reverse("duty:roster_xlsx"), params)
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row >= 31


def test_duty_screen_lists_after_hours_contacts(office, supervisor, a, client):
    """000 篇2 §4.1.7: managers and supervisors reachable after hours, with phones."""
    from organization.models import Staff

    Staff.objects.filter(user=supervisor).update(reachable_after_hours=True, phone="13800000000")
    client.login(username=a.username, password=PASSWORD)
    page = client.get(reverse("duty:index"), {"office": office.pk}).content.decode()
    assert "李主管" in page and "13800000000" in page


# --- Handover ------------------------------------------------------------------------------


def _special_request(actor, office):
    return request_intake(
        actor=actor,
        office=office,
        data=IntakeData(
            category=Category.SECURITY_INCIDENT,
            channel=Channel.PHONE,
            description="地下车库有人打架",
            location="地下车库",
        ),
    )


@pytest.fixture
def handover_setup(office, a, b):
    now = timezone.now()
    make_post(office)
    outgoing = make_shift(office, starts_at=now - datetime.timedelta(hours=15), assignee=a)
    incoming = make_shift(office, starts_at=now + datetime.timedelta(minutes=10), assignee=b)
    return outgoing, incoming, now


def test_handover_flow(office, supervisor, a, b, handover_setup):
    """000 篇2 §4.2: arrival ≥5 min early, inventory with explained discrepancies, previous
    log read, open items carried over, area check, outgoing checklist, both sign."""
    _outgoing, incoming, _now = handover_setup
    repair = request_intake(
        actor=a,
        office=office,
        data=IntakeData(category=Category.REPAIR, channel=Channel.PHONE, description="漏水"),
    )
    handover = services.handover_start(actor=b, shift=incoming)
    assert not handover.arrived_late
    assert list(handover.carried.values_list("service_request", flat=True)) == [repair.pk]
    items = list(handover.post.items.all())
    counts = {i.pk: (i.quantity, "") for i in items}
    counts[items[0].pk] = (1, "")
    with pytest.raises(ApplicationError, match="说明"):
        services.handover_count(actor=b, handover=handover, counts=counts)
    counts[items[0].pk] = (1, "一台送修")
    services.handover_count(actor=b, handover=handover, counts=counts)
    services.handover_log_read(actor=b, handover=handover)
    services.handover_area_check(actor=b, handover=handover, abnormal=False, note="")
    services.handover_outgoing_checklist(actor=a, handover=handover, note="3栋漏水待维修")
    with pytest.raises(PermissionDeniedError):
        services.handover_sign(actor=supervisor, handover=handover)
    services.handover_sign(actor=a, handover=handover)
    services.handover_sign(actor=b, handover=handover)
    assert Handover.objects.get(pk=handover.pk).status == HandoverStatus.COMPLETED
    assert LogEntry.objects.filter(text__contains="交接完成").exists()


def test_late_arrival_is_flagged(office, b, handover_setup):
    _outgoing, incoming, _now = handover_setup
    handover = services.handover_start(
        actor=b, shift=incoming, now=incoming.starts_at - datetime.timedelta(minutes=2)
    )
    assert handover.arrived_late


def test_outgoing_checklist_opens_15_minutes_before(office, a, b):
    """000 篇2 §4.2.2: refused earlier, with the time it opens."""
    now = timezone.now()
    outgoing = make_shift(office, starts_at=now - datetime.timedelta(hours=14), assignee=a)
    incoming = make_shift(office, starts_at=outgoing.ends_at, assignee=b)
    handover = services.handover_start(actor=b, shift=incoming, now=now)
    opens = timezone.localtime(outgoing.ends_at - datetime.timedelta(minutes=15))
    with pytest.raises(ApplicationError, match=f"{opens:%H:%M}才开放"):
        services.handover_outgoing_checklist(actor=a, handover=handover, note="", now=now)
    assert Handover.objects.get(pk=handover.pk).outgoing_checklist_at is None


def test_important_open_work_blocks_until_exception(office, supervisor, a, b, handover_setup):
    """000 篇2 §4.2.2 重要的工作未处理完毕,不允许交班: an open special request blocks both
    signatures until the supervisor approves an exception, which is recorded."""
    _outgoing, incoming, _now = handover_setup
    special = _special_request(a, office)
    handover = services.handover_start(actor=b, shift=incoming)
    assert HandoverItem.objects.get(handover=handover, service_request=special).important
    items = {i.pk: (i.quantity, "") for i in handover.post.items.all()}
    services.handover_count(actor=b, handover=handover, counts=items)
    services.handover_log_read(actor=b, handover=handover)
    services.handover_area_check(actor=b, handover=handover, abnormal=False, note="")
    services.handover_outgoing_checklist(actor=a, handover=handover, note="")
    with pytest.raises(ApplicationError, match="不允许交班") as error:
        services.handover_sign(actor=a, handover=handover)
    assert error.value.code == "important_open_work"
    assert Handover.objects.get(pk=handover.pk).outgoing_signed_at is None
    with pytest.raises(PermissionDeniedError):
        services.handover_exception_approve(actor=b, handover=handover, reason="x")
    services.handover_exception_approve(actor=supervisor, handover=handover, reason="已报经理跟进")
    services.handover_sign(actor=a, handover=handover)
    services.handover_sign(actor=b, handover=handover)
    assert Handover.objects.get(pk=handover.pk).exception_by == supervisor
    assert LogEntry.objects.filter(text__contains="已报经理跟进").exists()
    assert ServiceRequest.objects.get(pk=special.pk).status != Status.CLOSED


def test_only_the_rostered_officer_takes_over(office, a, b, handover_setup):
    _outgoing, incoming, _now = handover_setup
    with pytest.raises(PermissionDeniedError):
        services.handover_start(actor=a, shift=incoming)
    assert not Handover.objects.exists()


def test_console_pages_render(office, supervisor, a, b, client, handover_setup):
    """Every console page of the area renders for the roles that use it."""
    _outgoing, incoming, _now = handover_setup
    roster = services.roster_generate(actor=supervisor, office=office, month=OCTOBER)
    handover = services.handover_start(actor=b, shift=incoming)
    entry = services.log_entry_add(actor=a, office=office, text="巡查")
    change = (
        services.roster_change_request(
            actor=a,
            shift=_outgoing.__class__.objects.get(pk=_outgoing.pk),
            kind="leave",
            reason="病",
        )
        if _outgoing.ends_at > timezone.now()
        else None
    )
    client.login(username=supervisor.username, password=PASSWORD)
    urls = [
        reverse("duty:index") + f"?office={office.pk}",
        reverse("duty:roster") + f"?office={office.pk}&month=2026-10",
        reverse("duty:handover_detail", args=[handover.pk]),
        reverse("duty:log_correct", args=[entry.pk]),
        reverse("duty:missed_call") + f"?office={office.pk}",
        reverse("duty:change_request", args=[roster.shifts.first().pk]),
    ]
    if change:
        urls.append(reverse("duty:change_decide", args=[change.pk]))
    for url in urls:
        assert client.get(url).status_code == 200, url
    client.logout()
    client.login(username=b.username, password=PASSWORD)
    assert client.get(reverse("duty:handover_detail", args=[handover.pk])).status_code == 200
