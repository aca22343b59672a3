"""Enumerations of resident violations (SOP.md §8; 000 篇4 §4.2, 篇8 §4.3–4.4). Values are
stored and never change; labels are Chinese."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """000 篇8 §4.3.1–4.3.6 (篇4 §4.2.1–4.2.6)."""

    RENOVATION = "renovation", _("违反装修管理规定")
    FIRE_SAFETY = "fire_safety", _("违反消防管理规定")
    HYGIENE_ORDER = "hygiene_order", _("违反环境卫生与公共秩序规定")
    PUBLIC_SECURITY = "public_security", _("违反治安管理规定")
    FEE_REFUSAL = "fee_refusal", _("拒交管理服务费用")
    OTHER_HARM = "other_harm", _("其他损害住户利益或小区安全的行为")


class SubKind(models.TextChoices):
    """The examples the SOP lists under each kind; the prefix of the value is the kind's."""

    RENOVATION_STRUCTURE = "renovation.structure", _("擅自改变房屋结构、外观、用途")
    RENOVATION_LOAD_BEARING = "renovation.load_bearing", _("凿、拆承重墙柱梁板或违章搭建")
    RENOVATION_SHARED = "renovation.shared_installations", _("擅自拆改水电气消防等公用设施")
    RENOVATION_GRILLES = "renovation.grilles", _("门窗安装网罩牌破坏外观")
    RENOVATION_FLOOR_DRAIN = "renovation.floor_drain", _("拆除地漏盖或向地漏倾倒杂物")
    RENOVATION_OTHER = "renovation.other", _("其他违反装修管理规定")
    FIRE_ESCAPE_BLOCKED = "fire_safety.escape_blocked", _("堵塞消防通道")
    FIRE_EQUIPMENT = "fire_safety.equipment_damaged", _("损坏消防设备、标识、报警装置")
    FIRE_WIRING = "fire_safety.overloaded_wiring", _("超负荷用电、乱拉乱接电线")
    FIRE_BURNING = "fire_safety.open_burning", _("在公共场地焚烧杂物")
    FIRE_NO_EXTINGUISHER = "fire_safety.no_extinguisher", _("营业场所未配置灭火器材")
    FIRE_OTHER = "fire_safety.other", _("其他违反消防管理规定")
    HYGIENE_LITTER = "hygiene_order.litter", _("乱丢垃圾、随地吐痰")
    HYGIENE_FACILITIES = "hygiene_order.facilities_damaged", _("破坏卫生设施设备")
    HYGIENE_HOARDING = "hygiene_order.hoarding", _("公共场地堆放杂物、乱搭乱建乱张贴")
    HYGIENE_FROM_HEIGHT = "hygiene_order.throwing_from_height", _("高空抛物、倒污水")
    HYGIENE_NOISE = "hygiene_order.noise", _("制造超量噪音")
    HYGIENE_LAWN = "hygiene_order.lawn", _("践踏草坪、攀摘花木、占用绿地")
    HYGIENE_PETS = "hygiene_order.unleashed_pets", _("随意放养宠物")
    HYGIENE_OTHER = "hygiene_order.other", _("其他违反环境卫生规定")
    SECURITY_PARKING = "public_security.illegal_parking", _("违章停车")
    SECURITY_HAZARDOUS = "public_security.hazardous_materials", _("违规存放易燃易爆危险物品")
    SECURITY_GAMBLING = "public_security.gambling_fights", _("聚众赌博、打架斗殴")
    SECURITY_OTHER = "public_security.other", _("其他违反治安管理规定")
    FEE_REFUSAL = "fee_refusal.refusal", _("无特殊原因拒交管理服务费用")
    OTHER_HARM = "other_harm.other", _("其他损害住户利益或小区安全的行为")


def kind_of(sub_kind: str) -> str:
    return sub_kind.split(".", 1)[0]


class Severity(models.TextChoices):
    """000 篇8 §4.3.7: general when nobody's interests, the office's finances or public safety
    were harmed; otherwise major."""

    GENERAL = "general", _("一般违章")
    MAJOR = "major", _("重大违章")


class Status(models.TextChoices):
    OPEN = "open", _("处理中")
    CLOSED = "closed", _("已结案")


class Outcome(models.TextChoices):
    CORRECTED = "corrected", _("已停止/已整改")
    PAID = "paid", _("已赔偿/已缴费")
    COURT = "court", _("转仲裁或诉讼")
    NOT_SUSTAINED = "not_sustained", _("经核实不成立")
    UNRESOLVED = "unresolved", _("未解决")


class Measure(models.TextChoices):
    """The measures of both ladders (000 篇8 §4.4.1 and §4.4.2)."""

    PERSUASION = "persuasion", _("即时劝导、教育")
    RECTIFICATION = "rectification", _("限期整改(整改通知书)")
    COMPENSATION = "compensation", _("赔偿经济损失")
    FEE_URGE = "fee_urge", _("劝说、督促、沟通")
    REMINDER_LETTER = "reminder_letter", _("发催缴函")
    LATE_FEE = "late_fee", _("加收滞纳金")
    LAWYER_LETTER = "lawyer_letter", _("发律师函")
    COMMITTEE_NOTICE = "committee_notice", _("通过业主委员会公告")
    UTILITY_CUT = "utility_cut", _("停水停电")
    STOP_SERVICES = "stop_services", _("停止服务")
    PUBLIC_CRITICISM = "public_criticism", _("通报批评")
    LITIGATION = "litigation", _("申请仲裁或提起诉讼")


# 000 篇8 §4.4.1 (a)–(f): the general order of measures.
CONDUCT_LADDER = (
    Measure.PERSUASION,
    Measure.RECTIFICATION,
    Measure.COMPENSATION,
    Measure.UTILITY_CUT,
    Measure.PUBLIC_CRITICISM,
    Measure.LITIGATION,
)
# 000 篇8 §4.4.2 (a)–(h): refusing management fees.
FEE_LADDER = (
    Measure.FEE_URGE,
    Measure.REMINDER_LETTER,
    Measure.LATE_FEE,
    Measure.LAWYER_LETTER,
    Measure.COMMITTEE_NOTICE,
    Measure.UTILITY_CUT,
    Measure.STOP_SERVICES,
    Measure.LITIGATION,
)
# What any staff member may record (000 篇4 §4.4.8: 其他员工只能进行劝导、教育).
PERSUASION_MEASURES = frozenset({Measure.PERSUASION, Measure.FEE_URGE})
# Measures that are penalties: after them the office mends the relationship (000 篇8 §4.5.7).
PENALTIES = frozenset(
    {
        Measure.COMPENSATION,
        Measure.LATE_FEE,
        Measure.COMMITTEE_NOTICE,
        Measure.UTILITY_CUT,
        Measure.STOP_SERVICES,
        Measure.PUBLIC_CRITICISM,
        Measure.LITIGATION,
    }
)
# Measures that charge the household (sent to finance at month end: 000 篇8 §4.5.8).
CHARGES = frozenset({Measure.COMPENSATION, Measure.LATE_FEE})


def ladder_for(kind: str) -> tuple[str, ...]:
    return FEE_LADDER if kind == Kind.FEE_REFUSAL else CONDUCT_LADDER


class Utility(models.TextChoices):
    WATER = "water", _("停水")
    ELECTRICITY = "electricity", _("停电")
    BOTH = "both", _("停水停电")


class NoticeKind(models.TextChoices):
    RECTIFICATION = "rectification", _("违章整改通知书")
    UTILITY_CUT = "utility_cut", _("停水停电通知书")
    REMINDER_LETTER = "reminder_letter", _("催缴函")


class EventType(models.TextChoices):
    CASE_REGISTERED = "case_registered", _("登记违章")
    PHOTO_ADDED = "photo_added", _("添加照片")
    SLIP_ISSUED = "slip_issued", _("发出协调单")
    MEASURE_RECORDED = "measure_recorded", _("记录处理措施")
    MEASURE_OUTCOME_RECORDED = "measure_outcome_recorded", _("记录措施结果")
    NOTICE_ISSUED = "notice_issued", _("发出通知书")
    NOTICE_DELIVERED = "notice_delivered", _("通知书已送达")
    NOTICE_PRINTED = "notice_printed", _("打印通知书")
    VISIT_RECORDED = "visit_recorded", _("停水停电前登门告知")
    COMMITTEE_SUPPORT_RECORDED = "committee_support_recorded", _("记录业主委员会支持")
    SUPPLY_RESTORED = "supply_restored", _("恢复供水供电")
    FOLLOWUP_RECORDED = "followup_recorded", _("事后沟通、缓和关系")
    CASE_CLOSED = "case_closed", _("结案")
    CHARGES_SENT = "charges_sent", _("违章费用报财务扣款")
    CASE_ARCHIVED = "case_archived", _("归档")


# Measures that need a delivered written notice and a visit before they are taken.
NEEDS_NOTICE_FIRST = frozenset({Measure.UTILITY_CUT})
