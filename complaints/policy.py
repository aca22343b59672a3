"""The complaint rules of SOP.md §3 (000 篇10 §4.3–4.10; 002 篇1–2; 004 篇4), registered in the
office policy registry when the app loads. A "same day" limit is `0 calendar_days`: the end of
the day (23:59:59 local) — see `due_at`. One month (000 篇10 §4.2.2 3) is stored as 30
calendar days so an office can change it like any other duration.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from policies.rules import Duration, Rule, register

DAY_UNITS = ("hours", "calendar_days", "working_days")

register(
    Rule(
        "complaint.slip_send",
        "duration",
        Duration(15, "minutes"),
        _("住户投诉意见表送达被投诉部门时限"),
        "SOP.md §3; 000 篇10 §4.4",
        _("接待后此时限内将《住户投诉意见表》送到被投诉部门,领表人签收"),
        units=("minutes", "hours"),
    )
)
register(
    Rule(
        "complaint.record_is_first_reply",
        "boolean",
        True,
        _("接待时记录投诉即为首次答复"),
        "SOP.md §3 接待; 004 篇4 §4.3 (代表被投诉部门致歉,立即记录); SOP.md §2 快速反应",
        _("满足求助的首次答复时限(5分钟),此后按投诉各项时限处理"),
    )
)
register(
    Rule(
        "complaint.hand_over.major",
        "duration",
        Duration(0, "calendar_days"),
        _("重大投诉呈送管理处经理时限"),
        "SOP.md §3; 000 篇10 §4.3.2 1) (当天呈送管理处主任)",
        _("0自然日表示当天24:00前"),
        units=DAY_UNITS,
    )
)
register(
    Rule(
        "complaint.hand_over.important",
        "duration",
        Duration(2, "hours"),
        _("重要投诉转交责任主管时限"),
        "SOP.md §3; 000 篇10 §4.3.2 2) (004 篇4 §4.3 b: 1小时)",
        units=("minutes", "hours"),
    )
)
register(
    Rule(
        "complaint.hand_over.major_roles",
        "roles",
        ("office_manager",),
        _("重大投诉呈送岗位"),
        "SOP.md §3; 000 篇10 §3.1, §4.3.2 1); 002 篇1 §1(6) (004: 品质部及总经理)",
    )
)
register(
    Rule(
        "complaint.hand_over.important_roles",
        "roles",
        ("cs_supervisor",),
        _("重要投诉转交岗位"),
        "SOP.md §3; 000 篇10 §4.3.2 2) (004 篇4 §4.3 b: 部门主管或项目经理)",
    )
)
register(
    Rule(
        "complaint.answer.major",
        "duration",
        Duration(2, "calendar_days"),
        _("重大投诉明确答复时限"),
        "SOP.md §3; 000 篇10 §4.10.3",
        units=DAY_UNITS,
    )
)
register(
    Rule(
        "complaint.resolve.major",
        "duration",
        Duration(10, "calendar_days"),
        _("重大投诉解决时限"),
        "SOP.md §3; 000 篇10 §4.10.3 (解决时间不宜超过10日)",
        units=DAY_UNITS,
    )
)
register(
    Rule(
        "complaint.resolve.important",
        "duration",
        Duration(3, "calendar_days"),
        _("重要投诉处理时限"),
        "SOP.md §3; 000 篇10 §4.10.2",
        units=DAY_UNITS,
    )
)
register(
    Rule(
        "complaint.resolve.minor",
        "duration",
        Duration(2, "calendar_days"),
        _("轻微投诉处理时限"),
        "SOP.md §3; 000 篇10 §4.3.2 3), §4.10.1",
        _("或住户要求的合理期限"),
        units=DAY_UNITS,
    )
)
register(
    Rule(
        "complaint.invalid_answer",
        "duration",
        Duration(3, "calendar_days"),
        _("无效投诉及外部事项解释答复时限"),
        "SOP.md §3 (004: 无效投诉做好解释,3天内答复)",
        units=DAY_UNITS,
    )
)
register(
    Rule(
        "complaint.tell_resident",
        "duration",
        Duration(0, "calendar_days"),
        _("部门交回意见表后通报住户时限"),
        "SOP.md §3; 000 篇10 §4.6 (当天将处理结果通报给投诉的住户)",
        _("0自然日表示交回当天24:00前"),
        units=DAY_UNITS,
    )
)
register(
    Rule(
        "complaint.extension.important_roles",
        "roles",
        ("office_manager",),
        _("重要投诉延期审批岗位"),
        "SOP.md §3; 000 篇10 §4.10.2 (超时需经管理处主任批准; 004 篇4 §4.7.2: 总经理)",
    )
)
register(
    Rule(
        "complaint.extension.minor_roles",
        "roles",
        ("assistant_manager",),
        _("轻微投诉延期审批岗位"),
        "SOP.md §3; 000 篇10 §4.10.1 (超时需报助理批准; 004 篇4 §4.7.1: 项目经理)",
    )
)
register(
    Rule(
        "complaint.downgrade_roles",
        "roles",
        ("office_manager",),
        _("自动判定的重大投诉降级审批岗位"),
        "SOP.md §3; 000 篇10 §3.1 (管理处主任负责处理重大投诉)",
    )
)
register(
    Rule(
        "complaint.reopen_roles",
        "roles",
        ("cs_supervisor", "assistant_manager", "office_manager"),
        _("重新打开已通报或已关闭投诉的岗位"),
        "SOP.md §3; 000 篇10 §3 (客服主管组织处理投诉,经理助理、管理处主任处理重要、重大投诉), "
        "§4.7 (不满意的重新处理); 管理处自定",
        _("住户就同一事项再次投诉时重新打开,重新派发意见表、通报住户并回访"),
    )
)
register(
    Rule(
        "complaint.collective_households",
        "integer",
        3,
        _("集体投诉判为重大的户数"),
        "SOP.md §3; 002 篇1 §2(6) (客户集体投诉(三家以上))",
        minimum=2,
        maximum=100,
    )
)
register(
    Rule(
        "complaint.major_after",
        "duration",
        Duration(30, "calendar_days"),
        _("有效投诉未解决自动升为重大的时间"),
        "SOP.md §3; 000 篇10 §4.2.2 3); 004 篇4 §4.2.2 c (一个月内得不到合理解决)",
        _("一个月按30个自然日计"),
        units=DAY_UNITS,
    )
)
register(
    Rule(
        "complaint.follow_up.major",
        "boolean",
        True,
        _("重大投诉须回访"),
        "SOP.md §3; 000 篇10 §4.7",
    )
)
register(
    Rule(
        "complaint.follow_up.important",
        "boolean",
        True,
        _("重要投诉须回访"),
        "SOP.md §3; 000 篇10 §4.7",
    )
)
register(
    Rule(
        "complaint.follow_up.minor",
        "boolean",
        False,
        _("轻微投诉须回访"),
        "SOP.md §3; 000 篇10 §4.7 (重要、重大投诉处理完毕后回访)",
    )
)
register(
    Rule(
        "complaint.follow_up.within",
        "duration",
        Duration(3, "calendar_days"),
        _("通报处理结果后安排回访的时限"),
        "SOP.md §3; 000 篇10 §4.7 (处理完毕后安排合适人员回访); 004 篇4 §4.9 (安排专人回访); "
        "期限为管理处自定",
        _("默认3个自然日(第3天24:00前);须回访的投诉通报住户后自动安排并指派"),
        units=DAY_UNITS,
    )
)
register(
    Rule(
        "complaint.valid_rate_target_permille",
        "integer",
        10,
        _("有效投诉率目标(‰,低于)"),
        "SOP.md §3; 002 篇2 §1(4) (有效投诉率力争在1%以下)",
        maximum=1000,
    )
)


def due_at(limit: Duration, start: datetime.datetime) -> datetime.datetime:
    """A day limit ends at 23:59:59 local of the N-th day (0 = the same day); a clock limit
    (minutes, hours) is simply added."""
    if limit.unit not in ("calendar_days", "working_days"):
        return limit.after(start)
    local = timezone.localtime(start)
    if limit.unit == "working_days":
        from workdays.calendar import add_working_days

        day = add_working_days(local, limit.value).date()
    else:
        day = local.date() + datetime.timedelta(days=limit.value)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59, 59)))


# --- Statistics reminders (the worker, complaints.jobs) -----------------------------------------
register(
    Rule(
        "complaint.weekly_report_weekday",
        "integer",
        6,
        _("每周投诉分析提醒管理处经理的星期(1=周一 … 7=周日)"),
        "SOP.md §3; 000 篇10 §4.8 (每周六对投诉进行分析,报管理处经理)",
        minimum=1,
        maximum=7,
    )
)
register(
    Rule(
        "complaint.monthly_summary_day",
        "integer",
        25,
        _("上月投诉情况月汇总表完成日(每月几日前)"),
        "SOP.md §3; 004 篇4 §4.5 (每月25日前填写《投诉情况月汇总表》)",
        minimum=1,
        maximum=28,
    )
)
register(
    Rule(
        "complaint.monthly_summary_remind_day",
        "integer",
        20,
        _("从每月几日起提醒管理处经理完成上月投诉情况月汇总表"),
        "SOP.md §3; 004 篇4 §4.5; 管理处自定",
        _("每月只提醒一次"),
        minimum=1,
        maximum=28,
    )
)
register(
    Rule(
        "complaint.report_reminder_at",
        "integer",
        900,
        _("投诉统计提醒的时刻(时分)"),
        "SOP.md §3; 管理处自定",
        _("如900表示上午9:00"),
        maximum=2359,
    )
)
