"""Everyday help is resolved within request.completion_max (SOP.md §4; 003 §5.2 一般不应超过三天;
002 篇10 24小时): a live limit from the call, swept, escalated, counted in the on-time rate and
shown on the request's page and the queue."""

import datetime

import pytest
from django.urls import reverse

from policies.rules import Duration
from service_requests.choices import Category, DeadlineKind
from service_requests.deadlines import sweep_deadlines
from service_requests.reports import deadline_counts, on_time_total, request_is_on_time
from service_requests.services import (
    request_cancel,
    request_refer,
    request_resolve,
)
from service_requests.tests.conftest import at
from service_requests.tests.rules import (
    FRIDAY,
    SECOND,
    deadline_of,
    fresh,
    intake_at,
    ladder_of,
    set_policy,
    told,
)

# --- 3. request.completion_max: everyday help is handled within 3 days ------------------------


def test_everyday_help_answered_on_the_line_still_has_a_live_completion_limit(
    office, receptionist, supervisor
):
    """003 §5.2 (不能立即解决的,告之业户解决时间,一般不应超过三天): a g request answered on the
    line is due for completion 3 calendar days after the call; the queue's next deadline is that
    limit; the sweep escalates it when it passes; resolved afterwards it is late, and the
    on-time rate says so."""
    request = intake_at(receptionist, office, reply_now="已通知保洁部处理")
    completion = deadline_of(request, DeadlineKind.COMPLETION)
    assert completion.due_at == at(2026, 11, 30, 10, 0)
    assert completion.policy_key == "request.completion_max"
    assert "003 §5.2" in completion.clause
    assert fresh(request).next_deadline_at == completion.due_at

    assert sweep_deadlines(now=completion.due_at - SECOND).missed == 0
    sweep_deadlines(now=completion.due_at + SECOND)
    assert ladder_of(request, DeadlineKind.COMPLETION) == [(1, "cs_supervisor")]
    assert told(supervisor, "逾期升级") == 1

    request_resolve(
        actor=receptionist,
        request=fresh(request),
        version=request.version,
        result="已更换灯管",
        now=completion.due_at + datetime.timedelta(hours=2),
    )
    completion.refresh_from_db()
    assert completion.met_at is not None and completion.on_time is False
    assert request_is_on_time(request, now=completion.due_at + datetime.timedelta(days=1)) is False
    total = on_time_total(
        user=supervisor,
        date_from=datetime.date(2026, 11, 27),
        date_to=datetime.date(2026, 11, 27),
        now=completion.due_at + datetime.timedelta(days=1),
    )
    assert (total.total, total.on_time) == (1, 0)


def test_everyday_help_resolved_in_time_is_on_time(office, receptionist, supervisor):
    """003 §5.2: resolved within the limit, the completion is met on time; nobody is chased."""
    request = intake_at(receptionist, office, reply_now="已安排")
    request_resolve(
        actor=receptionist,
        request=request,
        version=request.version,
        result="已处理",
        now=FRIDAY + datetime.timedelta(days=1),
    )
    assert deadline_of(request, DeadlineKind.COMPLETION).on_time is True
    assert sweep_deadlines(now=FRIDAY + datetime.timedelta(days=5)).escalated == 0
    assert fresh(request).next_deadline_at is None


def test_the_completion_limit_takes_the_offices_variant_and_earlier_calls_keep_theirs(
    office, receptionist, manager
):
    """002 篇10 (保洁员接受用户卫生服务要求后,必须在24小时内完成): an office that promises
    24 hours has calls received afterwards due within 24 hours; an earlier call keeps 3 days.
    Counted in working days, a Friday call is due on Wednesday."""
    earlier = intake_at(receptionist, office, reply_now="已安排")
    set_policy(manager, office, {"request.completion_max": Duration(24, "hours")}, "24小时")
    later = intake_at(receptionist, office, reply_now="已安排")
    assert deadline_of(earlier, DeadlineKind.COMPLETION).due_at == at(2026, 11, 30, 10, 0)
    assert deadline_of(later, DeadlineKind.COMPLETION).due_at == at(2026, 11, 28, 10, 0)

    set_policy(manager, office, {"request.completion_max": Duration(3, "working_days")}, "工作日")
    working = intake_at(receptionist, office, reply_now="已安排")
    assert deadline_of(working, DeadlineKind.COMPLETION).due_at == at(2026, 12, 2, 10, 0)


def test_a_referral_answers_the_limit_and_a_cancellation_drops_it(
    office, receptionist, supervisor, emergency_center
):
    """严禁推诿 (SOP.md §2): referred to the party that can help, the request has its answer (met);
    cancelled before its time, the limit does not count."""
    referred = intake_at(receptionist, office, reply_now="已了解")
    request_refer(
        actor=receptionist,
        request=referred,
        version=referred.version,
        party=emergency_center,
        resident_told="已告知住户联系120",
        now=FRIDAY + datetime.timedelta(hours=1),
    )
    assert deadline_of(referred, DeadlineKind.COMPLETION).on_time is True

    cancelled = intake_at(receptionist, office, reply_now="已了解")
    request_cancel(
        actor=supervisor,
        request=cancelled,
        version=cancelled.version,
        reason="住户撤回",
        now=FRIDAY + datetime.timedelta(hours=1),
    )
    dropped = deadline_of(cancelled, DeadlineKind.COMPLETION)
    assert dropped.cancelled_at is not None and not deadline_counts(dropped)


@pytest.mark.parametrize(
    "overrides",
    [
        {"category": Category.REPAIR},  # repair.promised_date_max instead
        {"category": Category.CONSULTATION},  # its reply limits
        {"category": Category.COMPLAINT},  # the complaint's own limits (SOP.md §3)
        {"category": Category.DISASTER, "location": "5栋天台"},  # the emergency procedures
    ],
    ids=["repair", "consultation", "complaint", "special"],
)
def test_other_categories_keep_their_own_limits(office, receptionist, overrides):
    request = intake_at(receptionist, office, reply_now="已记录", **overrides)
    assert not request.deadlines.filter(kind=DeadlineKind.COMPLETION).exists()


def test_the_request_page_and_the_queue_show_the_completion_limit(client, office, receptionist):
    """What the receptionist sees: the limit with its clause on the request's page, and its due
    time in the queue once the call was answered."""
    request = intake_at(receptionist, office, reply_now="已通知保洁部")
    client.force_login(receptionist)
    page = client.get(reverse("service_requests:request_detail", args=[request.pk]))
    html = page.content.decode()
    assert "<td>处理完毕</td><td>2026-11-30 10:00</td>" in html
    assert "003 §5.2" in html
    queue = client.get(reverse("service_requests:request_list")).content.decode()
    assert "11-30 10:00" in queue
