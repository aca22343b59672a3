"""A reopened complaint's new resolve limit is a real deadline (SOP.md §3 时限, 000 篇10 §4.7,
§4.10), and the reception record is the first reply (SOP.md §3 reception, 004 篇4 §4.3).
Both decide the on-time rate (处理及时率, 003 §5.5)."""

import datetime

from complaints.choices import Severity, ToldChannel, Validity, ValidKind
from complaints.models import Complaint
from complaints.reports import complaint_summary
from complaints.services import (
    complaint_follow_up,
    complaint_hand_over,
    complaint_judge,
    complaint_return_slip,
    complaint_send_slip,
    complaint_tell_resident,
)
from complaints.tests.conftest import at, new_complaint
from policies.services import policy_update
from service_requests.choices import DeadlineKind, EventType, Satisfaction
from service_requests.deadlines import sweep_deadlines
from service_requests.models import Escalation
from service_requests.reports import on_time_total

T0 = at(2026, 3, 2, 9, 0)
MARCH = {"start": datetime.date(2026, 3, 1), "end": datetime.date(2026, 3, 31)}


def days(n, hours=0):
    return T0 + datetime.timedelta(days=n, hours=hours)


def _resolve_rounds(complaint):
    return list(
        complaint.request.deadlines.filter(kind=DeadlineKind.COMPLAINT_RESOLVE).order_by("round")
    )


def _reopened(actor, office, household, cleaning, supervisor):
    """An important complaint handled on time, told, then visited unsatisfied on day 1."""
    complaint = new_complaint(actor, office, household, T0)
    complaint_judge(
        actor=actor,
        complaint=complaint,
        validity=Validity.VALID,
        valid_kind=ValidKind.PROPERTY,
        severity=Severity.IMPORTANT,
        now=T0,
    )
    complaint_hand_over(actor=actor, complaint=complaint, to_user=supervisor, now=T0)
    complaint_send_slip(
        actor=actor, complaint=complaint, department=cleaning, signed_by="陈部长", now=T0
    )
    complaint_return_slip(actor=actor, complaint=complaint, handling="已清理", now=T0)
    complaint_tell_resident(
        actor=actor, complaint=complaint, channel=ToldChannel.PHONE, note="已清理", now=T0
    )
    complaint_follow_up(
        actor=actor,
        complaint=Complaint.objects.get(pk=complaint.pk),
        satisfaction=Satisfaction.UNSATISFIED,
        comment="还是脏",
        now=days(1),
    )
    return Complaint.objects.get(pk=complaint.pk)


def test_reopened_resolve_limit_is_missed_and_escalated(
    receptionist, supervisor, office, household, cleaning
):
    """000 篇10 §4.10.2: the reopened 重要 complaint must be handled within 3 days again; the
    second round is missed by the worker's sweep and escalated, the first keeps its on-time
    record, and the complaint counts late in the monthly on-time rate."""
    complaint = _reopened(receptionist, office, household, cleaning, supervisor)
    first, second = _resolve_rounds(complaint)
    assert (first.round, first.on_time) == (1, True)
    assert (second.round, second.policy_key) == (2, "complaint.resolve.important")
    note = complaint.request.events.get(type=EventType.NOTE_ADDED, data__reopened=True)
    assert note.data["round"] == 2

    assert sweep_deadlines(now=second.due_at + datetime.timedelta(minutes=1)).missed >= 1
    second.refresh_from_db()
    assert second.missed_at is not None
    assert Escalation.objects.filter(deadline=second, level=1).exists()
    assert complaint.request.events.filter(
        type=EventType.DEADLINE_MISSED, data__deadline=DeadlineKind.COMPLAINT_RESOLVE
    ).exists()
    first.refresh_from_db()
    assert first.missed_at is None

    summary = complaint_summary(user=supervisor, now=days(6), **MARCH)
    assert (summary.total, summary.on_time) == (1, 0)
    # Handled late at last (the reopened slip is still with the department): the miss stays.
    complaint_return_slip(
        actor=receptionist,
        complaint=Complaint.objects.get(pk=complaint.pk),
        handling="重新清理",
        now=days(6),
    )
    second.refresh_from_db()
    assert second.met_at == days(6) and second.on_time is False
    assert complaint_summary(user=supervisor, now=days(7), **MARCH).on_time == 0


def test_each_round_met_on_time_counts_on_time(
    receptionist, supervisor, office, household, cleaning
):
    """003 §5.5: a reopened complaint handled again within its new limit is on time; the
    request desk's rate and the complaint summary agree."""
    complaint = _reopened(receptionist, office, household, cleaning, supervisor)
    complaint_return_slip(
        actor=receptionist,
        complaint=Complaint.objects.get(pk=complaint.pk),
        handling="重新清理",
        now=days(2),
    )
    complaint_tell_resident(
        actor=receptionist,
        complaint=Complaint.objects.get(pk=complaint.pk),
        channel=ToldChannel.PHONE,
        note="已重新清理",
        now=days(2),
    )
    tell = list(
        complaint.request.deadlines.filter(kind=DeadlineKind.COMPLAINT_TELL_RESIDENT).order_by(
            "round"
        )
    )
    assert [(d.round, d.on_time) for d in tell] == [(1, True), (2, True)]
    assert [d.on_time for d in _resolve_rounds(complaint)] == [True, True]
    complaint_follow_up(
        actor=receptionist,
        complaint=Complaint.objects.get(pk=complaint.pk),
        satisfaction=Satisfaction.SATISFIED,
        now=days(3),
    )
    visits = complaint.request.deadlines.filter(kind=DeadlineKind.COMPLAINT_FOLLOW_UP)
    assert [(d.round, d.on_time) for d in visits.order_by("round")] == [(1, True), (2, True)]
    summary = complaint_summary(user=supervisor, now=days(10), **MARCH)
    assert (summary.total, summary.on_time) == (1, 1)
    total = on_time_total(
        user=supervisor, date_from=MARCH["start"], date_to=MARCH["end"], now=days(10)
    )
    assert (total.total, total.on_time) == (1, 1)


def _invalid(actor, office, household, received, recorded):
    from complaints.services import ComplaintData, complaint_record
    from service_requests.choices import Category, Channel
    from service_requests.services import IntakeData, request_intake

    request = request_intake(
        actor=actor,
        office=office,
        data=IntakeData(
            category=Category.COMPLAINT,
            channel=Channel.PHONE,
            description="邻居装修太吵",
            household=household,
            received_at=received,
        ),
        now=received,
    )
    complaint = complaint_record(
        actor=actor,
        request=request,
        data=ComplaintData(what_happened="邻居装修太吵", apologised=True),
        now=recorded,
    )
    complaint_judge(
        actor=actor,
        complaint=complaint,
        validity=Validity.INVALID,
        handling="explanation",
        explanation="装修在允许时段内",
        now=recorded,
    )
    return complaint


def test_recording_with_the_apology_is_the_first_reply(receptionist, supervisor, office, household):
    """SOP.md §3 reception (004 篇4 §4.3): apologise and record at once — that is the first
    reply (SOP.md §2 快速反应, 5 minutes), so an invalid complaint not yet answered is not late;
    the timeline says why. Recorded 10 minutes after the call, it is late."""
    prompt = _invalid(receptionist, office, household, T0, T0 + datetime.timedelta(minutes=2))
    request = prompt.request
    request.refresh_from_db()
    first = request.deadlines.get(kind=DeadlineKind.FIRST_REPLY)
    assert first.met_at == T0 + datetime.timedelta(minutes=2) and first.on_time is True
    assert request.first_replied_at == first.met_at
    reply = request.events.get(type=EventType.FIRST_REPLY_GIVEN)
    assert "致歉" in reply.public_note
    note = request.events.get(type=EventType.NOTE_ADDED, data__first_reply_by_record=True)
    assert "SOP.md §3" in note.internal_note

    slow = _invalid(receptionist, office, household, T0, T0 + datetime.timedelta(minutes=10))
    assert slow.request.deadlines.get(kind=DeadlineKind.FIRST_REPLY).on_time is False
    summary = complaint_summary(user=supervisor, now=days(1), **MARCH)
    assert (summary.total, summary.on_time) == (2, 1)


def test_an_office_may_keep_the_first_reply_separate(receptionist, manager, office, household):
    """The rule is policy (complaint.record_is_first_reply): switched off, the record leaves
    the first-reply limit running."""
    policy_update(
        actor=manager,
        office=office,
        changes={"complaint.record_is_first_reply": False},
        note="首次答复须单独登记",
    )
    complaint = _invalid(receptionist, office, household, T0, T0 + datetime.timedelta(minutes=2))
    first = complaint.request.deadlines.get(kind=DeadlineKind.FIRST_REPLY)
    assert first.met_at is None
    assert not complaint.request.events.filter(type=EventType.FIRST_REPLY_GIVEN).exists()
