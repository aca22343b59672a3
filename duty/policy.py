"""The duty rules of SOP.md §6 (000 篇2), registered in the office policy registry
(policies.rules) when the app loads, with their defaults and clauses, and read through
`policy_for_office(office)` like every other rule. Times of day are integers HHMM (1730 = 17:30).
"""

import datetime

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.exceptions import ApplicationError
from policies.rules import Duration, Rule, register

register(
    Rule(
        "duty.working_day_start",
        "integer",
        1730,
        _("工作日值班开始时间(时分,如1730)"),
        "SOP.md §6; 000 篇2 §4.1.2",
        _("正常的值班时间为17:30至次日8:30"),
        maximum=2359,
    )
)
register(
    Rule(
        "duty.shift_end",
        "integer",
        830,
        _("值班结束时间(次日,时分,如830)"),
        "SOP.md §6; 000 篇2 §4.1.2",
        _("节假日24小时值班也从此时间起至次日此时间"),
        maximum=2359,
    )
)
register(
    Rule(
        "duty.roster_warn_day",
        "integer",
        25,
        _("下月值班表未发布时从每月几日起提醒"),
        "SOP.md §6; 000 篇2 §4.1.1 (每月底前编制完成下月值班安排表)",
        minimum=1,
        maximum=28,
    )
)
register(
    Rule(
        "duty.arrive_early",
        "duration",
        Duration(5, "minutes"),
        _("接班人员提前到岗时间"),
        "SOP.md §6; 000 篇2 §4.2.1",
        _("晚于班次开始前此时间到岗的,记为迟到"),
        units=("minutes",),
        maximum=120,
    )
)
register(
    Rule(
        "duty.outgoing_checklist_before",
        "duration",
        Duration(15, "minutes"),
        _("交班清单提前开放时间"),
        "SOP.md §6; 000 篇2 §4.2.2",
        _("交班人员在交班前此时间整理公物、桌面和工作证据"),
        units=("minutes",),
        maximum=120,
    )
)
register(
    Rule(
        "duty.phone_rings",
        "integer",
        3,
        _("值班电话须在铃响几声内接听"),
        "SOP.md §6; 000 篇2 §4.1.5",
        minimum=1,
        maximum=10,
    )
)
register(
    Rule(
        "duty.sign_reminder_at",
        "integer",
        1000,
        _("工作日上午几点仍未签阅值班记录时提醒主管(时分)"),
        "SOP.md §6; 000 篇2 §4.3 (主管每天上班时检查值班记录并签名确认)",
        maximum=2359,
    )
)
register(
    Rule(
        "retention.duty_log",
        "integer",
        3,
        _("值班记录保存年限"),
        "SOP.md §6; 000 篇2 §4.1.8",
        minimum=1,
        maximum=50,
    )
)
# What counts as important unfinished work (重要的工作未处理完毕,不允许交班: 000 篇2 §4.2.2).
register(
    Rule(
        "duty.important.special_requests",
        "boolean",
        True,
        _("未办结的特别求助阻止交班"),
        "SOP.md §6; 000 篇2 §4.2.2",
        _("急救病人、治安事件、灾害事故"),
    )
)
register(
    Rule(
        "duty.important.major_requests",
        "boolean",
        True,
        _("未办结的重大求助阻止交班"),
        "SOP.md §6; 000 篇2 §4.2.2",
    )
)
register(
    Rule(
        "duty.important.major_complaints",
        "boolean",
        True,
        _("未关闭的重大投诉阻止交班"),
        "SOP.md §6; 000 篇2 §4.2.2; SOP.md §3 (重大投诉当天呈送管理处经理, 000 篇10 §4.3.2)",
        _("包括集体投诉、突发事件及逾期一个月未解决而自动升为重大的投诉"),
    )
)


def time_of_day(policy, key: str) -> datetime.time:
    """An HHMM policy value as a time; a value such as 1775 is refused with its rule's name."""
    raw = policy.integer(key)
    hours, minutes = divmod(raw, 100)
    if hours > 23 or minutes > 59:
        raise ApplicationError(
            gettext("作业规程策略中的“%(label)s”不是有效的时间:%(value)s")
            % {"label": policy.value(key).rule.label, "value": raw},
            code="invalid_policy",
        )
    return datetime.time(hours, minutes)
