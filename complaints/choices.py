"""Enumerations of complaint handling (SOP.md §3). Values are stored: never change them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Validity(models.TextChoices):
    """000 篇10 §4.2.1; 003 §4.3.2–4.3.3 (协办事项, 过高要求)."""

    VALID = "valid", _("有效投诉")
    INVALID = "invalid", _("无效投诉")
    COORDINATION = "coordination", _("协办事项")
    EXCESSIVE = "excessive", _("过高要求")


class ValidKind(models.TextChoices):
    """000 篇10 §4.2.1: valid complaints are property-service or not."""

    PROPERTY = "property", _("物业管理服务投诉")
    NON_PROPERTY = "non_property", _("非物业管理服务投诉")


class Handling(models.TextChoices):
    """What happens to an invalid or external matter: never silently dropped (SOP.md §3)."""

    EXPLANATION = "explanation", _("解释说明")
    DEVELOPER = "developer", _("转开发商")
    OUTSIDE_BODY = "outside_body", _("转外部单位(市政、公用事业等)")
    VIOLATION_CASE = "violation_case", _("转住户违章处理")
    OWNERS_COMMITTEE = "owners_committee", _("转业主委员会")


class Severity(models.TextChoices):
    """000 篇10 §4.2.2–4.2.4; 002 篇1 §2(6)."""

    MAJOR = "major", _("重大")
    IMPORTANT = "important", _("重要")
    MINOR = "minor", _("轻微")


SEVERITY_HELP = {
    Severity.MAJOR: _(
        "公司承诺或合同规定的服务未实施或效果明显差错、经住户多次提出仍未解决;因公司责任造成"
        "重大经济损失或人身伤害;有效投诉一个月内未合理解决;三户以上集体投诉;火灾、电梯困人、"
        "爆炸、突发停电、水浸、盗窃、刑事案件、主要设备故障、主体结构受损等突发事件"
    ),
    Severity.IMPORTANT: _(
        "因管理服务工作不到位、有过失引起的投诉(设备、服务态度、处理及时性、服务质量)"
    ),
    Severity.MINOR: _("因设施设备和管理水平有限给住户造成的轻微不便,非人为因素,可较易改进解决"),
}

SEVERITY_BADGE = {Severity.MAJOR: "red", Severity.IMPORTANT: "blue", Severity.MINOR: "grey"}


class MajorReason(models.TextChoices):
    """Why a complaint became 重大 automatically; a downgrade then needs the office manager."""

    COLLECTIVE = "collective", _("集体投诉(户数达到策略值)")
    EMERGENCY = "emergency", _("突发事件")
    UNRESOLVED = "unresolved", _("有效投诉逾期未解决")


class Emergency(models.TextChoices):
    """002 篇1 §2(6): 重大或突发事件."""

    FIRE = "fire", _("火灾")
    LIFT_TRAPPED = "lift_trapped", _("电梯困人")
    EXPLOSION = "explosion", _("爆炸")
    POWER_CUT = "power_cut", _("突发性停电")
    FLOODING = "flooding", _("水浸")
    THEFT = "theft", _("盗窃等破坏性行为")
    CRIME = "crime", _("刑事案件")
    PLANT_FAILURE = "plant_failure", _("主要设备设施故障")
    STRUCTURAL = "structural", _("主体结构遭受破坏")


class ChecklistStep(models.TextChoices):
    """五清楚一报告 (002 篇1 §1)."""

    LISTEN = "listen", _("听清楚")
    ASK = "ask", _("问清楚")
    FOLLOW = "follow", _("跟清楚")
    REPLY = "reply", _("复清楚")
    RECORD = "record", _("记清楚(住户确认记录)")
    REPORT = "report", _("报告(重大投诉立即报告)")


class ToldChannel(models.TextChoices):
    """000 篇10 §4.6: by phone or a visit; letters get a written reply (§4.9)."""

    PHONE = "phone", _("电话")
    VISIT = "visit", _("上门")
    WRITTEN = "written", _("书面回复")


class Stage(models.TextChoices):
    """Where a complaint stands (derived from its records, not stored)."""

    RECEIVED = "received", _("待界定")
    JUDGED = "judged", _("待发表")
    DISPATCHED = "dispatched", _("部门处理中")
    RETURNED = "returned", _("待通报住户")
    TOLD = "told", _("待回访/关闭")
    CLOSED = "closed", _("已关闭")


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("未批准")
