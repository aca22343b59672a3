"""The registry of policy rules: every time limit, authority rule and retention period the SOP
sets, with its default and its clause (brief principle 1: the SOP is data, not code).

An office's policy document holds a value for each key; a missing key means the default here.
Code asks `Policy.duration(key)` / `Policy.roles(key)`; it never hard-codes a number.
"""

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from organization.choices import RoleScope
from organization.roles import ROLE_DEFINITIONS

DURATION_UNITS = {
    "minutes": _("分钟"),
    "hours": _("小时"),
    "calendar_days": _("自然日"),
    "working_days": _("工作日"),
}

# The roles a roles rule may name: those the office's staff can hold, every SOP role but the
# resident's (organization.services refuses a household-scope role to staff the same way). A
# roles rule says who in the office is told or may act (SOP.md §1), never a resident.
STAFF_ROLE_CODES = frozenset(
    code for code, _name, scope, *_rest in ROLE_DEFINITIONS if scope != RoleScope.HOUSEHOLD
)


@dataclass(frozen=True)
class Duration:
    value: int
    unit: str

    def __post_init__(self):
        if self.unit not in DURATION_UNITS:
            raise ValueError(f"unknown duration unit {self.unit!r}")

    def after(self, start: datetime.datetime) -> datetime.datetime:
        """The deadline this duration sets from `start` (working days on the official calendar)."""
        if self.unit == "minutes":
            return start + datetime.timedelta(minutes=self.value)
        if self.unit == "hours":
            return start + datetime.timedelta(hours=self.value)
        if self.unit == "calendar_days":
            return start + datetime.timedelta(days=self.value)
        from workdays.calendar import add_working_days

        return add_working_days(start, self.value)

    def end_of_day_after(self, start: datetime.datetime) -> datetime.datetime:
        """A day limit: the end (23:59:59 local) of the N-th calendar or working day after
        `start`; 0 = the same day (当天). A clock unit (minutes, hours) counts as such."""
        from django.utils import timezone

        local = timezone.localtime(start)
        if self.unit == "working_days":
            from workdays.calendar import add_working_days

            day = add_working_days(local, self.value).date()
        elif self.unit == "calendar_days":
            day = local.date() + datetime.timedelta(days=self.value)
        else:
            return self.after(start)
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59, 59)))

    def __str__(self):
        if self.value == 0 and self.unit == "minutes":
            return str(_("立即"))
        return f"{self.value} {DURATION_UNITS[self.unit]}"

    def as_json(self) -> dict:
        return {"value": self.value, "unit": self.unit}


@dataclass(frozen=True)
class Rule:
    key: str
    kind: str  # "duration", "roles", "integer", "boolean"
    default: object
    label: str
    clause: str
    help: str = ""
    minimum: int = 0
    maximum: int = 100000
    units: tuple[str, ...] = field(default=tuple(DURATION_UNITS))
    # A roles rule is a set of roles (who is told, who may act: no order, shown "A、B") unless
    # it is `ordered`: an escalation ladder, level 1 first, shown "A → B".
    ordered: bool = False
    # The key of the rule that applies while this roles rule is left empty (a kind of limit's
    # own escalation ladder falls back to request.escalation_roles). Only such a rule may be
    # empty: nobody to tell or nobody allowed to act is not a policy.
    falls_back_to: str = ""

    @property
    def optional(self) -> bool:
        """A roles rule that may be left empty (another rule then applies)."""
        return bool(self.falls_back_to)


RULES: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    if rule.key in RULES:
        raise ValueError(f"policy rule {rule.key} registered twice")
    RULES[rule.key] = rule
    return rule


# --- Help and report requests (SOP.md §2, §4) ---------------------------------------------------
register(
    Rule(
        "request.first_reply",
        "duration",
        Duration(5, "minutes"),
        _("首次答复时限"),
        "SOP.md §2 快速反应; 000 篇3 §4.1.2(a)",
        _("即时答复;员工无法解决的,请示主管后在此时限内答复住户"),
    )
)
register(
    Rule(
        "request.backdate_limit",
        "duration",
        Duration(24, "hours"),
        _("补录来电的最长追溯时间"),
        "SOP.md §2 记录; 管理处自定",
        _("事后补录时,受理时间最多可早于录入时间多久"),
        units=("minutes", "hours"),
    )
)
register(
    Rule(
        "consultation.written_reply",
        "duration",
        Duration(2, "calendar_days"),
        _("书面咨询书面答复时限"),
        "SOP.md §2 咨询; 000 篇3 §4.3.1",
        _("书面咨询由主管(必要时经理)书面答复"),
    )
)
register(
    Rule(
        "consultation.written_reply_roles",
        "roles",
        ("cs_supervisor", "assistant_manager", "office_manager"),
        _("书面咨询书面答复岗位"),
        "SOP.md §2 咨询; 000 篇3 §4.3.1 (客户服务中心主任/主管书面回复,必要时请管理处主任); "
        "000 篇12 三.1 (报相关主管人员予以尽快书面答复)",
        _("只有这些岗位可以登记书面咨询的书面答复;其他人员看到拒绝原因"),
    )
)
register(
    Rule(
        "consultation.oral_reply",
        "duration",
        Duration(2, "hours"),
        _("口头咨询请示后答复时限"),
        "SOP.md §2 咨询; 000 篇12",
    )
)
register(
    Rule(
        "repair.promised_date_max",
        "duration",
        Duration(3, "calendar_days"),
        _("维修承诺完成日期最长"),
        "SOP.md §4; 003 §5.2",
        _("不能即时修复的,与住户约定的完成日期一般不超过此时限"),
        units=("hours", "calendar_days", "working_days"),
    )
)
register(
    Rule(
        "request.completion_max",
        "duration",
        Duration(3, "calendar_days"),
        _("一般求助处理完毕时限"),
        "SOP.md §4; 003 §5.2 (服务需求不能立即解决的,告之业户解决时间,一般不应超过三天)",
        _(
            "其他求助(g类)自受理起须在此时限内处理完毕;维修按“维修承诺完成日期最长”,"
            "投诉按投诉规程,咨询按答复时限。002 篇10 保洁须24小时内完成的可改为24小时"
        ),
        units=("hours", "calendar_days", "working_days"),
    )
)
register(
    Rule(
        "request.acknowledge_within",
        "duration",
        Duration(15, "minutes"),
        _("派工后接单时限"),
        "SOP.md §2 快速反应; 003 §5.2 (相关单位接到服务需求后应立即与业户联系); "
        "003 §4.2.1.1 (立即告知工程班); 000 篇10 §4.4 (15分钟内发送到部门,领表人签收)",
        _(
            "派工后,受派部门或人员须在此时限内接单或开始处理。规程只说“立即”;"
            "默认15分钟取规程中派单到部门签收唯一量化的时限(000 篇10 §4.4 投诉意见表15分钟内发送、"
            "领表人签收;004 篇2 §4.3 紧急信息传递单15分钟内交客服中心)"
        ),
        units=("minutes", "hours"),
    )
)
register(
    Rule(
        "request.handle_again",
        "duration",
        Duration(2, "calendar_days"),
        _("重新打开后重新处理时限"),
        "SOP.md §2 事事有着落,件件有回音; 000 篇10 §4.3.2 3) 与 000 篇3 §4.3.1 (2日); 管理处自定",
        _(
            "重新打开的求助(维修除外:维修须在“维修承诺完成日期最长”内重新约定)须在此时限内"
            "重新处理完毕;默认取规程中非当场解决事项最短的处理时限(轻微投诉、书面咨询均为2日)"
        ),
        units=("hours", "calendar_days", "working_days"),
    )
)
register(
    Rule(
        "emergency.major_report",
        "duration",
        Duration(0, "minutes"),
        _("重大特别求助报告主管时限"),
        "SOP.md §2 急救; 000 篇3 §4.2.2",
        _("重大情况立即报告主管;一般情况处理完毕后报告"),
        units=("minutes",),
    )
)
register(
    Rule(
        "emergency.report_roles",
        "roles",
        ("cs_supervisor",),
        _("特别求助报告岗位"),
        "SOP.md §2 急救; 000 篇3 §4.2.2 (向客户服务中心主任/主管汇报); "
        "000 篇12 二.2 (同时向主任汇报)",
        _(
            "急救、治安、灾害等特别求助:重大的受理时即通知这些岗位,一般的处理完毕后通知;"
            "“报告主管”时限仍须由受理人登记"
        ),
    )
)
register(
    Rule(
        "emergency.medical_notify_roles",
        "roles",
        ("security_shift_leader",),
        _("急救病人求助立即通知岗位"),
        "SOP.md §2 急救; 000 篇3 §4.2.1 b (立即通知保安部当班班长); "
        "000 篇12 二.2 (向中控室及客服人员汇报,同时向主任汇报)",
        _("受理急救病人求助时立即通知这些岗位(中控室由保安班长或保安部主管值守)"),
    )
)
register(
    Rule(
        "emergency.checklist_before_resolve",
        "boolean",
        True,
        _("急救步骤未完成不得办结"),
        "SOP.md §2 急救; 000 篇3 §4.2.1 (逐项记录;护理人员不可单独与病人在一起)",
        _("急救病人求助的每个步骤须已完成或登记“不需要”及原因,才能登记处理结果、关闭或转介"),
    )
)
register(
    Rule(
        "request.escalation_roles",
        "roles",
        ("cs_supervisor", "office_manager"),
        _("逾期升级顺序"),
        "SOP.md §2 (主管→经理); 000 篇3 §4.2.2",
        _("时限逾期后依次通知的岗位"),
        ordered=True,
    )
)
# Each kind of the help desk's limits may climb its own ladder (000 篇12 二.2: a major report
# straight to the 主任; 003 §3.1 上报公司领导); empty (the default) is the general ladder above.
# service_requests.deadlines.escalation_ladder reads them.
KIND_LADDERS = {
    "first_reply": _("“首次答复”逾期升级顺序"),
    "oral_reply": _("“请示后答复”逾期升级顺序"),
    "written_reply": _("“书面答复”逾期升级顺序"),
    "repair_completion": _("“约定完成”逾期升级顺序"),
    "completion": _("“处理完毕”逾期升级顺序"),
    "acknowledge": _("“接单”逾期升级顺序"),
    "supervisor_report": _("“报告主管”逾期升级顺序"),
    "handle_again": _("“重新处理”逾期升级顺序"),
    "after_sales_slip": _("“填写返修联系单”逾期升级顺序"),
}
for _kind, _label in KIND_LADDERS.items():
    register(
        Rule(
            f"escalation.{_kind}",
            "roles",
            (),
            _label,
            "SOP.md §2 (主管→经理); 000 篇12 二.2 (同时向主任汇报); 003 §3.1 (上报公司领导)",
            _("此类时限逾期后依次通知的岗位;留空则按“逾期升级顺序”"),
            ordered=True,
            falls_back_to="request.escalation_roles",
        )
    )
register(
    Rule(
        "request.escalation_interval",
        "duration",
        Duration(30, "minutes"),
        _("逐级升级间隔"),
        "SOP.md §2; 管理处自定",
        _("逾期后仍未处理,每隔此时间升级到下一级岗位"),
        units=("minutes", "hours"),
    )
)
register(
    Rule(
        "retention.help_register",
        "integer",
        2,
        _("求助登记表保存年限"),
        "SOP.md §2; 000 篇3 §4.10",
        maximum=50,
    )
)
register(
    Rule(
        "help_register.archive_remind_day",
        "integer",
        1,
        _("提醒归档上年求助登记表的起始日(1月几日)"),
        "SOP.md §2 记录; 000 篇3 §4.10 于次年年初归档",
        _("从当年1月这一天起,上年的登记表未归档的,提醒一次"),
        minimum=1,
        maximum=31,
    )
)
register(
    Rule(
        "help_register.archive_reminder_roles",
        "roles",
        ("cs_supervisor",),
        _("提醒归档求助登记表的岗位"),
        "SOP.md §2 记录; 000 篇3 §4.10",
        _("客服主管保管登记表,督促办结未完成的求助后由管理处经理归档"),
    )
)
register(
    Rule(
        "calendar.warn_before_days",
        "integer",
        60,
        _("工作日历到期提前提醒(天)"),
        "SOP.md §6 (法定节假日与调休)",
        maximum=366,
    )
)

# --- Developer after-sales repair slips (SOP.md §4) ---------------------------------------------
# A slip's send time is a *day* limit, not a clock one: "0 calendar days" means by the end
# (24:00 local time) of the day the slip is made, "1 working day" by the end of the next working
# day (reception.services.slip_send_due_at; docs/registers.md).
register(
    Rule(
        "after_sales.slip_send",
        "duration",
        Duration(0, "calendar_days"),
        _("返修联系单送交开发商售后时限"),
        "SOP.md §4 售后; 004 篇3 §4.5 (当天返给现场售后部门)",
        _("截止到第N天当天24:00;0表示填单当天送出"),
        maximum=30,
        units=("calendar_days", "working_days"),
    )
)
register(
    Rule(
        "after_sales.chase_interval",
        "duration",
        Duration(3, "calendar_days"),
        _("督促开发商售后间隔"),
        "SOP.md §4 (售后跟进); 004 篇3 §4.5 (在规定的时间内,督促落实); 003 §5.2",
        _("送出后售后未答复的,每隔此时间督促一次,直至答复"),
        minimum=1,
        units=("hours", "calendar_days", "working_days"),
    )
)
register(
    Rule(
        "after_sales.reminder_roles",
        "roles",
        ("cs_staff", "cs_supervisor"),
        _("返修联系单提醒岗位"),
        "SOP.md §4 (员工跟进,事事有着落); 004 篇3 §3.2, §4.11",
        _("联系单当天未送出或应督促售后时,提醒这些岗位"),
    )
)

# --- Attachments of help and report requests (SOP.md §2 记录) -----------------------------------
register(
    Rule(
        "request.attachment_max_mb",
        "integer",
        10,
        _("求助附件大小上限(MB)"),
        "SOP.md §2 记录; 管理处自定",
        _("每个附件(照片、扫描件)最大多少MB;超过的拒收"),
        minimum=1,
        maximum=50,
    )
)
register(
    Rule(
        "request.attachments_max_count",
        "integer",
        10,
        _("每个求助的附件数上限"),
        "SOP.md §2 记录; 管理处自定",
        _("更正上传错的附件也算一个(附件只增不删)"),
        minimum=1,
        maximum=50,
    )
)
