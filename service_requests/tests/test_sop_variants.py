"""The help desk against the SOP's variants (SOP.md §2, §4 and every variant in ../shared/seeds).

Each office runs its own variant of the SOP: the first reply within 5 minutes (000 篇1/3/5/11,
001) or 即时 (000 篇14/15); the oral consultation answered within 2 hours (000 篇12) or by the
general rule; the written one within 两日 read as calendar or working days; a repair promised
within 3 days (003 §5.2). An office manager writes the office's variant into its policy; what
is received afterwards follows it, what was received before keeps the version it was opened
under, and a missed limit climbs the office's ladder (staff → supervisor → manager, or up to
company leadership). Everything here goes through the services and the worker's sweep.
"""

import datetime

import pytest
from django.db.models import Q
from django.urls import reverse

from core.exceptions import ApplicationError, PermissionDeniedError
from core.testing import make_company, make_office, make_staff
from notifications.models import OutboxMessage
from policies.rules import Duration
from policies.services import policy_update
from service_requests.choices import Category, Channel, DeadlineKind, EventType, ReceptionLabel
from service_requests.deadlines import sweep_deadlines
from service_requests.models import Escalation
from service_requests.services import (
    IntakeData,
    request_intake,
    request_reopen,
    request_reply,
    request_report_to_supervisor,
    request_resolve,
    request_set_appointment,
)
from service_requests.tests.conftest import at

FRIDAY = at(2026, 11, 27, 10, 0)  # a Friday: working days skip the weekend
SECOND = datetime.timedelta(seconds=1)


def _intake(actor, office, now=FRIDAY, **overrides):
    data = {"category": Category.OTHER, "channel": Channel.PHONE, "description": "楼道灯不亮"}
    data.update(overrides)
    return request_intake(actor=actor, office=office, data=IntakeData(**data), now=now)


def _set_policy(manager, office, changes: dict, note: str):
    return policy_update(actor=manager, office=office, changes=changes, note=note)


def _due(request, kind):
    return request.deadlines.get(kind=kind, round=1).due_at


def _ladder(request, kind=None) -> list[tuple[int, str]]:
    """(level, role) of the request's escalations (of one kind of limit), in order."""
    escalations = Escalation.objects.filter(deadline__request=request)
    if kind is not None:
        escalations = escalations.filter(deadline__kind=kind)
    return list(escalations.order_by("level").values_list("level", "role_code"))


def _told(user, request) -> bool:
    """`user` was sent an overdue escalation (逾期升级) naming the request's register number."""
    return OutboxMessage.objects.filter(
        Q(subject__contains=request.number) | Q(body__contains=request.number),
        recipient=user,
        channel="console",
        subject__startswith="逾期升级",
    ).exists()


# --- (a)+(b): every time limit takes the office's variant, for new requests only ----------------

VARIANTS = [
    pytest.param(
        "request.first_reply",
        Duration(0, "minutes"),
        {},
        DeadlineKind.FIRST_REPLY,
        FRIDAY + datetime.timedelta(minutes=5),
        FRIDAY,
        id="first-reply-5min-to-immediate",
    ),
    pytest.param(
        "consultation.oral_reply",
        Duration(5, "minutes"),
        {"category": Category.CONSULTATION},
        DeadlineKind.ORAL_REPLY,
        FRIDAY + datetime.timedelta(hours=2),
        FRIDAY + datetime.timedelta(minutes=5),
        id="oral-consultation-2h-to-5min",
    ),
    pytest.param(
        "consultation.written_reply",
        Duration(2, "working_days"),
        {"category": Category.CONSULTATION, "channel": Channel.LETTER},
        DeadlineKind.WRITTEN_REPLY,
        at(2026, 11, 29, 10, 0),  # Sunday
        at(2026, 12, 1, 10, 0),  # Tuesday
        id="written-consultation-2-calendar-to-2-working-days",
    ),
    pytest.param(
        "repair.promised_date_max",
        Duration(3, "working_days"),
        {"category": Category.REPAIR},
        DeadlineKind.REPAIR_COMPLETION,
        at(2026, 11, 30, 10, 0),  # Monday
        at(2026, 12, 2, 10, 0),  # Wednesday
        id="repair-3-calendar-to-3-working-days",
    ),
    pytest.param(
        "after_sales.slip_send",
        Duration(1, "working_days"),
        {"reception_label": ReceptionLabel.AFTER_SALES, "description": "外墙渗水(保修期内)"},
        DeadlineKind.AFTER_SALES_SLIP,
        at(2026, 11, 27, 23, 59) + datetime.timedelta(seconds=59),  # the same day
        at(2026, 11, 30, 23, 59) + datetime.timedelta(seconds=59),  # the next working day
        id="after-sales-slip-same-day-to-next-working-day",
    ),
    pytest.param(
        "emergency.major_report",
        Duration(15, "minutes"),
        {
            "category": Category.DISASTER,
            "is_major": True,
            "location": "地下车库",
            "description": "车库水浸",
            "reply_now": "已通知保安部和工程部",
        },
        DeadlineKind.SUPERVISOR_REPORT,
        FRIDAY,
        FRIDAY + datetime.timedelta(minutes=15),
        id="major-emergency-report-immediate-to-15min",
    ),
]


REPLY_KINDS = {DeadlineKind.FIRST_REPLY, DeadlineKind.ORAL_REPLY, DeadlineKind.WRITTEN_REPLY}


@pytest.mark.parametrize(("key", "changed", "data", "kind", "old_due", "new_due"), VARIANTS)
def test_each_limit_takes_the_offices_variant_and_earlier_requests_keep_theirs(
    office, receptionist, supervisor, manager, key, changed, data, kind, old_due, new_due
):
    """SOP.md §2 快速反应 (000 篇3 §4.1.2 a: 5分钟; 000 篇14/篇15 §4.1.2 a: 即时), 咨询 (000 篇12
    三.2: 口头2小时; 000 篇3 §4.1.2 a applied to 4.3.2: 5分钟; 000 篇3/篇14 §4.3.1 两日), SOP.md §4
    (003 §5.2 一般不应超过三天; 004 篇3 §4.5 当天返给售后), 000 篇3 §4.2.2 (重大的立即汇报).
    A request received before the manager's change keeps its limit; one received after it gets
    the new one; the sweep escalates whichever is due first, and only that one."""
    before = _intake(receptionist, office, **data)
    version = _set_policy(manager, office, {key: changed}, "按本公司规程调整")
    after = _intake(receptionist, office, **data)

    assert before.policy_version_id is None and after.policy_version_id == version.pk
    assert _due(before, kind) == old_due
    assert _due(after, kind) == new_due

    first, second = (before, after) if old_due < new_due else (after, before)
    if "reply_now" not in data and kind not in REPLY_KINDS:
        # Its first reply (5 minutes) is given in time; only the limit under test is missed.
        for request in (before, after):
            request.refresh_from_db()
            request_reply(
                actor=receptionist,
                request=request,
                version=request.version,
                reply="已答复",
                now=FRIDAY + datetime.timedelta(minutes=1),
            )
    sweep_deadlines(now=min(old_due, new_due) + SECOND)
    assert _ladder(first, kind) == [(1, "cs_supervisor")]
    assert _ladder(second, kind) == []
    assert _told(supervisor, first) and not _told(supervisor, second)


# --- 快速反应: 5 minutes or 即时 ----------------------------------------------------------------


def test_immediate_first_reply_is_overdue_at_once_unless_answered_on_the_line(
    office, receptionist, supervisor, manager
):
    """000 篇14/篇15 §4.1.2 a: 解决不了的……请示后即时给予回复. With 即时 (0 minutes) an unanswered
    call is overdue as soon as it is received and the supervisor hears of it at the next sweep;
    a call answered while the resident is on the line has no first-reply limit to miss."""
    _set_policy(manager, office, {"request.first_reply": Duration(0, "minutes")}, "即时答复")
    unanswered = _intake(receptionist, office)
    answered = _intake(receptionist, office, reply_now="已通知保洁部,半小时内处理")

    assert _due(unanswered, DeadlineKind.FIRST_REPLY) == FRIDAY
    assert not answered.deadlines.filter(kind=DeadlineKind.FIRST_REPLY).exists()
    result = sweep_deadlines(now=FRIDAY + SECOND)
    assert (result.missed, result.escalated) == (1, 1)
    assert _told(supervisor, unanswered) and not _told(supervisor, answered)
    missed = unanswered.events.get(type=EventType.DEADLINE_MISSED)
    assert missed.data["clause"].startswith("SOP.md §2 快速反应")


def test_the_default_five_minutes_is_not_missed_a_second_early(office, receptionist, supervisor):
    """000 篇1/篇3/篇5/篇11 §4.1.2 a and 001 §4.1.2 a: 请示后在5分钟内给予回复 (the default)."""
    request = _intake(receptionist, office)
    assert sweep_deadlines(now=FRIDAY + datetime.timedelta(minutes=5) - SECOND).missed == 0
    request_reply(
        actor=receptionist,
        request=request,
        version=request.version,
        reply="已请示主管,今天下午更换灯管",
        now=FRIDAY + datetime.timedelta(minutes=5),
    )
    assert request.deadlines.get(kind=DeadlineKind.FIRST_REPLY).on_time is True
    assert sweep_deadlines(now=FRIDAY + datetime.timedelta(hours=1)).escalated == 0
    assert not OutboxMessage.objects.filter(recipient=supervisor).exists()


# --- 咨询: written and oral ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("oral_reply", "due"),
    [
        pytest.param(None, FRIDAY + datetime.timedelta(hours=2), id="000-篇12-2-hours"),
        pytest.param(
            Duration(5, "minutes"), FRIDAY + datetime.timedelta(minutes=5), id="000-篇3-5-minutes"
        ),
        pytest.param(Duration(0, "minutes"), FRIDAY, id="000-篇14-即时"),
    ],
)
def test_oral_consultation_after_asking_the_supervisor_follows_the_variant(
    office, receptionist, supervisor, manager, oral_reply, due
):
    """Oral consultation answered after asking the supervisor: 000 篇12 三.2 (2小时内回复, the
    default), 000 篇3 §4.1.2 a with §4.3.2 (the general 5 minutes), 000 篇14 §4.1.2 a (即时). The
    reply is late one second after the office's limit and the supervisor is told."""
    if oral_reply is not None:
        _set_policy(manager, office, {"consultation.oral_reply": oral_reply}, "按本处规程")
    request = _intake(receptionist, office, category=Category.CONSULTATION, description="停车费")
    assert _due(request, DeadlineKind.ORAL_REPLY) == due
    assert not request.deadlines.filter(kind=DeadlineKind.FIRST_REPLY).exists()
    if due > FRIDAY:
        assert sweep_deadlines(now=due - SECOND).missed == 0
    sweep_deadlines(now=due + SECOND)
    assert _ladder(request) == [(1, "cs_supervisor")]
    assert _told(supervisor, request)


def test_written_consultation_is_answered_in_writing_by_the_supervisor_or_manager(
    office, receptionist, supervisor, manager
):
    """000 篇3 §4.3.1 (and 篇1/5/11/14/15, 001): 报主管两日内以书面形式回复,必要时请管理处经理
    予以书面回复. The front desk may not give the written reply (refused, the limit still runs);
    missed, it goes to the supervisor and then to the manager; the manager may answer it."""
    letter = _intake(receptionist, office, category=Category.CONSULTATION, channel=Channel.LETTER)
    with pytest.raises(PermissionDeniedError, match="书面答复书面咨询"):
        request_reply(actor=receptionist, request=letter, version=letter.version, reply="答复")
    deadline = letter.deadlines.get(kind=DeadlineKind.WRITTEN_REPLY)
    assert deadline.is_open and deadline.due_at == at(2026, 11, 29, 10, 0)

    sweep_deadlines(now=at(2026, 11, 29, 10, 1))
    sweep_deadlines(now=at(2026, 11, 29, 10, 32))  # 30 minutes on: request.escalation_interval
    assert _ladder(letter) == [(1, "cs_supervisor"), (2, "office_manager")]
    assert _told(supervisor, letter) and _told(manager, letter)

    letter.refresh_from_db()
    request_reply(
        actor=manager,
        request=letter,
        version=letter.version,
        reply="书面答复已寄出",
        now=at(2026, 11, 29, 11, 0),
    )
    deadline.refresh_from_db()
    assert deadline.met_at is not None and deadline.on_time is False


# --- 报修: the promised date --------------------------------------------------------------------


def test_repair_promise_is_bounded_by_the_offices_variant_and_the_earlier_call_keeps_its_own(
    office, household, receptionist, manager
):
    """SOP.md §4; 003 §5.2 (不能立即解决的,告之业户解决时间,一般不应超过三天) and 003 §4.2.1.1
    (工程班应在业户预约时间内完成). An office that promises within 48 hours refuses a later
    promise on a new call, naming its limit and clause; a call received under the 3-day default
    may still be promised within 3 days. The agreed time becomes the completion limit."""
    earlier = _intake(receptionist, office, category=Category.REPAIR, household=household)
    _set_policy(manager, office, {"repair.promised_date_max": Duration(48, "hours")}, "48小时")
    later = _intake(receptionist, office, category=Category.REPAIR, household=household)
    assert _due(later, DeadlineKind.REPAIR_COMPLETION) == FRIDAY + datetime.timedelta(hours=48)

    too_late = FRIDAY + datetime.timedelta(hours=60)
    with pytest.raises(ApplicationError, match="不能晚于受理后48 小时") as refused:
        request_set_appointment(
            actor=receptionist,
            request=later,
            version=later.version,
            promised_at=too_late,
            now=FRIDAY + datetime.timedelta(minutes=10),
        )
    assert "003 §5.2" in refused.value.message
    assert _due(later, DeadlineKind.REPAIR_COMPLETION) == FRIDAY + datetime.timedelta(hours=48)

    request_set_appointment(
        actor=receptionist,
        request=earlier,
        version=earlier.version,
        promised_at=too_late,
        now=FRIDAY + datetime.timedelta(minutes=10),
    )
    assert _due(earlier, DeadlineKind.REPAIR_COMPLETION) == too_late
    within = FRIDAY + datetime.timedelta(hours=47)
    request_set_appointment(
        actor=receptionist,
        request=later,
        version=later.version,
        promised_at=within,
        now=FRIDAY + datetime.timedelta(minutes=10),
    )
    assert _due(later, DeadlineKind.REPAIR_COMPLETION) == within


def test_a_repair_not_done_by_the_working_day_limit_is_escalated(
    office, household, receptionist, supervisor, manager
):
    """003 §5.2 一般不应超过三天, counted in working days by this office: a Friday call nobody
    agreed a time for is not overdue over the weekend, and is escalated on Wednesday."""
    _set_policy(
        manager, office, {"repair.promised_date_max": Duration(3, "working_days")}, "工作日"
    )
    repair = _intake(
        receptionist, office, category=Category.REPAIR, household=household, reply_now="已派工"
    )
    sweep_deadlines(now=at(2026, 11, 30, 18, 0))  # Monday evening: 3 calendar days have passed
    assert _ladder(repair) == []
    sweep_deadlines(now=at(2026, 12, 2, 10, 1))
    assert _ladder(repair) == [(1, "cs_supervisor")]
    assert _told(supervisor, repair)


# --- 重新打开: handled again --------------------------------------------------------------------


def test_a_reopened_request_is_handled_again_within_the_limit_of_its_own_version(
    office, receptionist, manager
):
    """SOP.md §2 事事有着落,件件有回音 (004 篇3 §4.11; 000 篇3 §4.3.1 两日): a reopened request
    is due again within request.handle_again. The office changes it to 1 working day; a request
    opened before keeps 2 calendar days even when reopened after the change."""
    earlier = _intake(receptionist, office, reply_now="已安排")
    _set_policy(manager, office, {"request.handle_again": Duration(1, "working_days")}, "加快")
    later = _intake(receptionist, office, reply_now="已安排")
    for request in (earlier, later):
        request_resolve(
            actor=receptionist,
            request=request,
            version=request.version,
            result="已更换灯管",
            now=FRIDAY + datetime.timedelta(hours=1),
        )
        request_reopen(
            actor=receptionist,
            request=request,
            version=request.version,
            reason="住户反映灯仍不亮",
            now=FRIDAY + datetime.timedelta(hours=2),
        )
    assert _due(earlier, DeadlineKind.HANDLE_AGAIN) == at(2026, 11, 29, 12, 0)  # Sunday
    assert _due(later, DeadlineKind.HANDLE_AGAIN) == at(2026, 11, 30, 12, 0)  # Monday


# --- (c) the escalation ladder ------------------------------------------------------------------


def test_a_changed_ladder_applies_to_requests_received_afterwards(
    office, receptionist, supervisor, manager
):
    """SOP.md §2 (主管→经理; 000 篇3 §4.2.2, 篇12 其它……疑难问题报管理处主任). An office whose
    overdue items go straight to the 主任, with an hour between levels: a request received
    before keeps the supervisor → manager ladder 30 minutes apart."""
    earlier = _intake(receptionist, office)
    _set_policy(
        manager,
        office,
        {
            "request.escalation_roles": ("office_manager",),
            "request.escalation_interval": Duration(1, "hours"),
        },
        "逾期直接报主任",
    )
    later = _intake(receptionist, office)

    sweep_deadlines(now=FRIDAY + datetime.timedelta(minutes=6))
    assert _ladder(earlier) == [(1, "cs_supervisor")]
    assert _ladder(later) == [(1, "office_manager")]
    assert _told(supervisor, earlier) and not _told(supervisor, later)
    assert _told(manager, later) and not _told(manager, earlier)

    sweep_deadlines(now=FRIDAY + datetime.timedelta(minutes=37))
    assert _ladder(earlier) == [(1, "cs_supervisor"), (2, "office_manager")]
    assert _ladder(later) == [(1, "office_manager")]  # its ladder has no second level
    note = later.events.get(type=EventType.REQUEST_ESCALATED).internal_note
    assert note == "“首次答复”逾期,已升级至管理处经理"


def test_the_ladder_may_end_with_company_leadership(office, receptionist, supervisor, manager):
    """003 §3.1 (超出处理权限的,上报公司领导) and 004 篇4 (重大 to 总经理): a ladder ending with
    the general manager tells them too — they work for every office of the company without
    being staff of any one — and not the general manager of another company."""
    general_manager = make_staff("general_manager", company=office.company, name="总经理")
    other_companys = make_staff(
        "general_manager", company=make_company("翠湖物业"), name="别家总经理"
    )
    _set_policy(
        manager,
        office,
        {"request.escalation_roles": ("cs_supervisor", "office_manager", "general_manager")},
        "上报公司领导",
    )
    request = _intake(receptionist, office)
    for minutes in (6, 37, 68):
        sweep_deadlines(now=FRIDAY + datetime.timedelta(minutes=minutes))
    assert _ladder(request) == [
        (1, "cs_supervisor"),
        (2, "office_manager"),
        (3, "general_manager"),
    ]
    assert _told(supervisor, request) and _told(manager, request)
    assert _told(general_manager, request)
    assert not OutboxMessage.objects.filter(recipient=other_companys).exists()


def test_the_request_page_reads_the_ladder_as_an_order_and_the_policy_page_a_set_as_a_list(
    client, office, receptionist, manager
):
    """SOP.md §2 主管→经理 (003 §3.1 上报公司领导): under the next deadline the receptionist reads
    who is chased, in order — 管理处经理 → 总经理 for this office's first replies. Who hears of a
    major special request (000 篇12 二.2 向主任汇报) is a set of roles told at once, which the
    policy page lists without an order."""
    _set_policy(
        manager,
        office,
        {
            "escalation.first_reply": ("office_manager", "general_manager"),
            "emergency.report_roles": ("cs_supervisor", "office_manager"),
        },
        "逾期报主任及公司;特别求助同时报主任",
    )
    request = _intake(receptionist, office)
    client.force_login(receptionist)
    page = client.get(reverse("service_requests:request_detail", args=[request.pk])).content
    assert "并依次升级通知 管理处经理 → 总经理(" in page.decode()

    client.force_login(manager)
    page = client.get(reverse("policies:policy_detail")).content.decode()
    assert "<b>客服主管、管理处经理</b>" in page
    assert "<b>管理处经理 → 总经理</b>" in page
    assert "<b>按“逾期升级顺序”:客服主管 → 管理处经理</b>" in page  # the kinds left empty


# --- 急救, 治安, 灾害: who is told at once ------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "description"),
    [
        (Category.MEDICAL_EMERGENCY, "老人晕倒,呼吸困难"),
        (Category.SECURITY_INCIDENT, "三人持械斗殴"),
        (Category.DISASTER, "地下车库水浸"),
    ],
)
def test_a_major_special_request_is_reported_at_once_or_escalated(
    office, household, receptionist, supervisor, manager, category, description
):
    """000 篇3 §4.2.2 (and 篇1/5/11/14/15, 001): 重大的急救工作应立即向主管汇报;主管认为必要的
    可向管理处经理请示; 000 篇12 注1: 特别求助 threatens life, property or public order (a, e, f).
    The supervisor is told at intake; until the report is recorded the limit is overdue, and the
    next sweeps take it to the supervisor and then the manager."""
    request = _intake(
        receptionist,
        office,
        category=category,
        description=description,
        household=household,
        contact_phone="13812345678",
        is_major=True,
    )
    assert request.is_special and request.is_major
    assert _due(request, DeadlineKind.SUPERVISOR_REPORT) == FRIDAY
    assert OutboxMessage.objects.filter(
        recipient=supervisor, subject__startswith="重大特别求助"
    ).exists()

    sweep_deadlines(now=FRIDAY + SECOND)
    sweep_deadlines(now=FRIDAY + datetime.timedelta(minutes=31))
    assert (1, "cs_supervisor") in _ladder(request)
    assert (2, "office_manager") in _ladder(request)
    assert _told(manager, request)


def test_a_report_recorded_at_once_stops_the_escalation(office, receptionist, supervisor):
    """000 篇3 §4.2.2 立即向主管汇报: recorded at once, the report is on time and nobody is
    chased."""
    request = _intake(
        receptionist,
        office,
        category=Category.DISASTER,
        description="3栋电梯困人",
        location="3栋电梯",
        is_major=True,
        reply_now="已通知工程部和保安部",
    )
    request_report_to_supervisor(
        actor=receptionist, request=request, note="已电话报告李主管", now=FRIDAY
    )
    assert request.deadlines.get(kind=DeadlineKind.SUPERVISOR_REPORT).on_time is True
    assert sweep_deadlines(now=FRIDAY + datetime.timedelta(hours=1)).escalated == 0
    assert _ladder(request) == []


def test_a_major_report_the_office_sends_to_the_manager(office, receptionist, supervisor, manager):
    """000 篇12 二.2 (同时向主任汇报): an office whose ladder names the 主任 first gets an
    unrecorded report of a major case to the manager at the first sweep. The intake's own
    notice is policy too, a rule of its own: it goes to the roles of emergency.report_roles
    (000 篇3 §4.2.2, the 客服主管 by default, which this office left alone), not to the
    ladder's; an office naming the 主任 there is in test_emergency_rules.py."""
    _set_policy(manager, office, {"request.escalation_roles": ("office_manager",)}, "报主任")
    request = _intake(
        receptionist,
        office,
        category=Category.SECURITY_INCIDENT,
        description="车库抢劫",
        location="地下车库",
        is_major=True,
        reply_now="已报110",
    )
    intake_notice = OutboxMessage.objects.filter(subject__startswith="重大特别求助")
    assert intake_notice.filter(recipient=supervisor).exists()
    assert not intake_notice.filter(recipient=manager).exists()
    sweep_deadlines(now=FRIDAY + SECOND)
    assert _ladder(request) == [(1, "office_manager")]
    assert _told(manager, request)


def test_a_general_request_cannot_be_flagged_major(office, receptionist, supervisor):
    """SOP.md §2: only 特别求助 (a, e, f; 000 篇12 注) are reported to the supervisor at once; a
    general request flagged 重大 by mistake opens no report limit and tells nobody."""
    request = _intake(receptionist, office, category=Category.REPAIR, is_major=True)
    assert not request.is_special and not request.is_major
    assert not request.deadlines.filter(kind=DeadlineKind.SUPERVISOR_REPORT).exists()
    assert not OutboxMessage.objects.filter(recipient=supervisor).exists()


# --- What the intake screen tells the receptionist ----------------------------------------------


def test_the_intake_hint_for_a_repair_is_the_offices_promise_limit(
    client, office, receptionist, manager
):
    """SOP.md §4; 003 §5.2 (一般不应超过三天): the repair hint on the intake screen is the
    office's own limit, not a number in the code — 3 calendar days by default, 48 hours once
    the manager says so. Someone choosing among several offices is pointed to the rule."""
    client.force_login(receptionist)
    page = client.get(reverse("service_requests:request_new")).content.decode()
    assert 'data-help="与住户约定完成时间,一般不超过3 自然日"' in page

    _set_policy(manager, office, {"repair.promised_date_max": Duration(48, "hours")}, "48小时")
    page = client.get(reverse("service_requests:request_new")).content.decode()
    assert 'data-help="与住户约定完成时间,一般不超过48 小时"' in page
    assert "与住户约定完成时间,一般不超过3 自然日" not in page

    two_offices = make_staff("cs_staff", offices=[office, make_office("翠湖花园管理处")])
    client.force_login(two_offices)
    page = client.get(reverse("service_requests:request_new")).content.decode()
    assert "一般不超过本管理处策略“维修承诺完成日期最长”" in page
    assert "一般不超过48 小时" not in page
