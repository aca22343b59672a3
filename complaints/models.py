"""Complaints (投诉, SOP.md §3): the complaint procedure on top of a help request of category c.

The request (service_requests.ServiceRequest) keeps the timeline, the deadlines (Deadline rows
with the policy key and clause, swept and escalated by the worker) and the status; the
complaint keeps what the SOP adds: the reception record, the 五清楚一报告 checklist, validity,
severity, the dispatch slip (住户投诉意见表), telling the resident, extensions and the
follow-up visit. Writes go through complaints.services.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from complaints.choices import (
    SEVERITY_HELP,
    ChecklistStep,
    Emergency,
    ExtensionStatus,
    Handling,
    MajorReason,
    Severity,
    Stage,
    ToldChannel,
    Validity,
    ValidKind,
)
from service_requests.choices import Satisfaction


def _user(verbose):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )


class Complaint(models.Model):
    request = models.OneToOneField(
        "service_requests.ServiceRequest",
        verbose_name=_("求助"),
        on_delete=models.PROTECT,
        related_name="complaint",
    )
    office = models.ForeignKey(
        "organization.ManagementOffice",
        verbose_name=_("管理处"),
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    received_at = models.DateTimeField(_("受理时间"), help_text=_("同求助的受理时间"))

    # Reception (000 篇10 §4.3.1)
    event_at = models.DateTimeField(_("事件发生时间"), null=True, blank=True)
    event_place = models.CharField(_("事件发生地点"), max_length=200, blank=True)
    complained_party = models.CharField(_("被投诉人"), max_length=100, blank=True)
    complained_department = models.ForeignKey(
        "organization.Department",
        verbose_name=_("被投诉部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    what_happened = models.TextField(_("事件经过"), max_length=2000)
    resident_demand = models.TextField(_("住户要求"), max_length=1000, blank=True)
    apologised = models.BooleanField(
        _("已代表被投诉部门致歉"), default=False, help_text=_("000 篇10 §4.3.1")
    )
    recorded_by = _user(_("接待人"))

    # Judging (000 篇10 §4.2; 003 §4.3)
    validity = models.CharField(_("投诉性质"), max_length=20, choices=Validity.choices, blank=True)
    valid_kind = models.CharField(
        _("有效投诉类别"), max_length=20, choices=ValidKind.choices, blank=True
    )
    handling = models.CharField(
        _("处理方式"),
        max_length=20,
        choices=Handling.choices,
        blank=True,
        help_text=_("无效投诉、协办事项、过高要求及非物业管理服务投诉:解释并在3天内答复"),
    )
    explanation = models.TextField(_("解释/答复内容"), blank=True)
    judged_at = models.DateTimeField(_("界定时间"), null=True, blank=True)
    judged_by = _user(_("界定人"))

    severity = models.CharField(
        _("投诉级别"),
        max_length=20,
        choices=Severity.choices,
        blank=True,
        help_text=" / ".join(f"{k.label}:{v}" for k, v in SEVERITY_HELP.items()),
    )
    major_reason = models.CharField(
        _("自动判为重大的原因"), max_length=20, choices=MajorReason.choices, blank=True
    )
    emergency = models.CharField(
        _("突发事件"), max_length=20, choices=Emergency.choices, blank=True
    )
    collective_of = models.ForeignKey(
        "self",
        verbose_name=_("并入的集体投诉"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    nonconformity_ref = models.CharField(_("不合格纠正与预防编号"), max_length=50, blank=True)

    handed_over_at = models.DateTimeField(_("呈送责任人时间"), null=True, blank=True)
    handed_over_to = _user(_("呈送给"))

    # 住户投诉意见表 (000 篇10 §4.4–4.5)
    slip_department = models.ForeignKey(
        "organization.Department",
        verbose_name=_("意见表送达部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    slip_sent_at = models.DateTimeField(_("意见表送达时间"), null=True, blank=True)
    slip_signed_by = models.CharField(_("领表人签收"), max_length=50, blank=True)
    slip_returned_at = models.DateTimeField(_("意见表交回时间"), null=True, blank=True)
    slip_handling = models.TextField(_("部门处理记录"), blank=True)

    # Telling the resident (000 篇10 §4.6)
    told_at = models.DateTimeField(_("通报住户时间"), null=True, blank=True)
    told_channel = models.CharField(
        _("通报方式"), max_length=20, choices=ToldChannel.choices, blank=True
    )
    told_note = models.TextField(_("通报内容"), blank=True)
    told_by = _user(_("通报人"))
    answered_at = models.DateTimeField(_("首次明确答复时间"), null=True, blank=True)

    # Follow-up visit (000 篇10 §4.7): scheduled when the resident is told the result (a
    # COMPLAINT_FOLLOW_UP deadline, complaint.follow_up.within) and assigned to a staff member;
    # follow_up_due_at is set while a planned visit is pending, cleared when it is recorded.
    follow_up_by = _user(_("回访负责人"))
    follow_up_due_at = models.DateTimeField(_("计划回访期限"), null=True, blank=True)
    visited_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    visited_by = _user(_("回访人"))
    satisfaction = models.CharField(
        _("回访结果"), max_length=20, choices=Satisfaction.choices, blank=True
    )
    visit_comment = models.TextField(_("回访意见"), blank=True)

    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("投诉")
        verbose_name_plural = _("投诉")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["office", "received_at"], name="complaint_office_received"),
            models.Index(fields=["office", "closed_at"], name="complaint_office_closed"),
            models.Index(
                fields=["follow_up_by", "follow_up_due_at"],
                name="complaint_follow_up_pending",
                condition=models.Q(follow_up_due_at__isnull=False),
            ),
        ]
        permissions = [("view_complaint_report", _("查看投诉统计"))]

    def __str__(self):
        return f"{self.request.number} {self.get_severity_display()}"

    @property
    def is_valid(self) -> bool:
        return self.validity == Validity.VALID

    @property
    def needs_nonconformity(self) -> bool:
        """000 篇10 §4.5.2; 004 篇4 §4.4.2: 重大 and 重要 go through 不合格纠正与预防."""
        return self.severity in (Severity.MAJOR, Severity.IMPORTANT)

    @property
    def needs_slip(self) -> bool:
        return self.validity in ("", Validity.VALID)

    @property
    def stage(self) -> str:
        if self.closed_at:
            return Stage.CLOSED
        if self.told_at:
            return Stage.TOLD
        if self.slip_returned_at or (self.validity and not self.needs_slip):
            return Stage.RETURNED
        if self.slip_sent_at:
            return Stage.DISPATCHED
        if self.judged_at:
            return Stage.JUDGED
        return Stage.RECEIVED

    def get_stage_display(self) -> str:
        return str(Stage(self.stage).label)


class ComplaintStep(models.Model):
    """One step of 五清楚一报告 done: who and when (002 篇1 §1)."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("投诉"), on_delete=models.PROTECT, related_name="steps"
    )
    code = models.CharField(_("步骤"), max_length=20, choices=ChecklistStep.choices)
    done_at = models.DateTimeField(_("完成时间"))
    done_by = _user(_("完成人"))
    note = models.CharField(_("记录"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("五清楚一报告")
        verbose_name_plural = _("五清楚一报告")
        ordering = ["complaint", "done_at"]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "code"], name="complaint_step_unique")
        ]

    def __str__(self):
        return self.get_code_display()


class ComplaintExtension(models.Model):
    """A request to extend the resolve limit: to the role the policy names; only that role
    decides; until approved the old deadline stands (000 篇10 §4.10.1–4.10.2)."""

    complaint = models.ForeignKey(
        Complaint, verbose_name=_("投诉"), on_delete=models.PROTECT, related_name="extensions"
    )
    reason = models.TextField(_("延期原因"))
    old_due_at = models.DateTimeField(_("原时限"))
    new_due_at = models.DateTimeField(_("申请延至"))
    approver_role = models.CharField(_("审批岗位"), max_length=40)
    policy_key = models.CharField(_("策略规则"), max_length=60)
    requested_at = models.DateTimeField(_("申请时间"))
    requested_by = _user(_("申请人"))
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=ExtensionStatus.choices,
        default=ExtensionStatus.PENDING,
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decided_by = _user(_("审批人"))
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("投诉延期申请")
        verbose_name_plural = _("投诉延期申请")
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.complaint_id} → {self.new_due_at:%Y-%m-%d}"
