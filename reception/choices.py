"""Enumerations of the reception registers (SOP.md §4; 004 篇3 §4.4–4.10). Values are stored:
never change them; labels are Chinese."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Register(models.TextChoices):
    """Which register an event row belongs to (RegisterEvent.register)."""

    LOST_ITEM = "lost_item", _("失物招领登记表")
    MAJOR_INCIDENT = "major_incident", _("重大(突发)事件处理记录表")
    REPAIR_SLIP = "repair_slip", _("物业返修联系单")
    RECEPTION_NOTE = "reception_note", _("表扬与建议")
    HELP_REGISTER_ARCHIVE = "help_archive", _("住户求助登记表归档")


class IncidentKind(models.TextChoices):
    """004 篇3 §4.10: major security incidents, major equipment or facility situations, and
    visits of government leaders are all kept in the same register."""

    SECURITY = "security", _("重大治安事件")
    EQUIPMENT = "equipment", _("重大设备设施情况")
    EMERGENCY = "emergency", _("突发事件")
    OFFICIAL_VISIT = "official_visit", _("政府部门领导参观来访")


class SlipStatus(models.TextChoices):
    CREATED = "created", _("待发出")
    SENT = "sent", _("已发售后,跟进中")
    ANSWERED = "answered", _("售后已答复")
    CLOSED = "closed", _("已完结")


SLIP_BADGE = {
    SlipStatus.CREATED: "red",
    SlipStatus.SENT: "blue",
    SlipStatus.ANSWERED: "green",
    SlipStatus.CLOSED: "grey",
}


class NoteKind(models.TextChoices):
    PRAISE = "praise", _("表扬")
    SUGGESTION = "suggestion", _("建议")


class EventType(models.TextChoices):
    """Register events, NOUN_PAST_PARTICIPLE (STYLE.md §7). Append-only."""

    LOST_ITEM_REGISTERED = "lost_item_registered", _("登记拾获物品")
    LOST_ITEM_CLAIMED = "lost_item_claimed", _("失主认领")
    INCIDENT_RECORDED = "incident_recorded", _("登记重大事件")
    INCIDENT_CLOSED = "incident_closed", _("记录处理结果")
    SLIP_CREATED = "slip_created", _("填写返修联系单")
    SLIP_SENT = "slip_sent", _("送交开发商售后")
    SLIP_SEND_OVERDUE = "slip_send_overdue", _("当天未送出,已提醒")
    SLIP_CHASE_DUE = "slip_chase_due", _("应督促,已提醒")
    SLIP_CHASED = "slip_chased", _("督促售后")
    SLIP_ANSWERED = "slip_answered", _("售后答复")
    SLIP_CLOSED = "slip_closed", _("返修完结")
    NOTE_RECORDED = "note_recorded", _("登记表扬/建议")
    PRAISE_VERIFIED = "praise_verified", _("表扬查证")
    SUGGESTION_FORWARDED = "suggestion_forwarded", _("建议上报项目经理")
    NOTE_CLOSED = "note_closed", _("落实完毕")
    HELP_REGISTER_ARCHIVED = "help_register_archived", _("归档住户求助登记表")
