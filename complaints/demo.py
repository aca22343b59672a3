"""Demo complaints for the demo office (SOP.md §3): about a dozen complaints of the last two
weeks, one at each point of the procedure, made through the services at the times they would
have happened (estates.demo.DemoClock), so the timelines, deadlines, notices and escalations are
the real ones."""

import datetime
from dataclasses import dataclass

from django.db import transaction

from complaints import services
from complaints.choices import (
    ChecklistStep,
    Handling,
    Severity,
    ToldChannel,
    Validity,
    ValidKind,
)
from complaints.deadlines import sweep_complaints
from complaints.models import Complaint
from estates.demo import DemoClock, staff_user
from estates.models import Household
from organization.choices import DepartmentKind
from organization.models import Department
from service_requests.choices import Category, Channel, DeadlineKind, Satisfaction
from service_requests.deadlines import sweep_deadlines
from service_requests.services import IntakeData


@dataclass
class _Desk:
    """Who works at the demo office's service centre and where complaints are sent."""

    office: object
    clock: DemoClock
    households: list
    staff: object  # 客服管理员 张婷: takes the calls
    supervisor: object  # 客服主管 李晓梅: judges, sends slips, hands over
    manager: object  # 管理处经理 王立新
    assistant: object  # 经理助理 赵敏
    departments: dict

    def day(self, days_ago: int, hour: int, minute: int = 0) -> datetime.datetime:
        return self.clock.day(days_ago, hour, minute)

    def household(self, index: int):
        return self.households[index % len(self.households)]


def _after(moment: datetime.datetime, minutes: int) -> datetime.datetime:
    return moment + datetime.timedelta(minutes=minutes)


def _receive(desk: _Desk, index: int, at, *, what, demand, department=None, party="", place=""):
    """The call: the category c request and the reception record, with the apology (000 篇10
    §4.3.1), by the receptionist at the moment the resident called."""
    household = desk.household(index)
    resident = household.residents.filter(phone__gt="", moved_out_on__isnull=True).first()
    return services.complaint_intake(
        actor=desk.staff,
        office=desk.office,
        intake=IntakeData(
            category=Category.COMPLAINT,
            channel=Channel.PHONE,
            description=what,
            household=household,
            contact_name=resident.name,
            contact_phone=resident.phone,
        ),
        data=services.ComplaintData(
            what_happened=what,
            event_at=_after(at, -30),
            event_place=place or household.unit.building.display_name,
            complained_party=party,
            complained_department=desk.departments.get(department),
            resident_demand=demand,
            apologised=True,
        ),
        now=at,
    )


# 五清楚一报告 (002 篇1 §1): listened, asked and recorded on the phone; reported to the
# supervisor once judged; followed through while the department works; replied when told.
AT_RECEPTION = (ChecklistStep.LISTEN, ChecklistStep.ASK, ChecklistStep.RECORD)


def _checklist(desk: _Desk, complaint: Complaint, at, steps=AT_RECEPTION, actor=None) -> None:
    for minute, code in enumerate(steps, start=1):
        services.complaint_step_done(
            actor=actor or desk.staff, complaint=complaint, code=code, now=_after(at, minute)
        )


def _resolve_deadline(complaint: Complaint):
    return (
        complaint.request.deadlines.filter(kind=DeadlineKind.COMPLAINT_RESOLVE)
        .order_by("-round")
        .first()
    )


def _judge(desk: _Desk, complaint: Complaint, at, severity: str) -> Complaint:
    return services.complaint_judge(
        actor=desk.supervisor,
        complaint=complaint,
        validity=Validity.VALID,
        valid_kind=ValidKind.PROPERTY,
        severity=severity,
        now=at,
    )


def _dispatch(desk: _Desk, complaint: Complaint, at, department: str, signed_by: str) -> None:
    """The 住户投诉意见表 to the department, signed for by `signed_by` (15 min, 000 篇10 §4.4)."""
    services.complaint_send_slip(
        actor=desk.supervisor,
        complaint=complaint,
        department=desk.departments[department],
        signed_by=signed_by,
        now=at,
    )


def _hand_over(desk: _Desk, complaint: Complaint, at, to_user, note="") -> None:
    services.complaint_hand_over(
        actor=desk.supervisor, complaint=complaint, to_user=to_user, note=note, now=at
    )


def _important_dispatched(desk, index, at, *, what, demand, department, signed_by, party=""):
    complaint = _receive(
        desk, index, at, what=what, demand=demand, department=department, party=party
    )
    _checklist(desk, complaint, at)
    _judge(desk, complaint, _after(at, 4), Severity.IMPORTANT)
    _hand_over(desk, complaint, _after(at, 6), desk.supervisor, note="主管亲自跟进")
    _checklist(desk, complaint, _after(at, 6), (ChecklistStep.REPORT,))
    _dispatch(desk, complaint, _after(at, 9), department, signed_by)
    _checklist(desk, complaint, _after(at, 30), (ChecklistStep.FOLLOW,))
    return complaint


def _return_and_tell(desk, complaint, returned_at, told_at, *, handling, told, teller):
    services.complaint_return_slip(
        actor=desk.supervisor, complaint=complaint, handling=handling, now=returned_at
    )
    services.complaint_tell_resident(
        actor=teller, complaint=complaint, channel=ToldChannel.PHONE, note=told, now=told_at
    )
    _checklist(desk, complaint, told_at, (ChecklistStep.REPLY,), actor=teller)


@transaction.atomic
def load_demo_complaints(office, *, now: datetime.datetime | None = None) -> int:
    """The demo office's complaints, one at each step of SOP.md §3; returns how many."""
    clock = DemoClock(now)
    households = list(
        Household.objects.filter(
            office=office, residents__phone__gt="", residents__moved_out_on__isnull=True
        )
        .distinct()
        .select_related("unit__building")
        .order_by("unit__building__number", "unit__entrance", "unit__floor", "unit__room_number")
    )
    if len(households) < 3:
        return 0
    # Spread the complainants over the estate rather than one staircase.
    step = max(1, len(households) // 13)
    desk = _Desk(
        office=office,
        clock=clock,
        households=households[::step],
        staff=staff_user("cs_staff"),
        supervisor=staff_user("cs_supervisor"),
        manager=staff_user("office_manager"),
        assistant=staff_user("assistant_manager"),
        departments={
            d.kind: d
            for d in Department.objects.filter(office=office, is_active=True).order_by("pk")
        },
    )
    before = Complaint.objects.filter(office=office).count()
    _closed_after_follow_up(desk)
    _overdue_in_the_department(desk)
    _invalid_answered(desk)
    _minor_told(desk)
    _visit_planned_for_cs_staff(desk)
    _collective_major(desk)
    _minor_extension_approved(desk)
    _important_awaiting_return(desk)
    _important_extension_pending(desk)
    _just_recorded(desk)
    _renovation_noise_coordinated(desk)
    _lift_buttons_reopened(desk)
    # The worker's first cycle: missed limits are marked and escalated along the policy's
    # roles (客服主管 → 管理处经理), as `make run`'s worker would within seconds.
    sweep_deadlines(now=clock.now)
    sweep_complaints(clock.now)
    return Complaint.objects.filter(office=office).count() - before


def _closed_after_follow_up(desk: _Desk) -> None:
    """重要, handled, told, visited (satisfied) and closed: the whole procedure."""
    at = desk.day(12, 10, 5)
    complaint = _important_dispatched(
        desk,
        0,
        at,
        what="保洁员清理楼道时把我家门口鞋柜里的两双新鞋当垃圾扔掉了",
        demand="找回或照价赔偿,保洁员当面道歉",
        department=DepartmentKind.CLEANING,
        signed_by="吴桂英",
        party="保洁员",
    )
    _return_and_tell(
        desk,
        complaint,
        desk.day(11, 15, 40),
        desk.day(11, 16, 30),
        handling="保洁部主管已带保洁员上门道歉,按购买凭证照价赔偿;已培训楼道清理前先确认物品归属",
        told="已电话告知住户处理结果,住户表示接受",
        teller=desk.staff,
    )
    services.complaint_follow_up(
        actor=desk.staff,
        complaint=complaint,
        satisfaction=Satisfaction.SATISFIED,
        comment="住户对处理结果满意,感谢保洁部主管上门",
        visited_at=desk.day(9, 10, 20),
        now=desk.day(9, 10, 25),
    )
    services.complaint_close(
        actor=desk.supervisor, complaint=complaint, note="回访满意,结案", now=desk.day(9, 11, 0)
    )


def _overdue_in_the_department(desk: _Desk) -> None:
    """重要, slip sent five days ago and never returned: the 3-day limit is missed and the
    worker escalates it (客服主管, then 管理处经理)."""
    _important_dispatched(
        desk,
        1,
        desk.day(5, 9, 30),
        what="地下车库B区照明灯坏了一半,晚上停车看不清,已经有车辆剐蹭",
        demand="尽快修好车库照明",
        department=DepartmentKind.ENGINEERING,
        signed_by="郭建华",
    )


def _invalid_answered(desk: _Desk) -> None:
    """无效投诉 (outside the managed area) explained within 3 days and closed."""
    at = desk.day(4, 14, 10)
    complaint = _receive(
        desk,
        2,
        at,
        what="车停在小区南门外市政路边被人剐花,要求物业赔偿修车费用",
        demand="物业承担修车费用",
        place="小区南门外市政道路",
    )
    _checklist(desk, complaint, at)
    services.complaint_judge(
        actor=desk.supervisor,
        complaint=complaint,
        validity=Validity.INVALID,
        handling=Handling.EXPLANATION,
        explanation="事发地点为小区外市政道路,不属于物业管理区域;已协助住户调取南门监控,"
        "建议向交警部门报案",
        now=_after(at, 20),
    )
    services.complaint_tell_resident(
        actor=desk.supervisor,
        complaint=complaint,
        channel=ToldChannel.PHONE,
        note="已向住户解释管理区域范围,并提供南门监控截图供报案使用,住户表示理解",
        now=desk.day(3, 10, 15),
    )
    services.complaint_close(
        actor=desk.supervisor, complaint=complaint, note="已解释答复", now=desk.day(3, 10, 30)
    )


def _minor_told(desk: _Desk) -> None:
    """轻微, resolved by the department and told the same day; the visit is optional, so it
    can be closed now."""
    at = desk.day(3, 8, 40)
    complaint = _receive(
        desk,
        3,
        at,
        what="早高峰西门车辆道闸识别车牌很慢,出门排队十几分钟",
        demand="改善道闸通行速度",
        department=DepartmentKind.SECURITY,
        place="小区西门车行道闸",
    )
    _checklist(desk, complaint, at)
    _judge(desk, complaint, _after(at, 5), Severity.MINOR)
    _dispatch(desk, complaint, _after(at, 8), DepartmentKind.SECURITY, "刘强")
    _return_and_tell(
        desk,
        complaint,
        desk.day(2, 15, 0),
        desk.day(2, 16, 10),
        handling="已联系厂家调高道闸识别灵敏度;早高峰7:30-8:30增派一名保安疏导车辆",
        told="已电话告知住户道闸已调整、早高峰有专人疏导",
        teller=desk.staff,
    )


def _visit_planned_for_cs_staff(desk: _Desk) -> None:
    """重要, told yesterday by the supervisor; the follow-up visit is planned (3 days) and
    reassigned to the receptionist: it is on cs_staff's 我的回访."""
    at = desk.day(3, 9, 50)
    complaint = _important_dispatched(
        desk,
        4,
        at,
        what="夜里巡逻的保安在楼下大声打电话,凌晨一点多把孩子吵醒",
        demand="保安夜间巡逻保持安静,给个说法",
        department=DepartmentKind.SECURITY,
        signed_by="刘强",
        party="夜班巡逻保安",
    )
    _return_and_tell(
        desk,
        complaint,
        desk.day(1, 14, 0),
        desk.day(1, 15, 20),
        handling="保安部已对当班保安批评教育并扣罚当月绩效;夜间巡逻禁止在楼栋附近接打电话",
        told="已电话告知住户处理结果,并代表保安部致歉",
        teller=desk.supervisor,
    )
    services.complaint_follow_up_assign(
        actor=desk.supervisor, complaint=complaint, assignee=desk.staff, now=desk.day(1, 15, 30)
    )


def _collective_major(desk: _Desk) -> None:
    """Three households about the flooded car park: linked into one collective complaint,
    which makes every one 重大 (002 篇1 §2(6)); handed to the office manager the same day,
    slips to engineering, and the manager's clear answer within 2 days."""
    what = "昨夜大雨后地下车库B区积水没过车轮,排水沟堵塞,车辆被泡"
    first_at = desk.day(2, 7, 50)
    members = []
    for offset, index in ((0, 5), (15, 6), (30, 7)):
        at = _after(first_at, offset)
        complaint = _receive(
            desk,
            index,
            at,
            what=what,
            demand="马上排水疏通,评估车辆损失",
            department=DepartmentKind.ENGINEERING,
            place="地下车库B区",
        )
        _checklist(desk, complaint, at, (ChecklistStep.LISTEN, ChecklistStep.ASK))
        _dispatch(desk, complaint, _after(at, 7), DepartmentKind.ENGINEERING, "郭建华")
        members.append(complaint)
    main, *others = members
    services.complaint_link(
        actor=desk.supervisor, main=main, others=others, now=_after(first_at, 40)
    )
    _checklist(desk, main, _after(first_at, 40), (ChecklistStep.REPORT,), actor=desk.supervisor)
    for number, complaint in enumerate(members):
        _judge(desk, complaint, _after(first_at, 42 + number), Severity.MAJOR)
        _hand_over(
            desk, complaint, _after(first_at, 50 + number), desk.manager, note="三户集体投诉"
        )
    for number, complaint in enumerate(members):
        services.complaint_tell_resident(
            actor=desk.manager,
            complaint=complaint,
            channel=ToldChannel.PHONE,
            note="工程部已疏通B区排水沟并加装临时抽水泵,三日内完成排水改造;"
            "车辆受损情况由管理处统一登记,协助向保险公司理赔",
            now=desk.day(1, 10, number * 5),
        )


def _minor_extension_approved(desk: _Desk) -> None:
    """轻微 (2 days): the part is on order, the assistant manager approved the extension."""
    at = desk.day(2, 9, 40)
    complaint = _receive(
        desk,
        8,
        at,
        what="儿童游乐区滑梯表面开裂,有毛刺,怕划伤孩子",
        demand="尽快维修,维修前先围挡",
        department=DepartmentKind.ENGINEERING,
        place="中心花园儿童游乐区",
    )
    _checklist(desk, complaint, at)
    _judge(desk, complaint, _after(at, 4), Severity.MINOR)
    _dispatch(desk, complaint, _after(at, 8), DepartmentKind.ENGINEERING, "何师傅")
    deadline = _resolve_deadline(complaint)
    extension = services.complaint_request_extension(
        actor=desk.supervisor,
        complaint=complaint,
        new_due_at=deadline.due_at + datetime.timedelta(days=3),
        reason="滑梯板须向厂家订购,三日内到货;已先行围挡并张贴提示",
        now=desk.day(1, 11, 0),
    )
    services.complaint_decide_extension(
        actor=desk.assistant,
        extension=extension,
        approve=True,
        note="同意,围挡期间每日巡查",
        now=desk.day(1, 14, 30),
    )


def _important_awaiting_return(desk: _Desk) -> None:
    """重要 yesterday: judged, handed over, slip sent; the department has not returned it."""
    _important_dispatched(
        desk,
        9,
        desk.day(1, 10, 20),
        what="维修工上门修水管态度恶劣,修完后地上的水和泥没有清理就走了",
        demand="维修工道歉,以后修完清理现场",
        department=DepartmentKind.ENGINEERING,
        signed_by="郭建华",
        party="工程部维修工",
    )


def _important_extension_pending(desk: _Desk) -> None:
    """重要 yesterday; the supervisor asks for more time, the office manager has to decide
    (complaint.extension.important_roles) — the request waits in 王立新's inbox."""
    complaint = _important_dispatched(
        desk,
        10,
        desk.day(1, 16, 40),
        what="单元门禁刷卡失灵,报修后三天还没修好,老人每次进门都要等人开门",
        demand="尽快修好门禁",
        department=DepartmentKind.ENGINEERING,
        signed_by="郭建华",
    )
    deadline = _resolve_deadline(complaint)
    services.complaint_request_extension(
        actor=desk.supervisor,
        complaint=complaint,
        new_due_at=deadline.due_at + datetime.timedelta(days=4),
        reason="门禁主板须返厂维修,厂家承诺四日内寄回;期间安排保安在单元门口值守",
        now=desk.clock.minutes_ago(20),
    )


def _renovation_noise_coordinated(desk: _Desk) -> None:
    """楼上深夜装修噪音: another resident's conduct, a 协办事项 (003 §4.3): the centre persuades the
    neighbour, explains to the resident within 3 days and closes it."""
    at = desk.day(6, 22, 40)
    complaint = _receive(
        desk,
        12,
        at,
        what="楼上住户深夜十点多还在装修,电钻声很大,孩子无法入睡",
        demand="制止夜间装修",
        party="楼上装修住户",
    )
    _checklist(desk, complaint, at)
    services.complaint_judge(
        actor=desk.supervisor,
        complaint=complaint,
        validity=Validity.COORDINATION,
        handling=Handling.EXPLANATION,
        explanation="属其他住户装修扰民,由客服中心协调:已上门劝导楼上住户,装修时间限于"
        "8:00-12:00、14:00-18:00,保安夜间巡查",
        now=desk.day(5, 9, 10),
    )
    services.complaint_tell_resident(
        actor=desk.supervisor,
        complaint=complaint,
        channel=ToldChannel.PHONE,
        note="已告知住户:楼上住户已同意不再夜间施工,保安夜间巡查,如再发生请随时来电",
        now=desk.day(5, 11, 0),
    )
    services.complaint_close(
        actor=desk.supervisor, complaint=complaint, note="协调完毕", now=desk.day(5, 11, 10)
    )


def _lift_buttons_reopened(desk: _Desk) -> None:
    """电梯按键失灵多日未修: 重要, repaired, told, visited (satisfied) and closed — then the
    resident called again yesterday and the supervisor reopened it: a second round of the 3-day
    resolve limit runs while the slip is back with 工程部 (complaint_reopen)."""
    at = desk.day(10, 9, 15)
    complaint = _important_dispatched(
        desk,
        13,
        at,
        what="3号电梯按键失灵多日,按了楼层没反应,已报修两次仍未修好",
        demand="彻底修好电梯按键",
        department=DepartmentKind.ENGINEERING,
        signed_by="郭建华",
    )
    _return_and_tell(
        desk,
        complaint,
        desk.day(9, 16, 0),
        desk.day(9, 17, 0),
        handling="已联系电梯维保单位更换3号电梯轿厢按键板",
        told="已电话告知住户电梯按键已更换",
        teller=desk.staff,
    )
    services.complaint_follow_up(
        actor=desk.staff,
        complaint=complaint,
        satisfaction=Satisfaction.SATISFIED,
        comment="住户确认按键已正常",
        now=desk.day(7, 10, 0),
    )
    services.complaint_close(
        actor=desk.supervisor, complaint=complaint, note="回访满意,结案", now=desk.day(7, 10, 30)
    )
    services.complaint_reopen(
        actor=desk.supervisor,
        complaint=complaint,
        reason="住户再次来电:3号电梯按键又失灵,要求彻底更换按键面板",
        now=desk.day(1, 9, 40),
    )


def _just_recorded(desk: _Desk) -> None:
    """A call a few minutes ago: recorded with the apology, listened and asked; not yet judged,
    the 15-minute slip limit running."""
    at = desk.clock.minutes_ago(4)
    complaint = _receive(
        desk,
        11,
        at,
        what="打客服中心值班电话连续三次都没人接,家里水管爆了找不到人",
        demand="值班电话必须有人接,查明原因",
        department=DepartmentKind.CUSTOMER_SERVICE,
        party="当班值班员",
        place="客服中心值班电话",
    )
    services.complaint_step_done(
        actor=desk.staff, complaint=complaint, code=ChecklistStep.LISTEN, now=_after(at, 1)
    )
    services.complaint_step_done(
        actor=desk.staff,
        complaint=complaint,
        code=ChecklistStep.ASK,
        note="水管已由保安协助关闭总阀,住户家中无人受伤",
        now=_after(at, 2),
    )
