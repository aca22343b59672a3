"""The wording of printed notices (SOP.md §8, §11: 违章整改通知书; the utility-cut notice of
000 篇8 §4.5.5(b); the 催缴函 of §4.4.2(b)). An office edits its own wording
(NoticeTemplate); until it does, the defaults below are used. Placeholders are plain names in
braces — {房号} — replaced by text, so a template cannot run code or read other data."""

from django.utils import timezone
from django.utils.translation import gettext as _

from violations.choices import NoticeKind
from violations.models import NoticeTemplate

# Placeholder → what it is filled with (shown on the template form).
PLACEHOLDERS = {
    "管理处": "the office's name",
    "小区": "the estate",
    "房号": "the unit, e.g. 3栋2单元1502",
    "住户": "the owners' names",
    "违章现象": "the sub-kind",
    "违章情况": "the description",
    "地点": "the place",
    "发现时间": "when it was found",
    "期限": "the rectification deadline or the time of the cut",
    "停水停电": "water, electricity or both",
    "金额": "the amount in yuan",
    "日期": "the date of issue",
    "编号": "the case number",
}

DEFAULTS = {
    NoticeKind.RECTIFICATION: (
        "违章整改通知书",
        "{房号} 住户:\n"
        "    经我处工作人员于{发现时间}在{地点}发现,您存在以下行为:{违章现象}。{违章情况}\n"
        "    上述行为违反了《业主公约》及小区管理规定。请您于{期限}前自行整改完毕。"
        "逾期未整改的,管理处将依照《业主公约》及有关规定处理。\n"
        "    感谢您的理解与配合!\n"
        "\n{管理处}\n{日期}\n(编号:{编号})",
    ),
    NoticeKind.UTILITY_CUT: (
        "停水停电通知书",
        "{房号} 住户:\n"
        "    因{违章情况},经多次沟通及业主委员会调解无效,根据《业主公约》的约定,"
        "管理处决定于{期限}对您的房屋{停水停电}。\n"
        "    如您在此之前妥善解决,管理处将不予执行;问题解决后将及时恢复供应。\n"
        "\n{管理处}\n{日期}\n(编号:{编号})",
    ),
    NoticeKind.REMINDER_LETTER: (
        "催缴函",
        "{房号} 住户:\n"
        "    截至{日期},您尚欠物业管理服务费{金额}元。请您于{期限}前到管理处客服中心缴纳。\n"
        "    如有疑问,请与客服中心联系。感谢您的支持!\n"
        "\n{管理处}\n{日期}\n(编号:{编号})",
    ),
}


def template_for(office, kind: str) -> tuple[str, str]:
    """(title, body) the office prints for this kind of notice."""
    template = NoticeTemplate.objects.filter(office=office, kind=kind).first()
    if template is not None:
        return template.title, template.body
    return DEFAULTS[NoticeKind(kind)]


def fill(text: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text


def values_for(case, *, effective_on=None, amount=None, utility_label="", now=None) -> dict:
    household = case.household
    owners = "、".join(
        r.name for r in household.residents.all() if r.moved_out_on is None and r.relation
    )
    if effective_on is None:
        deadline = ""
    elif hasattr(effective_on, "tzinfo"):
        deadline = f"{timezone.localtime(effective_on):%Y年%m月%d日%H:%M}"
    else:
        deadline = f"{effective_on:%Y年%m月%d日}"
    return {
        "管理处": case.office.name,
        "小区": household.unit.building.estate.name,
        "房号": household.unit.label,
        "住户": owners,
        "违章现象": str(case.get_sub_kind_display()),
        "违章情况": case.description,
        "地点": case.place,
        "发现时间": f"{timezone.localtime(case.occurred_at):%Y年%m月%d日%H:%M}",
        "期限": deadline,
        "停水停电": str(utility_label),
        "金额": f"{amount:.2f}" if amount is not None else _("(见账单)"),
        "日期": f"{timezone.localtime(now or timezone.now()):%Y年%m月%d日}",
        "编号": case.number,
    }
