"""A request may meet the same kind of limit again (issue #4 gap: a reopened request's new
limit must be a real deadline). Each time is a new round of the Deadline, so the earlier round
keeps its met or missed record and the new one is swept, escalated and counted (SOP.md §2
时限; 003 §5.5 处理及时率)."""

import datetime

import pytest
from django.utils import timezone

from policies.rules import Duration
from policies.services import policy_update
from service_requests import services
from service_requests.choices import Category, Channel, DeadlineKind, EventType, Satisfaction
from service_requests.deadlines import sweep_deadlines
from service_requests.models import Deadline, Escalation
from service_requests.reports import on_time_total, request_is_on_time
from service_requests.selectors import RequestFilters, request_list
from service_requests.services import IntakeData, request_intake
from service_requests.tests.conftest import at

NOW = at(2026, 11, 23, 10, 0)
NOVEMBER = {"date_from": datetime.date(2026, 11, 1), "date_to": datetime.date(2026, 11, 30)}


def hours(n):
    return NOW + datetime.timedelta(hours=n)


@pytest.fixture
def repair(office, household, receptionist, engineering, technician):
    r = request_intake(
        actor=receptionist,
        office=office,
        data=IntakeData(
            category=Category.REPAIR,
            channel=Channel.PHONE,
            description="厨房水龙头漏水",
            household=household,
            reply_now="马上派工程部",
        ),
        now=NOW,
    )
    services.request_dispatch(
        actor=receptionist, request=r, version=r.version, department=engineering, now=NOW
    )
    services.request_acknowledge(actor=technician, request=r, version=r.version, now=NOW)
    return r


def _rounds(request):
    return list(request.deadlines.filter(kind=DeadlineKind.REPAIR_COMPLETION).order_by("round"))


def test_reopened_repair_gets_a_new_appointment_round_that_can_be_missed(
    repair, receptionist, technician, supervisor
):
    """An unsatisfied follow-up reopens the repair (SOP.md §2 回访); the new appointment, agreed
    within the policy's 3 days (003 §5.2) counted from the reopening, is a second round: the
    first keeps its on-time record, the second is missed by the sweep, escalated and makes the
    request late in the on-time rate."""
    r = repair
    services.request_set_appointment(
        actor=technician, request=r, version=r.version, promised_at=hours(24), now=hours(1)
    )
    services.request_resolve(
        actor=technician, request=r, version=r.version, result="更换阀芯", now=hours(20)
    )
    services.request_follow_up(
        actor=receptionist,
        request=r,
        version=r.version,
        satisfaction=Satisfaction.UNSATISFIED,
        comment="还在漏",
        now=hours(24 * 4),
    )
    # Four days after reception: the 3-day maximum counts from the reopening.
    services.request_set_appointment(
        actor=technician,
        request=r,
        version=r.version,
        promised_at=hours(24 * 5),
        reason="返修",
        now=hours(97),
    )
    first, second = _rounds(r)
    assert (first.round, first.met_at, first.on_time) == (1, hours(20), True)
    assert (second.round, second.met_at, second.missed_at) == (2, None, None)
    assert second.due_at == hours(24 * 5)
    r.refresh_from_db()
    assert r.next_deadline_at == hours(24 * 5)

    result = sweep_deadlines(now=hours(24 * 5 + 1))
    assert result.missed == 1
    second.refresh_from_db()
    assert second.missed_at == hours(24 * 5 + 1)
    assert Escalation.objects.filter(deadline=second, level=1).exists()
    missed = r.events.get(type=EventType.DEADLINE_MISSED)
    assert missed.data["deadline"] == DeadlineKind.REPAIR_COMPLETION
    first.refresh_from_db()
    assert first.missed_at is None and first.on_time is True

    later = hours(24 * 6)
    assert on_time_total(user=supervisor, now=later, **NOVEMBER).on_time == 0
    assert (
        request_is_on_time(type(r).objects.prefetch_related("deadlines").get(pk=r.pk), later)
        is False
    )


def test_a_new_time_after_a_miss_keeps_the_miss(repair, technician, supervisor):
    """Agreeing a new time while the last still runs moves it; after it was missed the miss
    stays on record (and escalates no further) and the new time is a new round."""
    r = repair
    services.request_set_appointment(
        actor=technician, request=r, version=r.version, promised_at=hours(5), now=hours(1)
    )
    services.request_set_appointment(
        actor=technician,
        request=r,
        version=r.version,
        promised_at=hours(6),
        reason="住户改约",
        now=hours(2),
    )
    assert [(d.round, d.due_at) for d in _rounds(r)] == [(1, hours(6))]
    sweep_deadlines(now=hours(7))
    services.request_set_appointment(
        actor=technician,
        request=r,
        version=r.version,
        promised_at=hours(30),
        reason="配件未到",
        now=hours(8),
    )
    first, second = _rounds(r)
    assert first.missed_at == hours(7) and first.cancelled_at == hours(8)
    assert first.next_escalation_at is None and first.on_time is False
    assert (second.round, second.due_at, second.missed_at) == (2, hours(30), None)
    # The first round's next escalation level never comes.
    sweep_deadlines(now=hours(29))
    assert Escalation.objects.filter(deadline=first).count() == 1
    assert not Deadline.objects.get(pk=second.pk).missed_at
    services.request_resolve(
        actor=technician, request=r, version=r.version, result="已修好", now=hours(29)
    )
    assert Deadline.objects.get(pk=second.pk).on_time is True
    # Still late overall: the first round was missed (003 §5.5).
    assert on_time_total(user=supervisor, now=hours(30), **NOVEMBER).on_time == 0


def test_a_repair_nobody_agreed_a_time_for_is_overdue_after_the_policy_maximum(repair, supervisor):
    """SOP.md §4 (003 §5.2): what is not fixed at once is done by a promised date, normally
    no more than 3 days out. A repair that was answered and dispatched but for which nobody
    agreed a time is not left without a deadline: its completion is due 3 calendar days after
    the call, shows in the overdue queue once that passes, and is missed, escalated to the
    supervisor and counted late like any other limit."""
    r = repair
    [completion] = _rounds(r)
    assert (completion.round, completion.due_at) == (1, hours(72))
    assert completion.policy_key == "repair.promised_date_max"
    assert completion.clause.startswith("SOP.md §4")
    r.refresh_from_db()
    assert r.next_deadline_at == hours(72)  # the queue sorts and marks it by this

    def overdue(now):
        return list(request_list(user=supervisor, filters=RequestFilters(queue="overdue"), now=now))

    assert overdue(hours(71)) == []
    assert overdue(hours(73)) == [r]
    result = sweep_deadlines(now=hours(73))
    assert result.missed == 1
    completion.refresh_from_db()
    assert completion.missed_at == hours(73)
    assert Escalation.objects.filter(deadline=completion, level=1).exists()
    assert r.events.get(type=EventType.DEADLINE_MISSED).data["deadline"] == (
        DeadlineKind.REPAIR_COMPLETION
    )
    assert on_time_total(user=supervisor, now=hours(74), **NOVEMBER).on_time == 0


def test_agreeing_a_time_moves_the_completion_limit_of_the_call(repair, technician):
    """The time agreed with the resident (SOP.md §4) replaces the policy's maximum in the same
    round: one completion limit, due at the agreed time; met when the result is recorded."""
    r = repair
    services.request_set_appointment(
        actor=technician, request=r, version=r.version, promised_at=hours(30), now=hours(1)
    )
    [completion] = _rounds(r)
    assert (completion.round, completion.due_at) == (1, hours(30))
    r.refresh_from_db()
    assert r.next_deadline_at == hours(30)
    services.request_resolve(
        actor=technician, request=r, version=r.version, result="已修好", now=hours(29)
    )
    completion.refresh_from_db()
    assert completion.on_time is True


def test_the_completion_limit_follows_the_offices_policy(office, household, receptionist, manager):
    """Every time limit is policy (SOP.md §2): an office that promises repairs within 2 working
    days gets the limit in working days of the official calendar (Monday 23 Nov -> Wednesday)."""
    policy_update(
        actor=manager,
        office=office,
        changes={"repair.promised_date_max": Duration(2, "working_days")},
        note="维修两个工作日内完成",
    )
    r = request_intake(
        actor=receptionist,
        office=office,
        data=IntakeData(
            category=Category.REPAIR,
            channel=Channel.PHONE,
            description="阳台窗户关不严",
            household=household,
        ),
        now=NOW,
    )
    [completion] = _rounds(r)
    assert timezone.localtime(completion.due_at).date() == datetime.date(2026, 11, 25)
    other = request_intake(
        actor=receptionist,
        office=office,
        data=IntakeData(category=Category.OTHER, channel=Channel.PHONE, description="借梯子"),
        now=NOW,
    )
    # Only repairs have a completion limit from the start.
    assert not _rounds(other)
