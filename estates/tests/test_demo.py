"""`make run` loads the demo office into an empty database: it must keep working."""

import pytest
from django.contrib.auth import authenticate

from estates.demo import DEMO_PASSWORD, DemoClock, demo_accounts, load_demo_data
from estates.models import Household
from organization.choices import RoleCode
from service_requests.demo import load_demo_requests
from service_requests.models import ServiceRequest


@pytest.mark.django_db
def test_small_demo_office_loads_with_an_account_for_every_role():
    result = load_demo_data(buildings=1, floors=3)
    assert result["households"] == Household.objects.count() == 12
    accounts = {a.username for a in demo_accounts()}
    assert set(RoleCode.values) - {"resident"} <= accounts
    for username in accounts:
        assert authenticate(username=username, password=DEMO_PASSWORD) is not None, username
    assert load_demo_requests(days=2, per_day=3) == ServiceRequest.objects.count() > 0
    # A complaint comes with its record through complaints.services (complaints/demo.py).
    assert not ServiceRequest.objects.filter(category="c_complaint").exists()
    from duty.demo import load_demo_duty
    from duty.models import Roster

    office = Household.objects.first().office
    assert load_demo_duty(office) >= 28
    assert Roster.objects.get(office=office).is_published


@pytest.mark.django_db
def test_demo_refuses_a_database_with_data():
    load_demo_data(buildings=1, floors=1)
    with pytest.raises(RuntimeError):
        load_demo_data(buildings=1, floors=1)


# Loaded just after midnight and just before: the demo must look right at any hour.
DEMO_TIMES = [pytest.param((1, 0, 3), id="00:03"), pytest.param((1, 23, 58), id="23:58")]


@pytest.mark.django_db
@pytest.mark.parametrize("when", DEMO_TIMES)
def test_demo_complaints_show_every_step_of_the_procedure(when):
    """SOP.md §3 in the demo: a complaint at each step, through the services, with the
    deadlines and timeline they would have had (docs/complaints.md)."""
    from complaints.choices import ExtensionStatus, MajorReason, Severity, Stage, Validity
    from complaints.demo import load_demo_complaints
    from complaints.models import Complaint, ComplaintExtension
    from service_requests.choices import DeadlineKind, EventType
    from service_requests.models import Deadline, RequestEvent

    load_demo_data(buildings=1, floors=3)
    office = Household.objects.first().office
    now = DemoClock().day(*when)
    assert load_demo_complaints(office, now=now) == Complaint.objects.count() == 14
    stages = [c.stage for c in Complaint.objects.all()]
    assert {s: stages.count(s) for s in set(stages)} == {
        Stage.RECEIVED: 1,
        Stage.DISPATCHED: 8,
        Stage.TOLD: 2,
        Stage.CLOSED: 3,
    }
    # The help-request demo's two complaints have their records (SOP.md §3 接待); the lift one
    # was reopened yesterday: a second round of its resolve limit runs.
    assert not ServiceRequest.objects.filter(category="c_complaint", complaint__isnull=True)
    noise = Complaint.objects.get(what_happened__contains="装修")
    assert noise.validity == Validity.COORDINATION and noise.stage == Stage.CLOSED
    lift = Complaint.objects.get(what_happened__contains="电梯按键")
    assert lift.stage == Stage.DISPATCHED and lift.request.status == "in_progress"
    second = lift.request.deadlines.get(kind=DeadlineKind.COMPLAINT_RESOLVE, round=2)
    assert second.is_open and second.missed_at is None
    just_recorded = Complaint.objects.get(validity="")
    assert set(just_recorded.steps.values_list("code", flat=True)) == {"listen", "ask"}
    assert just_recorded.request.deadlines.get(kind=DeadlineKind.COMPLAINT_SLIP).is_open

    collective = Complaint.objects.filter(members__isnull=False).distinct().get()
    group = [collective, *collective.members.all()]
    assert len({c.request.household_id for c in group}) == 3
    assert all(c.severity == Severity.MAJOR for c in group)
    assert all(c.major_reason == MajorReason.COLLECTIVE for c in group)
    assert all(c.handed_over_to.username == "office_manager" for c in group)
    assert all(c.answered_at for c in group)

    pending = ComplaintExtension.objects.get(status=ExtensionStatus.PENDING)
    assert pending.approver_role == "office_manager"
    approved = ComplaintExtension.objects.get(status=ExtensionStatus.APPROVED)
    assert approved.decided_by.username == "assistant_manager"
    resolve = approved.complaint.request.deadlines.get(kind=DeadlineKind.COMPLAINT_RESOLVE)
    assert resolve.due_at == approved.new_due_at and resolve.is_open

    planned = Complaint.objects.get(follow_up_due_at__isnull=False)
    assert planned.follow_up_by.username == "cs_staff" and planned.stage == Stage.TOLD
    assert planned.request.deadlines.get(kind=DeadlineKind.COMPLAINT_FOLLOW_UP).is_open

    invalid = Complaint.objects.get(validity=Validity.INVALID)
    assert invalid.stage == Stage.CLOSED and invalid.told_at
    visited = Complaint.objects.get(satisfaction="satisfied")
    assert visited.stage == Stage.CLOSED and visited.severity == Severity.IMPORTANT

    # Exactly one limit is late — the department that never returned its slip — and the
    # worker's sweep escalated it.
    missed = Deadline.objects.get(request__complaint__isnull=False, missed_at__isnull=False)
    assert missed.kind == DeadlineKind.COMPLAINT_RESOLVE and missed.escalation_level >= 1
    assert RequestEvent.objects.filter(
        request=missed.request, type=EventType.REQUEST_ESCALATED
    ).exists()
    # Nothing happened after `now`.
    assert not RequestEvent.objects.filter(request__complaint__isnull=False, at__gt=now).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("when", DEMO_TIMES)
def test_demo_violations_show_the_ladder(when):
    """SOP.md §8 in the demo: persuasion by staff, penalties signed by the office manager, a
    fee case with its covenant clause and a delivered cut notice, a case closed after the
    follow-up (docs/violations.md)."""
    from django.contrib.auth import get_user_model

    from policies.selectors import policy_for_office
    from violations import selectors
    from violations.choices import Measure, Status
    from violations.demo import load_demo_violations
    from violations.models import CaseEvent, CovenantClause, ViolationCase

    load_demo_data(buildings=1, floors=3)
    office = Household.objects.first().office
    now = DemoClock().day(*when)
    assert load_demo_violations(office, now=now) == ViolationCase.objects.count() == 5
    users = get_user_model().objects
    staff, manager = users.get(username="cs_staff"), users.get(username="office_manager")
    policy = policy_for_office(office)

    wall = ViolationCase.objects.get(sub_kind="renovation.load_bearing")
    assert wall.severity == "major" and wall.is_open
    measures = list(wall.measures.all())
    assert {m.kind for m in measures} == {Measure.PERSUASION}
    assert "管理处经理" in selectors.next_step(wall, measures, policy)
    assert [k for k, _ in selectors.measures_offered(staff, wall, policy)] == [Measure.PERSUASION]
    assert Measure.RECTIFICATION in dict(selectors.measures_offered(manager, wall, policy))

    fees = ViolationCase.objects.get(kind="fee_refusal")
    assert CovenantClause.objects.get(estate=fees.household.unit.building.estate).allows_utility_cut
    cut_notice = fees.notices.get(kind="utility_cut")
    assert cut_notice.delivered_at and cut_notice.visited_at is None
    assert cut_notice.effective_on > now
    assert not fees.followup_due
    assert "停水停电" in selectors.next_step(fees, list(fees.measures.all()), policy)

    closed = ViolationCase.objects.get(status=Status.CLOSED)
    assert closed.measures.filter(kind=Measure.COMPENSATION, decided_by=manager).exists()
    assert not closed.followup_due
    assert ViolationCase.objects.filter(status=Status.OPEN).count() == 4
    assert not CaseEvent.objects.filter(at__gt=now).exists()


@pytest.mark.django_db
def test_load_demo_data_command_loads_complaints_and_violations_once(monkeypatch):
    """`make run` runs `load_demo_data --if-empty` on every start: the second run does nothing.
    (A small office and few calls, to keep the test quick.)"""
    import functools
    from io import StringIO

    from django.core.management import call_command

    import service_requests.demo
    from complaints.models import Complaint
    from estates.management.commands import load_demo_data as command
    from violations.models import ViolationCase

    monkeypatch.setattr(
        command, "load_demo_data", functools.partial(load_demo_data, buildings=1, floors=3)
    )
    monkeypatch.setattr(
        service_requests.demo,
        "load_demo_requests",
        functools.partial(service_requests.demo.load_demo_requests, days=1, per_day=2),
    )
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    assert "14 complaints, 5 violation cases" in out.getvalue()
    counts = (Complaint.objects.count(), ViolationCase.objects.count())
    call_command("load_demo_data", "--if-empty", stdout=out)
    assert "demo data not loaded" in out.getvalue()
    assert (Complaint.objects.count(), ViolationCase.objects.count()) == counts == (14, 5)
