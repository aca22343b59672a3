"""Complaint services (SOP.md §3): each test cites the clause it proves."""

import datetime

import pytest
from django.utils import timezone

from complaints.choices import MajorReason, Severity, ToldChannel, Validity, ValidKind
from complaints.deadlines import sweep_complaints
from complaints.models import Complaint
from complaints.services import (
    complaint_close,
    complaint_decide_extension,
    complaint_follow_up,
    complaint_hand_over,
    complaint_judge,
    complaint_link,
    complaint_request_extension,
    complaint_return_slip,
    complaint_send_slip,
    complaint_set_severity,
    complaint_tell_resident,
)
from complaints.tests.conftest import at, new_complaint
from core.exceptions import ApplicationError, PermissionDeniedError
from core.testing import make_household, owner
from service_requests.choices import DeadlineKind, EventType, Status
from service_requests.models import RequestEvent

T0 = at(2026, 3, 2, 9, 0)


def _deadline(complaint, kind):
    """The latest round of the complaint's limit of this kind."""
    return complaint.request.deadlines.filter(kind=kind).order_by("-round").first()


def _local(deadline):
    return timezone.localtime(deadline.due_at)


def _judge(complaint, actor, severity=Severity.IMPORTANT, when=T0):
    return complaint_judge(
        actor=actor,
        complaint=complaint,
        validity=Validity.VALID,
        valid_kind=ValidKind.PROPERTY,
        severity=severity,
        now=when,
    )


def _handled(complaint, actor, cleaning, when=T0):
    complaint_send_slip(
        actor=actor, complaint=complaint, department=cleaning, signed_by="陈部长", now=when
    )
    complaint_return_slip(actor=actor, complaint=complaint, handling="已清理", now=when)
    return Complaint.objects.get(pk=complaint.pk)


def test_slip_deadline_is_fifteen_minutes(receptionist, office, household):
    """000 篇10 §4.4: the 住户投诉意见表 reaches the department within 15 minutes."""
    complaint = new_complaint(receptionist, office, household, T0)
    slip = _deadline(complaint, DeadlineKind.COMPLAINT_SLIP)
    assert slip.due_at == T0 + datetime.timedelta(minutes=15)
    assert slip.policy_key == "complaint.slip_send"
    assert "000 篇10 §4.4" in slip.clause


def test_time_limits_per_severity(receptionist, office, household):
    """000 篇10 §4.3.2, §4.10.2: 重要 → supervisor within 2 h, handled within 3 days; 重大 →
    manager the same day, clear answer in 2 days, resolved in 10 (§4.10.3)."""
    complaint = _judge(new_complaint(receptionist, office, household, T0), receptionist)
    assert _deadline(complaint, DeadlineKind.COMPLAINT_HAND_OVER).due_at == at(2026, 3, 2, 11)
    assert _local(_deadline(complaint, DeadlineKind.COMPLAINT_RESOLVE)).date() == datetime.date(
        2026, 3, 5
    )
    other = _judge(new_complaint(receptionist, office, household, T0), receptionist, Severity.MAJOR)
    hand_over = _local(_deadline(other, DeadlineKind.COMPLAINT_HAND_OVER))
    assert hand_over.date() == T0.date() and hand_over.hour == 23
    assert _local(_deadline(other, DeadlineKind.COMPLAINT_ANSWER)).day == 4
    assert _local(_deadline(other, DeadlineKind.COMPLAINT_RESOLVE)).day == 12


def test_emergency_is_major(receptionist, office, household):
    """002 篇1 §2(6): fire, people trapped in a lift … are 重大 from reception."""
    complaint = new_complaint(receptionist, office, household, T0, emergency="lift_trapped")
    assert complaint.severity == Severity.MAJOR
    assert complaint.major_reason == MajorReason.EMERGENCY
    assert complaint.needs_nonconformity


def test_three_households_make_a_collective_major_complaint(
    receptionist, office, household, building
):
    """002 篇1 §2(6): a collective complaint by three or more households is 重大
    (policy complaint.collective_households = 3)."""
    main = _judge(new_complaint(receptionist, office, household, T0), receptionist, Severity.MINOR)
    second = new_complaint(
        receptionist, office, make_household(building, "1601", residents=[owner("李", "")]), T0
    )
    complaint_link(actor=receptionist, main=main, others=[second], now=T0)
    main.refresh_from_db()
    assert main.severity == Severity.MINOR  # two households: not yet
    third = new_complaint(
        receptionist, office, make_household(building, "1701", residents=[owner("王", "")]), T0
    )
    complaint_link(actor=receptionist, main=main, others=[third], now=T0)
    for c in (main, second, third):
        c.refresh_from_db()
        assert c.severity == Severity.MAJOR
        assert c.major_reason == MajorReason.COLLECTIVE


def test_downgrade_of_automatic_major_needs_the_manager(
    receptionist, supervisor, manager, office, household
):
    """000 篇10 §3.1: 重大 complaints are the office manager's; an automatic 重大 is lowered
    only by the role complaint.downgrade_roles names. A refusal changes nothing."""
    complaint = new_complaint(receptionist, office, household, T0, emergency="fire")
    _judge(complaint, receptionist, Severity.MAJOR)
    with pytest.raises(PermissionDeniedError):
        complaint_set_severity(
            actor=supervisor, complaint=complaint, severity=Severity.MINOR, reason="误报"
        )
    complaint.refresh_from_db()
    assert complaint.severity == Severity.MAJOR
    with pytest.raises(PermissionDeniedError):
        _judge(complaint, supervisor, Severity.IMPORTANT)
    complaint_set_severity(
        actor=manager, complaint=complaint, severity=Severity.MINOR, reason="误报"
    )
    complaint.refresh_from_db()
    assert complaint.severity == Severity.MINOR and complaint.major_reason == ""


def test_extension_only_by_the_role_the_policy_names(
    receptionist, supervisor, assistant, manager, office, household
):
    """000 篇10 §4.10.2: a 重要 complaint's extension is approved by the office manager; the
    assistant is refused and the old deadline stands."""
    complaint = _judge(new_complaint(receptionist, office, household, T0), receptionist)
    old_due = _deadline(complaint, DeadlineKind.COMPLAINT_RESOLVE).due_at
    extension = complaint_request_extension(
        actor=receptionist,
        complaint=complaint,
        new_due_at=old_due + datetime.timedelta(days=3),
        reason="需要订购配件",
        now=T0,
    )
    for wrong in (assistant, supervisor):
        with pytest.raises(PermissionDeniedError):
            complaint_decide_extension(actor=wrong, extension=extension, approve=True, now=T0)
    assert _deadline(complaint, DeadlineKind.COMPLAINT_RESOLVE).due_at == old_due
    complaint_decide_extension(actor=manager, extension=extension, approve=True, now=T0)
    assert _deadline(complaint, DeadlineKind.COMPLAINT_RESOLVE).due_at == extension.new_due_at


def test_minor_extension_by_the_assistant(receptionist, manager, assistant, office, household):
    """000 篇10 §4.10.1: 轻微 → 超时需报助理批准."""
    complaint = _judge(
        new_complaint(receptionist, office, household, T0), receptionist, Severity.MINOR
    )
    due = _deadline(complaint, DeadlineKind.COMPLAINT_RESOLVE).due_at
    extension = complaint_request_extension(
        actor=receptionist,
        complaint=complaint,
        new_due_at=due + datetime.timedelta(days=1),
        reason="住户不在家",
        now=T0,
    )
    with pytest.raises(PermissionDeniedError):
        complaint_decide_extension(actor=manager, extension=extension, approve=True, now=T0)
    complaint_decide_extension(actor=assistant, extension=extension, approve=True, now=T0)


def test_closing_without_telling_the_resident_is_refused(receptionist, office, household, cleaning):
    """000 篇10 §4.6: the result is told to the resident the same day; closing before is refused."""
    complaint = _handled(
        _judge(new_complaint(receptionist, office, household, T0), receptionist, Severity.MINOR),
        receptionist,
        cleaning,
    )
    with pytest.raises(ApplicationError) as refused:
        complaint_close(actor=receptionist, complaint=complaint, now=T0)
    assert refused.value.code == "resident_not_told"
    complaint.refresh_from_db()
    assert complaint.closed_at is None
    tell = _deadline(complaint, DeadlineKind.COMPLAINT_TELL_RESIDENT)
    assert _local(tell).date() == T0.date()
    complaint_tell_resident(
        actor=receptionist, complaint=complaint, channel=ToldChannel.PHONE, note="已清理", now=T0
    )
    complaint_close(actor=receptionist, complaint=complaint, now=T0)  # 轻微: visit optional
    complaint.refresh_from_db()
    assert complaint.closed_at and complaint.request.status == Status.CLOSED


def test_follow_up_on_unresolved_complaint_is_refused(receptionist, office, household, cleaning):
    """000 篇10 §4.7: the visit follows the completed handling; 重要 ones must be visited
    before closing, and an unsatisfied visit reopens the complaint."""
    complaint = _judge(new_complaint(receptionist, office, household, T0), receptionist)
    with pytest.raises(ApplicationError) as refused:
        complaint_follow_up(actor=receptionist, complaint=complaint, satisfaction="satisfied")
    assert refused.value.code == "not_resolved"
    complaint = _handled(complaint, receptionist, cleaning)
    complaint_tell_resident(
        actor=receptionist, complaint=complaint, channel=ToldChannel.PHONE, note="已处理", now=T0
    )
    with pytest.raises(ApplicationError) as refused:
        complaint_close(actor=receptionist, complaint=complaint, now=T0)
    assert refused.value.code == "follow_up_required"
    complaint_follow_up(
        actor=receptionist,
        complaint=complaint,
        satisfaction="unsatisfied",
        comment="还是脏",
        now=T0,
    )
    complaint.refresh_from_db()
    assert complaint.told_at is None and complaint.request.status == Status.IN_PROGRESS


def test_reopened_complaint_gets_a_new_resolve_limit(receptionist, office, household, cleaning):
    """An unsatisfied visit reopens the complaint with a new resolve limit by the same rule as
    the first (重要: 3 calendar days, complaint.resolve.important), and a timeline event."""
    complaint = _judge(new_complaint(receptionist, office, household, T0), receptionist)
    complaint = _handled(complaint, receptionist, cleaning)
    assert _deadline(complaint, DeadlineKind.COMPLAINT_RESOLVE).met_at == T0
    complaint_tell_resident(
        actor=receptionist, complaint=complaint, channel=ToldChannel.PHONE, note="已处理", now=T0
    )
    visit = T0 + datetime.timedelta(days=1)
    complaint_follow_up(
        actor=receptionist,
        complaint=complaint,
        satisfaction="unsatisfied",
        comment="还是脏",
        now=visit,
    )
    resolve = _deadline(complaint, DeadlineKind.COMPLAINT_RESOLVE)
    assert resolve.met_at is None and resolve.missed_at is None
    assert resolve.policy_key == "complaint.resolve.important"
    assert _local(resolve).date() == datetime.date(2026, 3, 6)
    event = complaint.request.events.get(type=EventType.NOTE_ADDED, data__reopened=True)
    assert "2026-03-06" in event.internal_note
    complaint.request.refresh_from_db()
    assert complaint.request.next_deadline_at is not None
    # Handled again, the new limit is met.
    complaint_return_slip(
        actor=receptionist,
        complaint=Complaint.objects.get(pk=complaint.pk),
        handling="已重新清理",
        now=visit,
    )
    assert _deadline(complaint, DeadlineKind.COMPLAINT_RESOLVE).met_at == visit


def test_hand_over_to_the_named_role(receptionist, supervisor, manager, office, household):
    """000 篇10 §4.3.2 1): a 重大 complaint goes to the office manager."""
    complaint = _judge(
        new_complaint(receptionist, office, household, T0), receptionist, Severity.MAJOR
    )
    with pytest.raises(ApplicationError):
        complaint_hand_over(actor=receptionist, complaint=complaint, to_user=supervisor)
    complaint_hand_over(actor=receptionist, complaint=complaint, to_user=manager, now=T0)
    assert _deadline(complaint, DeadlineKind.COMPLAINT_HAND_OVER).met_at == T0


def test_worker_upgrades_unresolved_after_a_month_once(receptionist, office, household):
    """000 篇10 §4.2.2 3): a valid complaint unresolved after a month (complaint.major_after,
    30 calendar days) is 重大 — by the worker, with one timeline event however often it runs."""
    complaint = _judge(new_complaint(receptionist, office, household, T0), receptionist)
    assert sweep_complaints(T0 + datetime.timedelta(days=29)).upgraded == 0
    later = T0 + datetime.timedelta(days=30, minutes=1)
    assert sweep_complaints(later).upgraded == 1
    assert sweep_complaints(later).upgraded == 0
    complaint.refresh_from_db()
    assert complaint.severity == Severity.MAJOR
    assert complaint.major_reason == MajorReason.UNRESOLVED
    events = RequestEvent.objects.filter(
        request=complaint.request, type=EventType.COMPLAINT_SEVERITY_CHANGED, actor=None
    )
    assert events.count() == 1


def test_invalid_complaint_gets_an_answer_within_three_days(receptionist, office, household):
    """000 篇10 §4.2.1; 004: an invalid complaint is explained and answered within 3 days —
    never silently dropped (a handling is required)."""
    complaint = new_complaint(receptionist, office, household, T0)
    with pytest.raises(ApplicationError):
        complaint_judge(actor=receptionist, complaint=complaint, validity=Validity.INVALID)
    complaint_judge(
        actor=receptionist,
        complaint=complaint,
        validity=Validity.INVALID,
        handling="explanation",
        explanation="属个人要求,已解释",
        now=T0,
    )
    resolve = _deadline(complaint, DeadlineKind.COMPLAINT_RESOLVE)
    assert resolve.policy_key == "complaint.invalid_answer"
    assert _local(resolve).date() == datetime.date(2026, 3, 5)
    assert _deadline(complaint, DeadlineKind.COMPLAINT_SLIP).cancelled_at == T0
    complaint_tell_resident(
        actor=receptionist, complaint=complaint, channel=ToldChannel.PHONE, note="已解释", now=T0
    )
    complaint_close(actor=receptionist, complaint=complaint, now=T0)


def test_one_worker_run_upgrades_every_due_complaint_in_batches(receptionist, office, household):
    """000 篇10 §4.2.2 3): every valid complaint unresolved after a month is upgraded by the
    next run, however many there are — batch after batch (here 2 a batch, 5 due), each its own
    transaction; one not yet due (received later) is read and left alone."""
    from complaints.services import complaints_upgrade_unresolved

    due = [
        _judge(new_complaint(receptionist, office, household, T0), receptionist) for _ in range(5)
    ]
    recent = _judge(
        new_complaint(receptionist, office, household, T0 + datetime.timedelta(days=20)),
        receptionist,
        when=T0 + datetime.timedelta(days=20),
    )
    later = T0 + datetime.timedelta(days=30, minutes=1)
    assert complaints_upgrade_unresolved(now=later, batch_size=2).upgraded == 5
    assert set(Complaint.objects.filter(severity=Severity.MAJOR).values_list("pk", flat=True)) == {
        c.pk for c in due
    }
    recent.refresh_from_db()
    assert recent.severity == Severity.IMPORTANT
    assert complaints_upgrade_unresolved(now=later, batch_size=2).upgraded == 0
