"""The measures ladder and its prerequisites (SOP.md §8; 000 篇8 §4.4–4.5, 篇4 §4.4.7–4.4.8,
篇6 §4.4.8). Every refusal names what is missing and changes nothing."""

import datetime
from decimal import Decimal

import pytest

from core.exceptions import ApplicationError
from core.testing import make_staff, make_superuser
from policies.rules import Duration
from policies.services import policy_update
from violations import services
from violations.choices import EventType, Measure, NoticeKind, Outcome, Status, SubKind, Utility
from violations.models import CaseEvent, CaseMeasure, ViolationNotice
from violations.tests.conftest import NOW, register

DAY = datetime.timedelta(days=1)
MINUTE = datetime.timedelta(minutes=1)


def decide(actor, case, kind, *, now=NOW, **kw):
    kw.setdefault("reason", "多次劝导无效")
    return services.measure_record(
        actor=actor, case=case, data=services.MeasureData(kind=kind, **kw), now=now
    )


def unchanged(case, measures=0):
    case.refresh_from_db()
    assert case.measures.count() == measures
    return case


@pytest.fixture
def fee_case(receptionist, office, household):
    return register(
        receptionist,
        office,
        household,
        sub_kind=SubKind.FEE_REFUSAL,
        description="拒交物业服务费八个月",
        harms_office_finances=True,
        arrears_amount=Decimal("2360.00"),
    )


# --- Who may sign ------------------------------------------------------------------------------


def test_anyone_on_staff_may_record_persuasion(receptionist, office, household):
    """000 篇4 §4.4.8: 其他员工只能进行劝导、教育."""
    case = register(receptionist, office, household)
    measure = decide(receptionist, case, Measure.PERSUASION, outcome="住户答应今晚清理")
    assert measure.decided_by == receptionist and measure.decided_as == ""


@pytest.mark.parametrize(
    "kind", [Measure.RECTIFICATION, Measure.COMPENSATION, Measure.PUBLIC_CRITICISM]
)
def test_a_penalty_by_anyone_else_is_refused(kind, receptionist, office, household):
    """000 篇4 §4.4.8: 严禁进行越权处罚; the decision takes effect when the manager signs."""
    case = register(receptionist, office, household, harms_residents=True)
    with pytest.raises(ApplicationError, match="须经管理处经理签署后生效") as error:
        decide(receptionist, case, kind, deadline=NOW.date() + 7 * DAY, amount=Decimal(100))
    assert error.value.status_code == 403
    unchanged(case)
    assert not ViolationNotice.objects.exists()


def test_the_supervisor_signs_general_cases_only_where_the_policy_says(
    receptionist, supervisor, manager, office, household
):
    """Default: only the manager (000 篇4 §4.4.8); variant: the supervisor for general cases
    (000 篇6 §4.4.8, 篇8 §4.5.9) — never a major one, never a utility cut."""
    general = register(receptionist, office, household)
    major = register(receptionist, office, household, harms_public_safety=True)
    deadline = NOW.date() + 7 * DAY
    with pytest.raises(ApplicationError, match="管理处经理"):
        decide(supervisor, general, Measure.RECTIFICATION, deadline=deadline)
    policy_update(
        actor=manager,
        office=office,
        changes={"violations.penalty_roles_general": ("cs_supervisor",)},
        note="本处规程:一般违章由客服主管处理",
    )
    measure = decide(supervisor, general, Measure.RECTIFICATION, deadline=deadline)
    assert measure.decided_as == "cs_supervisor" and measure.policy_number == 1
    with pytest.raises(ApplicationError, match="须经管理处经理签署"):
        decide(supervisor, major, Measure.RECTIFICATION, deadline=deadline)
    unchanged(major)


def test_a_superuser_is_not_a_signing_role(receptionist, office, household):
    case = register(receptionist, office, household)
    with pytest.raises(ApplicationError, match="签署后生效"):
        decide(make_superuser("admin"), case, Measure.RECTIFICATION, deadline=NOW.date() + DAY)


def test_litigation_is_the_companys_decision(
    receptionist, manager, vice_president, office, household
):
    """000 篇8 §4.5.6: 必要时由公司作出决定对违章业主提起仲裁或司法诉讼."""
    case = register(receptionist, office, household, harms_office_finances=True)
    with pytest.raises(ApplicationError, match="须由公司决定"):
        decide(manager, case, Measure.LITIGATION)
    unchanged(case)
    measure = decide(vice_president, case, Measure.LITIGATION)
    assert measure.decided_as == "vice_president"


def test_litigation_roles_must_be_company_level(manager, receptionist, office, household):
    """Even if an office lists the manager, an office-level role is not the company."""
    policy_update(
        actor=manager,
        office=office,
        changes={"violations.litigation_roles": ("office_manager",)},
        note="试图由管理处决定诉讼",
    )
    case = register(receptionist, office, household, harms_office_finances=True)
    with pytest.raises(ApplicationError, match="须由公司决定"):
        decide(manager, case, Measure.LITIGATION)


# --- Rectification, compensation, public criticism --------------------------------------------


def test_a_rectification_notice_with_a_date_in_the_past_is_refused(
    receptionist, manager, office, household
):
    case = register(receptionist, office, household)
    for deadline in (NOW.date() - DAY, NOW.date(), None):
        with pytest.raises(ApplicationError, match="期限") as error:
            decide(manager, case, Measure.RECTIFICATION, deadline=deadline)
        assert "deadline" in error.value.field_errors
    unchanged(case)
    assert not ViolationNotice.objects.exists()


def test_a_rectification_notice_is_issued_from_the_template(
    receptionist, manager, office, household
):
    """SOP.md §11 违章整改通知书."""
    case = register(receptionist, office, household)
    measure = decide(manager, case, Measure.RECTIFICATION, deadline=datetime.date(2026, 11, 30))
    notice = measure.notice
    assert notice.kind == NoticeKind.RECTIFICATION and notice.title == "违章整改通知书"
    assert "3栋2单元1502" in notice.body and "2026年11月30日" in notice.body
    assert "{" not in notice.body
    assert not case.followup_due  # a rectification notice is not a penalty


def test_compensation_needs_an_amount_and_asks_for_a_follow_up(
    receptionist, manager, office, household
):
    """000 篇8 §4.5.7: after a penalty, mend the relationship."""
    case = register(receptionist, office, household, harms_office_finances=True)
    with pytest.raises(ApplicationError, match="金额"):
        decide(manager, case, Measure.COMPENSATION)
    unchanged(case)
    decide(manager, case, Measure.COMPENSATION, amount=Decimal("350.00"))
    case.refresh_from_db()
    assert case.followup_due


def test_public_criticism_needs_the_committees_recorded_support(
    receptionist, manager, committee, office, household
):
    """000 篇8 §4.5.4: 经征求业主委员会支持后,予以通报批评."""
    case = register(receptionist, office, household, harms_residents=True)
    with pytest.raises(ApplicationError, match="须先取得业主委员会的支持") as error:
        decide(manager, case, Measure.PUBLIC_CRITICISM)
    assert error.value.extra == {"missing": ["committee_support"]}
    unchanged(case)
    services.committee_support_record(
        actor=committee, case=case, note="业委会11月22日例会同意通报", now=NOW
    )
    assert decide(manager, case, Measure.PUBLIC_CRITICISM).kind == Measure.PUBLIC_CRITICISM


def test_a_measure_of_the_other_ladder_is_refused(receptionist, manager, office, household):
    case = register(receptionist, office, household)
    with pytest.raises(ApplicationError, match="不是此类违章的处理方式"):
        decide(manager, case, Measure.LATE_FEE, amount=Decimal(10))


# --- Cutting water or electricity --------------------------------------------------------------


def notify_and_visit(manager, receptionist, case, *, delivered=NOW, visited=None, cut_at=None):
    """Issue the cut notice, record its delivery and the visit; the cut is due at cut_at."""
    cut_at = cut_at or delivered + 3 * DAY
    notice = services.utility_cut_notice_issue(
        actor=manager, case=case, cut_at=cut_at, utility=Utility.ELECTRICITY, now=delivered
    )
    services.notice_deliver(
        actor=receptionist,
        notice=notice,
        delivered_at=delivered,
        delivered_to="张伟",
        now=delivered,
    )
    if visited is not None:
        services.utility_visit_record(
            actor=receptionist, notice=notice, visited_at=visited, now=visited
        )
    return notice


def test_a_utility_cut_with_every_prerequisite_then_restored_and_closed(
    receptionist, manager, covenant, fee_case
):
    """000 篇8 §4.5.5 (a)–(e), §4.5.7: the whole path."""
    cut_at = NOW + 3 * DAY
    notify_and_visit(manager, receptionist, fee_case, visited=cut_at - 10 * MINUTE)
    cut = decide(manager, fee_case, Measure.UTILITY_CUT, now=cut_at)
    assert cut.cut_in_force and cut.utility == Utility.ELECTRICITY
    with pytest.raises(ApplicationError, match="仍在停水停电中") as error:
        services.case_close(
            actor=manager, case=fee_case, outcome=Outcome.PAID, note="已缴清", now=cut_at
        )
    assert error.value.extra == {"missing": ["supply_restored"]}
    services.supply_restore(actor=receptionist, measure=cut, note="已缴清欠费", now=cut_at + DAY)
    with pytest.raises(ApplicationError, match="尚未记录事后沟通"):
        services.case_close(
            actor=manager, case=fee_case, outcome=Outcome.PAID, note="已缴清", now=cut_at + DAY
        )
    services.followup_record(
        actor=receptionist, case=fee_case, note="上门致意,住户表示理解", now=cut_at + DAY
    )
    closed = services.case_close(
        actor=manager, case=fee_case, outcome=Outcome.PAID, note="已缴清", now=cut_at + 2 * DAY
    )
    assert closed.status == Status.CLOSED
    types = list(CaseEvent.objects.filter(case=fee_case).values_list("type", flat=True))
    assert EventType.SUPPLY_RESTORED in types and types[-1] == EventType.CASE_CLOSED


def test_a_cut_without_a_covenant_clause_is_refused(receptionist, manager, fee_case):
    """000 篇8 §4.5.5(a), §4.4.2(f): only where the 业主公约 provides for it."""
    with pytest.raises(ApplicationError, match="业主公约") as error:
        services.utility_cut_notice_issue(
            actor=manager, case=fee_case, cut_at=NOW + 4 * DAY, utility=Utility.WATER, now=NOW
        )
    assert error.value.extra == {"missing": ["covenant_clause"]}
    with pytest.raises(ApplicationError, match="业主公约"):
        decide(manager, fee_case, Measure.UTILITY_CUT, now=NOW + 4 * DAY)
    unchanged(fee_case)
    assert not ViolationNotice.objects.exists()


def test_a_cut_without_a_delivered_notice_is_refused(receptionist, manager, covenant, fee_case):
    """000 篇8 §4.5.5(b): 提前3天通知住户."""
    services.utility_cut_notice_issue(
        actor=manager, case=fee_case, cut_at=NOW + 3 * DAY, utility=Utility.WATER, now=NOW
    )
    with pytest.raises(ApplicationError, match="书面通知尚未送达"):
        decide(manager, fee_case, Measure.UTILITY_CUT, now=NOW + 4 * DAY)
    unchanged(fee_case)


def test_a_cut_less_than_three_days_after_delivery_is_refused(
    receptionist, manager, covenant, fee_case
):
    """The notice period is the policy's (violations.utility_cut_notice, 3 days)."""
    notify_and_visit(manager, receptionist, fee_case, visited=NOW + 2 * DAY)
    with pytest.raises(ApplicationError, match="未满提前3 自然日"):
        decide(manager, fee_case, Measure.UTILITY_CUT, now=NOW + 2 * DAY + 10 * MINUTE)
    unchanged(fee_case)


def test_a_cut_notice_for_a_date_in_the_past_or_too_soon_is_refused(manager, covenant, fee_case):
    with pytest.raises(ApplicationError, match="不能早于现在") as error:
        services.utility_cut_notice_issue(
            actor=manager, case=fee_case, cut_at=NOW - DAY, utility=Utility.WATER, now=NOW
        )
    assert error.value.code == "date_in_past"
    with pytest.raises(ApplicationError, match="至少3 自然日"):
        services.utility_cut_notice_issue(
            actor=manager, case=fee_case, cut_at=NOW + DAY, utility=Utility.WATER, now=NOW
        )
    assert not ViolationNotice.objects.exists()


def test_a_cut_without_the_visit_is_refused(receptionist, manager, covenant, fee_case):
    """000 篇8 §4.5.5(c): 停水停电前5分钟再次登门告之."""
    notify_and_visit(manager, receptionist, fee_case)
    with pytest.raises(ApplicationError, match="未再次登门告知") as error:
        decide(manager, fee_case, Measure.UTILITY_CUT, now=NOW + 3 * DAY)
    assert error.value.code == "prerequisite_missing"
    unchanged(fee_case)


def test_a_cut_less_than_five_minutes_after_the_visit_is_refused(
    receptionist, manager, covenant, fee_case
):
    cut_at = NOW + 3 * DAY
    notify_and_visit(manager, receptionist, fee_case, visited=cut_at - 2 * MINUTE)
    with pytest.raises(ApplicationError, match="不足5 分钟"):
        decide(manager, fee_case, Measure.UTILITY_CUT, now=cut_at)
    unchanged(fee_case)


def test_a_cut_not_decided_by_the_manager_is_refused(
    receptionist, supervisor, manager, covenant, fee_case, office
):
    """000 篇8 §4.5.5(e): 决定需由管理处经理做出 — even where the supervisor signs general
    cases."""
    policy_update(
        actor=manager,
        office=office,
        changes={"violations.penalty_roles_general": ("cs_supervisor",)},
        note="一般违章由客服主管处理",
    )
    cut_at = NOW + 3 * DAY
    notify_and_visit(manager, receptionist, fee_case, visited=cut_at - 10 * MINUTE)
    for actor in (receptionist, supervisor):
        with pytest.raises(ApplicationError, match="须经管理处经理签署"):
            decide(actor, fee_case, Measure.UTILITY_CUT, now=cut_at)
    unchanged(fee_case)


def test_a_cut_missing_everything_names_every_prerequisite(manager, fee_case):
    with pytest.raises(ApplicationError) as error:
        decide(manager, fee_case, Measure.UTILITY_CUT, now=NOW)
    assert len(error.value.extra["missing"]) == 3
    assert "业主公约" in error.value.message and "登门" in error.value.message


def test_a_longer_notice_period_in_the_policy_applies(
    receptionist, manager, covenant, fee_case, office
):
    policy_update(
        actor=manager,
        office=office,
        changes={"violations.utility_cut_notice": Duration(5, "calendar_days")},
        note="本处提前5天通知",
    )
    with pytest.raises(ApplicationError, match="至少5 自然日"):
        notify_and_visit(manager, receptionist, fee_case)


def test_restoring_is_refused_without_a_cut_in_force(receptionist, manager, covenant, fee_case):
    measure = decide(receptionist, fee_case, Measure.FEE_URGE)
    with pytest.raises(ApplicationError, match="不是正在执行的停水停电"):
        services.supply_restore(actor=receptionist, measure=measure)
    assert not CaseMeasure.objects.filter(restored_at__isnull=False).exists()


def test_the_reminder_letter_states_the_arrears(receptionist, manager, fee_case):
    """000 篇8 §4.4.2(b): 发催缴函."""
    measure = decide(manager, fee_case, Measure.REMINDER_LETTER, deadline=NOW.date() + 10 * DAY)
    assert "2360.00元" in measure.notice.body


def test_a_closed_case_takes_no_more_measures(receptionist, manager, office, household):
    case = register(receptionist, office, household)
    services.case_close(actor=manager, case=case, outcome=Outcome.CORRECTED, note="已清理")
    with pytest.raises(ApplicationError, match="已结案"):
        decide(receptionist, case, Measure.PERSUASION)


def test_only_a_closing_role_closes(receptionist, office, household):
    case = register(receptionist, office, household)
    with pytest.raises(ApplicationError, match="违章结案"):
        services.case_close(actor=receptionist, case=case, outcome=Outcome.CORRECTED, note="x")
    case.refresh_from_db()
    assert case.status == Status.OPEN


def test_a_committee_member_of_another_office_cannot_record_support(
    other_office, receptionist, office, household
):
    from core.authz import ObjectNotFoundError

    case = register(receptionist, office, household)
    with pytest.raises(ObjectNotFoundError):
        services.committee_support_record(
            actor=make_staff("owners_committee", offices=[other_office]), case=case, note="同意"
        )
    case.refresh_from_db()
    assert case.committee_support_at is None
