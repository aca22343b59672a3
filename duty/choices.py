"""Enumerations of duty and shift handover (SOP.md §6). Values are stored: never change them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ShiftKind(models.TextChoices):
    WORKING_DAY = "working_day", _("工作日夜班")
    HOLIDAY = "holiday", _("节假日全天")


class ChangeKind(models.TextChoices):
    LEAVE = "leave", _("请假")
    SWAP = "swap", _("调班")


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


class EntryKind(models.TextChoices):
    NOTE = "note", _("值班记录")
    CORRECTION = "correction", _("更正")
    MISSED_CALL = "missed_call", _("未及时接听来电")
    SIGNATURE = "signature", _("主管签阅")
    HANDOVER = "handover", _("交接班")
    ROSTER = "roster", _("值班安排")
    ARCHIVED = "archived", _("归档")


ENTRY_BADGE = {
    EntryKind.NOTE: "blue",
    EntryKind.CORRECTION: "red",
    EntryKind.MISSED_CALL: "red",
    EntryKind.SIGNATURE: "green",
    EntryKind.HANDOVER: "grey",
    EntryKind.ROSTER: "grey",
    EntryKind.ARCHIVED: "grey",
}


class HandoverStatus(models.TextChoices):
    OPEN = "open", _("交接中")
    COMPLETED = "completed", _("已交接")


class ChainProblem(models.TextChoices):
    ALTERED = "altered", _("被改动")
    REMOVED = "removed", _("被删除")
    INSERTED = "inserted", _("被插入")
