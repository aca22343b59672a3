"""The lifecycle (issue #3): reply, dispatch and acknowledge, work, resolve, resident
confirmation, follow-up, close; refer (严禁推诿), cancel, reopen; stale updates refused."""

import datetime

import pytest
from django.urls import reverse

from core.exceptions import ApplicationError, PermissionDeniedError
from core.testing import make_staff
from service_requests import services
from service_requests.choices import Category, Channel, DeadlineKind, EventType, Status
from service_requests.models import RequestEvent, ServiceRequest
from service_requests.reports import on_time_rates
from service_requests.selectors import RequestFilters, request_list
from service_requests.services import IntakeData, StaleUpdateError, request_intake
from service_requests.tests.conftest import at, medical_intake

NOW = at(2026, 11, 23, 10, 0)


def minutes(n):
    return NOW + datetime.timedelta(minutes=n)


@pytest.fixture
def repair(office, household, receptionist):
    return request_intake(
        actor=receptionist,
        office=office,
        data=IntakeData(
            category=Category.REPAIR,
            channel=Channel.PHONE,
            description="厨房水龙头漏水",
            household=household,
        ),
        now=NOW,
    )


def test_full_repair_lifecycle_with_timeline(repair, receptionist, technician, engineering):
    r = services.request_reply(
        actor=receptionist,
        request=repair,
        version=repair.version,
        reply="马上派工程部",
        now=minutes(2),
    )
    assert r.deadlines.get(kind=DeadlineKind.FIRST_REPLY).on_time is True
    services.request_dispatch(
        actor=receptionist, request=r, version=r.version, department=engineering, now=minutes(3)
    )
    services.request_acknowledge(actor=technician, request=r, version=r.version, now=minutes(6))
    services.request_set_appointment(
        actor=technician,
        request=r,
        version=r.version,
        promised_at=NOW + datetime.timedelta(days=1),
        now=minutes(7),
    )
    services.request_start(
        actor=technician, request=r, version=r.version, now=NOW + datetime.timedelta(hours=20)
    )
    services.request_resolve(
        actor=technician,
        request=r,
        version=r.version,
        result="更换阀芯",
        public_note="已修好",
        now=NOW + datetime.timedelta(hours=21),
    )
    assert r.deadlines.get(kind=DeadlineKind.REPAIR_COMPLETION).on_time is True
    services.request_confirm(
        actor=receptionist,
        request=r,
        version=r.version,
        channel="phone",
        now=NOW + datetime.timedelta(hours=22),
    )
    services.request_follow_up(
        actor=receptionist,
        request=r,
        version=r.version,
        satisfaction="satisfied",
        now=NOW + datetime.timedelta(days=2),
    )
    services.request_close(
        actor=receptionist, request=r, version=r.version, now=NOW + datetime.timedelta(days=2)
    )
    r.refresh_from_db()
    assert r.status == Status.CLOSED and r.next_deadline_at is None
    assert [e.type for e in r.events.all()] == [
        EventType.REQUEST_RECEIVED,
        EventType.FIRST_REPLY_GIVEN,
        EventType.REQUEST_DISPATCHED,
        EventType.DISPATCH_ACKNOWLEDGED,
        EventType.APPOINTMENT_SET,
        EventType.WORK_STARTED,
        EventType.REQUEST_RESOLVED,
        EventType.RESIDENT_CONFIRMED,
        EventType.FOLLOW_UP_DONE,
        EventType.REQUEST_CLOSED,
    ]
    resolved = r.events.get(type=EventType.REQUEST_RESOLVED)
    assert (resolved.public_note, resolved.internal_note) == ("已修好", "更换阀芯")
    assert resolved.actor == technician


def test_stale_update_is_refused_and_overwrites_nothing(repair, receptionist, supervisor):
    read_version = repair.version
    services.request_reply(
        actor=supervisor, request=repair, version=read_version, reply="稍后回电", now=minutes(1)
    )
    stale_copy = ServiceRequest.objects.get(pk=repair.pk)
    with pytest.raises(StaleUpdateError) as exc:
        services.request_cancel(
            actor=supervisor,
            request=stale_copy,
            version=read_version,
            reason="重复",
            now=minutes(2),
        )
    assert exc.value.status_code == 409
    repair.refresh_from_db()
    assert repair.status == Status.REPLIED
    assert not repair.events.filter(type=EventType.REQUEST_CANCELLED).exists()


def test_a_stale_reply_meets_no_deadline(repair, supervisor):
    """A reply refused as stale (409) writes nothing — not even the first-reply limit it would
    have met (SOP.md §2 快速反应): the reply is one transaction."""
    stale_version = repair.version - 1
    with pytest.raises(StaleUpdateError):
        services.request_reply(
            actor=supervisor,
            request=repair,
            version=stale_version,
            reply="稍后回电",
            now=minutes(1),
        )
    first_reply = repair.deadlines.get(kind="first_reply")
    assert first_reply.met_at is None
    repair.refresh_from_db()
    assert repair.first_replied_at is None and repair.status == Status.RECEIVED


def test_repair_appointment_beyond_three_days_is_refused(
    repair, technician, receptionist, engineering
):
    """SOP.md §4 (003 §5.2): a promised date normally no more than 3 days out."""
    services.request_dispatch(
        actor=receptionist,
        request=repair,
        version=repair.version,
        department=engineering,
        now=minutes(1),
    )
    with pytest.raises(ApplicationError, match="不能晚于受理后3 自然日"):
        services.request_set_appointment(
            actor=technician,
            request=repair,
            version=repair.version,
            promised_at=NOW + datetime.timedelta(days=3, minutes=1),
            now=minutes(2),
        )
    # The completion limit keeps the policy's maximum from receipt; nothing was moved.
    [completion] = repair.deadlines.filter(kind=DeadlineKind.REPAIR_COMPLETION)
    assert completion.due_at == NOW + datetime.timedelta(days=3)
    repair.refresh_from_db()
    assert repair.promised_at is None


def test_other_departments_staff_cannot_work_on_it(repair, office, receptionist, engineering):
    services.request_dispatch(
        actor=receptionist,
        request=repair,
        version=repair.version,
        department=engineering,
        now=minutes(1),
    )
    guard = make_staff("cleaning", offices=[office])
    with pytest.raises(PermissionDeniedError, match="受派的部门或人员"):
        services.request_acknowledge(
            actor=guard, request=repair, version=repair.version, now=minutes(2)
        )


def test_dispatch_to_an_outside_party_must_be_a_referral(repair, receptionist, emergency_center):
    with pytest.raises(ApplicationError, match="请使用“转介”"):
        services.request_dispatch(
            actor=receptionist, request=repair, version=repair.version, department=emergency_center
        )


def test_referral_names_the_party_and_what_the_resident_was_told(
    repair, receptionist, emergency_center, engineering
):
    """严禁推诿 (SOP.md §2): referred to a named party, never closed as 'cannot help'."""
    with pytest.raises(ApplicationError, match="已告知住户"):
        services.request_refer(
            actor=receptionist,
            request=repair,
            version=repair.version,
            party=emergency_center,
            resident_told=" ",
        )
    with pytest.raises(ApplicationError, match="须为外部单位"):
        services.request_refer(
            actor=receptionist,
            request=repair,
            version=repair.version,
            party=engineering,
            resident_told="x",
        )
    services.request_refer(
        actor=receptionist,
        request=repair,
        version=repair.version,
        party=emergency_center,
        resident_told="已帮您联系120,请保持电话畅通",
        now=minutes(3),
    )
    repair.refresh_from_db()
    assert repair.status == Status.REFERRED and repair.referred_to == emergency_center
    assert repair.deadlines.get(kind=DeadlineKind.FIRST_REPLY).on_time is True


def test_closing_needs_the_residents_confirmation(repair, receptionist):
    services.request_resolve(
        actor=receptionist, request=repair, version=repair.version, result="已处理", now=minutes(4)
    )
    with pytest.raises(ApplicationError, match="住户尚未确认"):
        services.request_close(actor=receptionist, request=repair, version=repair.version)
    assert ServiceRequest.objects.get(pk=repair.pk).status == Status.RESOLVED


def test_unsatisfied_follow_up_reopens(repair, receptionist):
    services.request_resolve(
        actor=receptionist, request=repair, version=repair.version, result="已处理", now=minutes(4)
    )
    services.request_confirm(
        actor=receptionist, request=repair, version=repair.version, channel="phone", now=minutes(5)
    )
    with pytest.raises(ApplicationError, match="须记录意见"):
        services.request_follow_up(
            actor=receptionist, request=repair, version=repair.version, satisfaction="unsatisfied"
        )
    services.request_follow_up(
        actor=receptionist,
        request=repair,
        version=repair.version,
        satisfaction="unsatisfied",
        comment="还在漏",
        now=minutes(60),
    )
    repair.refresh_from_db()
    assert repair.status == Status.IN_PROGRESS
    assert repair.events.filter(type=EventType.REQUEST_REOPENED).exists()


def test_cancel_needs_a_reason_and_a_supervisor(repair, receptionist, supervisor):
    with pytest.raises(PermissionDeniedError):
        services.request_cancel(
            actor=receptionist, request=repair, version=repair.version, reason="重复"
        )
    with pytest.raises(ApplicationError, match="须填写原因"):
        services.request_cancel(actor=supervisor, request=repair, version=repair.version, reason="")
    services.request_cancel(
        actor=supervisor,
        request=repair,
        version=repair.version,
        reason="住户重复来电",
        now=minutes(1),
    )
    repair.refresh_from_db()
    assert repair.status == Status.CANCELLED and repair.next_deadline_at is None
    assert {d.cancelled_at for d in repair.deadlines.all()} == {minutes(1)}


def test_written_consultation_reply_needs_the_supervisor(office, receptionist, supervisor):
    """000 篇3 §4.3.1: the supervisor replies in writing."""
    letter = request_intake(
        actor=receptionist,
        office=office,
        data=IntakeData(
            category=Category.CONSULTATION, channel=Channel.LETTER, description="咨询停车位租赁"
        ),
        now=NOW,
    )
    with pytest.raises(PermissionDeniedError, match="书面答复"):
        services.request_reply(
            actor=receptionist, request=letter, version=letter.version, reply="x"
        )
    services.request_reply(
        actor=supervisor,
        request=letter,
        version=letter.version,
        reply="书面答复已寄出",
        now=NOW + datetime.timedelta(days=1),
    )
    assert letter.deadlines.get().on_time is True


def test_illegal_transitions_say_the_current_status(repair, receptionist):
    with pytest.raises(ApplicationError, match="当前状态为“已受理”,不能登记住户确认"):
        services.request_confirm(
            actor=receptionist, request=repair, version=repair.version, channel="phone"
        )


def test_timeline_events_cannot_be_edited_or_deleted(repair):
    event = repair.events.get()
    event.internal_note = "tampered"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        RequestEvent.objects.filter(pk=event.pk).update(internal_note="x")
    with pytest.raises(TypeError):
        event.delete()


def test_nursing_step_needs_the_relative_who_stays(office, household, receptionist):
    """000 篇3 §4.2.1(c): a carer is never alone with the patient."""
    from service_requests.emergency import emergency_step_done

    request = request_intake(
        actor=receptionist,
        office=office,
        data=IntakeData(
            category=Category.MEDICAL_EMERGENCY,
            channel=Channel.PHONE,
            description="老人需要护理",
            household=household,
            contact_phone="13812345678",
            emergency_help=("nursing",),
        ),
        now=NOW,
    )
    step = request.emergency_steps.get(code="relative_present")
    with pytest.raises(ApplicationError, match="陪同亲属姓名"):
        emergency_step_done(actor=receptionist, step=step)
    emergency_step_done(actor=receptionist, step=step, detail="女儿张丽", now=minutes(10))
    step.refresh_from_db()
    assert step.done_by == receptionist and step.detail == "女儿张丽"
    assert request.events.filter(type=EventType.EMERGENCY_STEP_DONE).count() == 1


def test_another_offices_staff_get_not_found_before_any_authority_check(repair):
    from core.authz import ObjectNotFoundError
    from core.testing import make_office

    outsider = make_staff("cleaning", offices=[make_office("翠湖花园管理处")])
    with pytest.raises(ObjectNotFoundError):
        services.request_cancel(actor=outsider, request=repair, version=repair.version, reason="x")


def test_a_neighbour_resident_cannot_confirm_anothers_request(repair, office):
    from core.authz import ObjectNotFoundError
    from core.testing import make_building, make_estate, make_household, make_user, owner

    neighbour_home = make_household(
        make_building(make_estate(office, "别苑"), "9"), "901", residents=[owner("邻居")]
    )
    neighbour = neighbour_home.residents.get()
    neighbour.user = make_user("neighbour")
    neighbour.save(update_fields=["user"])
    with pytest.raises((ObjectNotFoundError, PermissionDeniedError)):
        services.request_add_note(actor=neighbour.user, request=repair, public_note="x")


def test_assignee_must_belong_to_the_department(repair, office, receptionist, engineering):
    cleaner = make_staff("cleaning", offices=[office], name="吴桂英")
    from organization.models import Department

    cleaning = Department.objects.create(
        company=office.company, office=office, name="保洁部", kind="cleaning"
    )
    cleaner.staff.department = cleaning
    cleaner.staff.save(update_fields=["department"])
    with pytest.raises(ApplicationError, match="吴桂英不属于工程部"):
        services.request_dispatch(
            actor=receptionist,
            request=repair,
            version=repair.version,
            department=engineering,
            assignee=cleaner,
        )


def test_whoever_of_the_department_acknowledges_a_department_job_becomes_its_handler(
    repair, office, receptionist, technician, supervisor, engineering
):
    """Dispatched to 工程部 with nobody named (SOP.md §2: dispatched, the receiver
    acknowledges): the technician who 接单 takes the job. It is then in his 我的待办 and the
    on-time rate by handler (003 §5.5) names him instead of 未指派."""
    services.request_dispatch(
        actor=receptionist,
        request=repair,
        version=repair.version,
        department=engineering,
        now=minutes(1),
    )
    assert repair.assignee is None

    def mine(user):
        return list(request_list(user=user, filters=RequestFilters(queue="mine"), now=minutes(3)))

    assert mine(technician) == []
    services.request_acknowledge(
        actor=technician, request=repair, version=repair.version, now=minutes(2)
    )
    repair.refresh_from_db()
    assert repair.assignee == technician and repair.status == Status.ACKNOWLEDGED
    assert repair.events.get(type=EventType.DISPATCH_ACKNOWLEDGED).data == {
        "assignee": technician.pk
    }
    assert mine(technician) == [repair]
    [row] = on_time_rates(
        user=supervisor,
        date_from=NOW.date(),
        date_to=NOW.date(),
        group_by="staff",
        now=minutes(3),
    )
    assert row.key == technician.pk and row.label == technician.staff.name


def test_starting_a_department_job_without_acknowledging_takes_it_too(
    repair, receptionist, technician, engineering
):
    services.request_dispatch(
        actor=receptionist,
        request=repair,
        version=repair.version,
        department=engineering,
        now=minutes(1),
    )
    services.request_start(actor=technician, request=repair, version=repair.version, now=minutes(2))
    repair.refresh_from_db()
    assert repair.assignee == technician and repair.acknowledged_at == minutes(2)


def test_the_desk_acknowledging_for_a_department_or_a_colleague_takes_nothing(
    repair, office, receptionist, technician, engineering
):
    """The desk may record the acknowledgement the department phoned in: the job stays the
    department's. A job dispatched to a named person stays theirs when a colleague acknowledges."""
    services.request_dispatch(
        actor=receptionist,
        request=repair,
        version=repair.version,
        department=engineering,
        now=minutes(1),
    )
    services.request_acknowledge(
        actor=receptionist, request=repair, version=repair.version, now=minutes(2)
    )
    repair.refresh_from_db()
    assert repair.assignee is None

    named = request_intake(
        actor=receptionist,
        office=office,
        data=IntakeData(category=Category.REPAIR, channel=Channel.PHONE, description="灯不亮"),
        now=NOW,
    )
    services.request_dispatch(
        actor=receptionist,
        request=named,
        version=named.version,
        department=engineering,
        assignee=technician,
        now=minutes(1),
    )
    colleague = make_staff("technician", offices=[office])
    colleague.staff.department = engineering
    colleague.staff.save(update_fields=["department"])
    services.request_acknowledge(
        actor=colleague, request=named, version=named.version, now=minutes(2)
    )
    named.refresh_from_db()
    assert named.assignee == technician


def _medical(office, household, receptionist, *branches):
    return medical_intake(office, household, receptionist, *branches, now=NOW)


@pytest.mark.parametrize("names", ["刘强", "刘强、刘强", "刘强和孙海涛"])
def test_the_escort_needs_two_named_guards(office, household, receptionist, names):
    """000 篇3 §4.2.1(a): security sends two people to take the patient to hospital; the step
    is not done until both are named, and a refusal writes nothing."""
    from service_requests.emergency import emergency_step_done

    request = _medical(office, household, receptionist, "escort")
    step = request.emergency_steps.get(code="two_guards")
    with pytest.raises(ApplicationError, match="须安排2人") as exc:
        emergency_step_done(actor=receptionist, step=step, detail=names, now=minutes(1))
    assert "detail" in exc.value.field_errors
    step.refresh_from_db()
    assert step.done_at is None
    assert not request.events.filter(type=EventType.EMERGENCY_STEP_DONE).exists()
    emergency_step_done(actor=receptionist, step=step, detail="刘强、孙海涛", now=minutes(2))
    step.refresh_from_db()
    assert (step.done_at, step.detail) == (minutes(2), "刘强、孙海涛")


def test_an_over_long_step_record_is_refused_not_cut(office, household, receptionist):
    """A record longer than the register keeps is refused with its length; before, the API cut
    it to 200 characters and the console ticked the step with its record dropped."""
    from service_requests.emergency import emergency_step_done

    request = _medical(office, household, receptionist, "call_120")
    step = request.emergency_steps.get(code="called_120")
    with pytest.raises(ApplicationError, match="记录不能超过200字,现有201字"):
        emergency_step_done(actor=receptionist, step=step, detail="x" * 201, now=minutes(1))
    step.refresh_from_db()
    assert step.done_at is None and step.detail == ""


def test_console_step_with_an_over_long_record_is_refused_in_chinese(
    client, office, household, receptionist
):
    request = _medical(office, household, receptionist, "call_120")
    step = request.emergency_steps.get(code="called_120")
    client.force_login(receptionist)
    response = client.post(
        reverse("service_requests:emergency_step", args=[request.pk, step.pk]),
        {"detail": "已拨打120" * 50},
    )
    assert response.status_code == 200
    assert "记录不能超过200字" in response.content.decode()
    step.refresh_from_db()
    assert step.done_at is None
