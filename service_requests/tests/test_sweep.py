"""Deadlines are live (brief principle 4; issue #3): the worker marks passed deadlines missed and
escalates them staff → supervisor → manager per policy, once, whatever the number of sweeps or
workers. Each request's timeline records its own miss and escalation; the people told get one
digest per level per batch (docs/performance.md)."""

import datetime
import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection

from core.testing import make_office, make_staff
from notifications.models import OutboxMessage
from service_requests import deadlines
from service_requests.choices import Category, Channel, DeadlineKind, EventType
from service_requests.deadlines import sweep_deadlines
from service_requests.models import Deadline, Escalation, RequestEvent
from service_requests.services import IntakeData, request_intake, request_reply
from service_requests.tests.conftest import at

NOW = at(2026, 11, 23, 10, 0)


@pytest.fixture
def request_(office, receptionist, supervisor, manager):
    return request_intake(
        actor=receptionist,
        office=office,
        data=IntakeData(category=Category.OTHER, channel=Channel.PHONE, description="借梯子"),
        now=NOW,
    )


def test_nothing_happens_before_the_deadline(request_):
    result = sweep_deadlines(now=NOW + datetime.timedelta(minutes=4))
    assert (result.missed, result.escalated) == (0, 0)


def test_missed_first_reply_goes_to_the_supervisor_then_the_manager(request_, supervisor, manager):
    result = sweep_deadlines(now=NOW + datetime.timedelta(minutes=6))
    assert (result.missed, result.escalated) == (1, 1)
    deadline = request_.deadlines.get(kind=DeadlineKind.FIRST_REPLY)
    assert deadline.missed_at is not None and deadline.escalation_level == 1
    assert OutboxMessage.objects.filter(recipient=supervisor).exists()
    assert not OutboxMessage.objects.filter(recipient=manager).exists()
    assert request_.events.filter(type=EventType.DEADLINE_MISSED).count() == 1

    # 30 minutes later (policy request.escalation_interval) it reaches the manager.
    result = sweep_deadlines(now=NOW + datetime.timedelta(minutes=37))
    assert (result.missed, result.escalated) == (0, 1)
    assert OutboxMessage.objects.filter(recipient=manager).exists()
    assert list(Escalation.objects.values_list("level", "role_code")) == [
        (1, "cs_supervisor"),
        (2, "office_manager"),
    ]
    # No third level: further sweeps change nothing.
    assert sweep_deadlines(now=NOW + datetime.timedelta(hours=5)).escalated == 0


def test_repeated_sweeps_never_escalate_or_notify_twice(request_):
    later = NOW + datetime.timedelta(minutes=6)
    sweep_deadlines(now=later)
    messages = OutboxMessage.objects.count()
    events = request_.events.count()
    for _ in range(3):
        sweep_deadlines(now=later)
    assert OutboxMessage.objects.count() == messages
    assert request_.events.count() == events
    assert Escalation.objects.count() == 1


def test_a_late_reply_is_counted_late_and_stops_escalation(request_, receptionist):
    sweep_deadlines(now=NOW + datetime.timedelta(minutes=6))
    request_.refresh_from_db()
    request_reply(
        actor=receptionist,
        request=request_,
        version=request_.version,
        reply="已回复",
        now=NOW + datetime.timedelta(minutes=8),
    )
    deadline = request_.deadlines.get(kind=DeadlineKind.FIRST_REPLY)
    assert deadline.on_time is False
    assert sweep_deadlines(now=NOW + datetime.timedelta(hours=2)).escalated == 0


def test_worker_once_with_a_fixed_now(request_, supervisor):
    out = io.StringIO()
    call_command("worker", "--once", "--now", "2026-11-23T10:06:00+08:00", stdout=out)
    assert "1 missed, 1 escalated" in out.getvalue()
    message = OutboxMessage.objects.get(recipient=supervisor, channel="console")
    assert message.sent_at is not None


def test_a_missed_deadline_stays_missed_when_the_request_is_closed_early(request_, supervisor):
    from service_requests.services import request_cancel

    sweep_deadlines(now=NOW + datetime.timedelta(minutes=6))
    request_.refresh_from_db()
    request_cancel(
        actor=supervisor,
        request=request_,
        version=request_.version,
        reason="住户撤回",
        now=NOW + datetime.timedelta(minutes=10),
    )
    deadline = request_.deadlines.get(kind=DeadlineKind.FIRST_REPLY)
    assert deadline.on_time is False and deadline.cancelled_at is None
    request_.refresh_from_db()
    assert request_.next_deadline_at is None
    assert sweep_deadlines(now=NOW + datetime.timedelta(hours=3)).escalated == 0


def _intake_many(office, actor, count: int) -> list:
    return [
        request_intake(
            actor=actor,
            office=office,
            data=IntakeData(
                category=Category.OTHER, channel=Channel.PHONE, description=f"借梯子 {n}"
            ),
            now=NOW + datetime.timedelta(seconds=n),
        )
        for n in range(count)
    ]


def test_a_backlog_is_one_digest_per_recipient_and_level_but_one_event_pair_per_request(
    office, receptionist, supervisor, manager
):
    """After an outage the supervisor gets one message naming every overdue request (and one
    e-mail if they have an address), while each request's timeline shows its own miss and
    escalation."""
    supervisor.email = "li@example.com"
    supervisor.save(update_fields=["email"])
    requests = _intake_many(office, receptionist, 3)

    result = sweep_deadlines(now=NOW + datetime.timedelta(minutes=6))

    assert (result.missed, result.escalated, result.notifications) == (3, 3, 2)
    console = OutboxMessage.objects.get(recipient=supervisor, channel="console")
    email = OutboxMessage.objects.get(recipient=supervisor, channel="email")
    assert email.address == "li@example.com" and email.body == console.body
    assert console.subject == "逾期升级(1级):3条求助已超时"
    assert console.office_id == office.pk and console.link == "/requests/?tab=overdue"
    lines = console.body.splitlines()
    assert [line.split()[0] for line in lines] == [r.number for r in requests]  # by due time
    assert all("首次答复" in line and "截止时间 2026-11-23 10:0" in line for line in lines)
    for request in requests:
        assert list(request.events.values_list("type", flat=True)) == [
            EventType.REQUEST_RECEIVED,
            EventType.DEADLINE_MISSED,
            EventType.REQUEST_ESCALATED,
        ]
        escalated = request.events.get(type=EventType.REQUEST_ESCALATED)
        assert escalated.data == {"deadline": "first_reply", "level": 1, "role": "cs_supervisor"}
        assert escalated.internal_note == "“首次答复”逾期,已升级至客服主管"
        missed = request.events.get(type=EventType.DEADLINE_MISSED)
        assert missed.actor is None and missed.data["policy_key"] == "request.first_reply"
    assert Escalation.objects.count() == 3


def test_a_single_overdue_request_reads_like_its_own_notification(request_, supervisor):
    sweep_deadlines(now=NOW + datetime.timedelta(minutes=6))
    message = OutboxMessage.objects.get(recipient=supervisor, channel="console")
    assert message.subject == f"逾期升级(1级):{request_.number} 首次答复已超时"
    assert message.link == f"/requests/{request_.pk}/"
    assert message.body.startswith("截止时间 2026-11-23 10:05。")


def test_small_batches_each_send_their_digest_and_lose_nothing(office, receptionist, supervisor):
    """Batches commit one by one (a killed worker loses at most the batch it was in): every
    request is listed in exactly one digest of its level."""
    requests = _intake_many(office, receptionist, 5)
    result = sweep_deadlines(now=NOW + datetime.timedelta(minutes=6), batch_size=2)
    assert (result.missed, result.escalated) == (5, 5)
    bodies = OutboxMessage.objects.filter(recipient=supervisor, channel="console").values_list(
        "body", "subject"
    )
    assert len(bodies) == 3  # 2 + 2 + 1
    listed = [r.number for r in requests if sum(r.number in b + s for b, s in bodies) == 1]
    assert len(listed) == 5


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_escalate_each_deadline_once_and_notify_once():
    """Two workers sweep the same overdue requests at the same time, on their own connections.
    The second starts while the first holds its batch (locked, not committed): SKIP LOCKED
    makes it pass over those rows instead of escalating them again; then both finish."""
    # An earlier transactional test's flush emptied the roles the migrations granted.
    call_command("sync_roles", verbosity=0)
    office = make_office()
    receptionist = make_staff("cs_staff", offices=[office])
    supervisors = [make_staff("cs_supervisor", offices=[office]) for _ in range(2)]
    requests = _intake_many(office, receptionist, 6)
    later = NOW + datetime.timedelta(minutes=6)
    first_holds_batch = threading.Event()
    second_done = threading.Event()
    real_lock = deadlines._lock_batch
    results, errors = {}, []

    def lock_and_hold(condition, batch_size):
        ids = real_lock(condition, batch_size)
        if threading.current_thread().name == "first" and ids and not first_holds_batch.is_set():
            first_holds_batch.set()
            second_done.wait(20)
        return ids

    def worker(name):
        try:
            if name == "second":
                first_holds_batch.wait(20)
            results[name] = sweep_deadlines(now=later)
        except Exception as exc:  # reported below; a thread's exception is otherwise lost
            errors.append(exc)
        finally:
            if name == "second":
                second_done.set()
            connection.close()

    deadlines._lock_batch = lock_and_hold
    try:
        threads = [threading.Thread(target=worker, args=(n,), name=n) for n in ("first", "second")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        deadlines._lock_batch = real_lock
    assert not errors, errors
    assert first_holds_batch.is_set() and second_done.is_set()
    assert results["first"].escalated + results["second"].escalated == 6
    assert results["second"].escalated == 0  # everything was locked by the first
    # The first replies (each g request also has its 3-day completion, not yet due).
    deadline_ids = set(
        Deadline.objects.filter(kind=DeadlineKind.FIRST_REPLY).values_list("pk", flat=True)
    )
    assert sorted(Escalation.objects.values_list("deadline_id", flat=True)) == sorted(deadline_ids)
    assert RequestEvent.objects.filter(type=EventType.DEADLINE_MISSED).count() == 6
    assert RequestEvent.objects.filter(type=EventType.REQUEST_ESCALATED).count() == 6
    for user in supervisors:
        messages = OutboxMessage.objects.filter(recipient=user, channel="console")
        assert [m.subject for m in messages] == ["逾期升级(1级):6条求助已超时"]
        assert all(r.number in messages[0].body for r in requests)
    # And a third sweep afterwards finds nothing to do.
    assert sweep_deadlines(now=later).escalated == 0
