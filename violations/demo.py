"""Demo resident violations for the demo office (SOP.md §8): a few cases of different kinds at
different steps of the measures ladder, made through the services at the times they would have
happened (estates.demo.DemoClock) — persuasion by the centre, penalties signed by the office
manager, notices issued and delivered, the owners' committee's support, a case closed after the
follow-up."""

import datetime
from decimal import Decimal

from django.db import transaction

from estates.demo import DemoClock, staff_user
from estates.models import Estate, Household
from violations import services
from violations.choices import Measure, Outcome, SubKind, Utility
from violations.models import ViolationCase


@transaction.atomic
def load_demo_violations(office, *, now: datetime.datetime | None = None) -> int:
    """The demo office's violation cases; returns how many."""
    households = list(
        Household.objects.filter(office=office, residents__moved_out_on__isnull=True)
        .distinct()
        .select_related("unit__building")
        .order_by("-unit__building__number", "unit__entrance", "-unit__floor", "unit__room_number")
    )
    if not households:
        return 0
    step = max(1, len(households) // 7)
    picks = households[::step]

    def household(index):
        return picks[index % len(picks)]

    clock = DemoClock(now)
    people = {
        name: staff_user(name)
        for name in (
            "cs_staff",
            "cs_supervisor",
            "office_manager",
            "owners_committee",
            "security_shift_leader",
        )
    }
    before = ViolationCase.objects.filter(office=office).count()
    _hoarding_persuaded(clock, people, household(0))
    _load_bearing_wall_awaiting_signature(clock, people, household(1))
    _fees_refused_cut_notice_delivered(clock, people, household(2), office)
    _lawn_closed_after_follow_up(clock, people, household(3))
    _pet_reported_today(clock, people, household(4))
    return ViolationCase.objects.filter(office=office).count() - before


def _register(actor, household, at, **fields):
    return services.case_register(
        actor=actor,
        office=household.office,
        data=services.CaseData(household=household, **fields),
        now=at,
    )


def _measure(actor, case, at, kind, reason, **extra):
    return services.measure_record(
        actor=actor,
        case=case,
        data=services.MeasureData(kind=kind, reason=reason, **extra),
        now=at,
    )


def _hoarding_persuaded(clock: DemoClock, people, household) -> None:
    """一般违章: hoarding in the stairwell, persuaded by the cleaner on the spot and by the
    supervisor since; the next rung (rectification) needs the office manager's signature."""
    found = clock.day(3, 8, 50)
    case = _register(
        people["cs_staff"],
        household,
        clock.day(3, 9, 30),
        sub_kind=SubKind.HYGIENE_HOARDING,
        place=f"{household.unit.building.display_name}{household.unit.entrance}单元 消防楼梯间",
        occurred_at=found,
        description="楼梯间堆放旧家具、纸箱约两平方米,占用疏散通道一侧",
        reported_by="保洁员 吴桂英",
        persuaded_on_site=True,
    )
    _measure(
        people["cs_supervisor"],
        case,
        clock.day(2, 10, 0),
        Measure.PERSUASION,
        "主管上门劝导,说明楼梯间是疏散通道,堆物有消防隐患",
        outcome="住户答应周末前清走,已清走纸箱,旧家具未清",
    )


def _load_bearing_wall_awaiting_signature(clock: DemoClock, people, household) -> None:
    """重大违章 (public safety): a load-bearing wall being knocked through. Work stopped after
    persuasion and a 协调单 to engineering; the rectification notice waits for the office
    manager's signature — staff may only persuade (000 篇4 §4.4.8)."""
    found = clock.day(1, 13, 50)
    case = _register(
        people["cs_staff"],
        household,
        clock.day(1, 14, 20),
        sub_kind=SubKind.RENOVATION_LOAD_BEARING,
        place=f"{household.unit.label} 室内",
        occurred_at=found,
        description="装修巡查发现施工队正在凿除客厅与阳台之间的承重墙,墙体已开洞约1米宽",
        reported_by="工程部 何师傅(装修巡查)",
        harms_residents=True,
        harms_public_safety=True,
        persuaded_on_site=True,
    )
    services.slip_issue(
        actor=people["cs_staff"],
        case=case,
        addressed_to="工程部",
        content="请派人现场查验墙体受损情况,出具加固意见",
        now=clock.day(1, 14, 30),
    )
    _measure(
        people["cs_supervisor"],
        case,
        clock.day(1, 15, 0),
        Measure.PERSUASION,
        "主管到场要求立即停工,说明承重墙不得拆改及对上下楼层的安全影响",
        outcome="施工队已停工;业主坚持要拆,要求管理处给书面说法",
    )


def _fees_refused_cut_notice_delivered(clock: DemoClock, people, household, office) -> None:
    """拒交管理服务费 over a year: urged, a reminder letter, a late fee, the owners' committee's
    notice, and now the written notice of a water cut delivered (the estate's covenant allows
    it). Next: the visit five minutes before and the manager's decision, from the announced
    time (000 篇8 §4.4.2, §4.5.5)."""
    manager = people["office_manager"]
    estate = Estate.objects.filter(office=office).order_by("pk").first()
    services.covenant_clause_record(
        actor=manager,
        estate=estate,
        text="第十八条 业主无正当理由拒交物业服务费,经书面催告后仍不缴纳的,"
        "物业服务企业可在提前三日书面通知后暂停供水",
        allows_utility_cut=True,
        now=clock.day(120, 9, 0),
    )
    case = _register(
        people["cs_staff"],
        household,
        clock.day(70, 10, 0),
        sub_kind=SubKind.FEE_REFUSAL,
        place=household.unit.label,
        occurred_at=clock.day(70, 9, 0),
        description="自去年起拒交物业服务费,共欠费12个月;住户称对小区绿化不满,无其他特殊原因",
        reported_by="财务部 许丽",
        harms_office_finances=True,
        arrears_amount=Decimal("4656.00"),
    )
    _measure(
        people["cs_staff"],
        case,
        clock.day(70, 15, 0),
        Measure.FEE_URGE,
        "电话沟通,解释物业费用途并记录住户对绿化的意见",
        outcome="住户表示绿化改善后再交",
    )
    letter = _measure(
        manager,
        case,
        clock.day(60, 10, 0),
        Measure.REMINDER_LETTER,
        "电话督促无效,发催缴函",
        deadline=clock.date(45),
    )
    services.notice_deliver(
        actor=people["cs_staff"],
        notice=letter.notice,
        delivered_at=clock.day(59, 18, 30),
        delivered_to="业主本人",
        now=clock.day(59, 18, 40),
    )
    _measure(
        manager,
        case,
        clock.day(40, 9, 30),
        Measure.LATE_FEE,
        "催缴函期限已过仍未缴费,按《物业服务合同》加收滞纳金",
        amount=Decimal("232.80"),
    )
    services.followup_record(
        actor=people["cs_supervisor"],
        case=case,
        note="主管上门沟通,说明滞纳金计算方式;绿化部已补种住户楼前缺株",
        now=clock.day(38, 16, 0),
    )
    services.committee_support_record(
        actor=people["owners_committee"],
        case=case,
        note="业委会第三次例会讨论通过,同意在公告栏公布欠费超过六个月的住户",
        now=clock.day(25, 19, 30),
    )
    _measure(
        manager,
        case,
        clock.day(20, 9, 0),
        Measure.COMMITTEE_NOTICE,
        "欠费超过六个月,经业委会同意在公告栏公布",
    )
    services.followup_record(
        actor=people["cs_supervisor"],
        case=case,
        note="公告后电话联系住户,住户仍拒绝缴费",
        now=clock.day(18, 11, 0),
    )
    notice = services.utility_cut_notice_issue(
        actor=manager,
        case=case,
        cut_at=clock.day(-2, 9, 0),
        utility=Utility.WATER,
        now=clock.day(2, 10, 0),
    )
    services.notice_deliver(
        actor=people["cs_staff"],
        notice=notice,
        delivered_at=clock.day(2, 11, 20),
        delivered_to="业主本人",
        now=clock.day(2, 11, 30),
    )


def _lawn_closed_after_follow_up(clock: DemoClock, people, household) -> None:
    """一般违章, the whole way: persuasion, a rectification notice not complied with,
    compensation for the turf, the follow-up talk, closed as corrected."""
    manager = people["office_manager"]
    case = _register(
        people["cs_staff"],
        household,
        clock.day(20, 10, 0),
        sub_kind=SubKind.HYGIENE_LAWN,
        place=f"{household.unit.building.display_name}楼前绿地",
        occurred_at=clock.day(20, 8, 30),
        description="住户在楼前绿地私自翻土种菜并用竹竿围栏,占用绿地约6平方米",
        reported_by="绿化部 郑国平",
        persuaded_on_site=True,
    )
    rectification = _measure(
        manager,
        case,
        clock.day(19, 9, 30),
        Measure.RECTIFICATION,
        "劝导后未拆除围栏,限期恢复绿地",
        deadline=clock.date(12),
    )
    services.notice_deliver(
        actor=people["cs_staff"],
        notice=rectification.notice,
        delivered_at=clock.day(19, 17, 0),
        delivered_to="业主本人",
        now=clock.day(19, 17, 10),
    )
    services.measure_outcome_record(
        actor=people["cs_supervisor"],
        measure=rectification,
        outcome="住户拆除围栏,但菜地未恢复,由绿化部重铺草皮",
        now=clock.day(11, 16, 0),
    )
    _measure(
        manager,
        case,
        clock.day(10, 10, 0),
        Measure.COMPENSATION,
        "绿化部重铺草皮6平方米,按实际费用由住户赔偿",
        amount=Decimal("360.00"),
    )
    services.followup_record(
        actor=people["cs_supervisor"],
        case=case,
        note="上门沟通,住户已缴纳赔偿;推荐其参加社区屋顶菜园活动,住户态度缓和",
        now=clock.day(8, 15, 0),
    )
    services.case_close(
        actor=people["cs_supervisor"],
        case=case,
        outcome=Outcome.CORRECTED,
        note="绿地已恢复,赔偿已缴,事后沟通完成",
        now=clock.day(8, 15, 30),
    )


def _pet_reported_today(clock: DemoClock, people, household) -> None:
    """A general case the security shift leader registered 40 minutes ago, after persuading."""
    at = clock.minutes_ago(40)
    _register(
        people["security_shift_leader"],
        household,
        at,
        sub_kind=SubKind.HYGIENE_PETS,
        place="中心花园步道",
        occurred_at=at - datetime.timedelta(minutes=15),
        description="住户遛大型犬未牵绳,犬只追扑路过儿童,家长当场投诉",
        reported_by="保安班长 孙海涛",
        persuaded_on_site=True,
    )
