"""Help and report requests (住户求助/报事, SOP.md §2 and §4): the request, its append-only
timeline, its deadlines (each with the policy rule that set it) and escalations.

Writes go through service_requests.services; the deadline sweep through
service_requests.deadlines (run by the worker).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import AppendOnlyModel
from service_requests.choices import (
    OPEN_STATUSES,
    Category,
    Channel,
    ConfirmationChannel,
    DeadlineKind,
    EventType,
    ReceptionLabel,
    Satisfaction,
    Status,
)

DESCRIPTION_MAX_LENGTH = 2000
# Free text written at a lifecycle step — the reply, the result, what the resident was told, a
# note, the resident's confirmation or visit comment, a dispatch or supervisor-report note — is
# as long as a request's description may be; a reason (cancel, reopen, a changed appointment) is
# a sentence or two, and the cancel reason's column is this long. Enforced by the services
# (service_requests.services._limited), so the console and the API refuse the same text.
NOTE_MAX_LENGTH = 2000
REASON_MAX_LENGTH = 500


class ServiceRequest(models.Model):
    office = models.ForeignKey(
        "organization.ManagementOffice",
        verbose_name=_("管理处"),
        db_index=False,  # sr_queue and sr_register lead with it (one index less to write)
        on_delete=models.PROTECT,
        related_name="service_requests",
    )
    household = models.ForeignKey(
        "estates.Household",
        verbose_name=_("住户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_requests",
        help_text=_("公共区域的报事可不选住户"),
    )
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    is_special = models.BooleanField(_("特别求助"), default=False, editable=False)
    is_major = models.BooleanField(
        _("重大"), default=False, help_text=_("重大特别求助须立即报告主管(SOP §2)")
    )
    is_paid_service = models.BooleanField(_("有偿服务"), default=False)
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    reception_label = models.CharField(
        _("接待登记类别"), max_length=20, choices=ReceptionLabel.choices
    )
    description = models.TextField(_("求助内容"), max_length=DESCRIPTION_MAX_LENGTH)
    location = models.CharField(_("地点"), max_length=200, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)

    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    policy_version = models.ForeignKey(
        "policies.PolicyVersion",
        verbose_name=_("适用策略版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("空表示规程默认值"),
    )

    received_at = models.DateTimeField(_("受理时间"))
    entered_at = models.DateTimeField(_("录入时间"), default=timezone.now)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("受理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    first_replied_at = models.DateTimeField(_("首次答复时间"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("派工时间"), null=True, blank=True)
    assigned_department = models.ForeignKey(
        "organization.Department",
        verbose_name=_("派往部门"),
        null=True,
        blank=True,
        db_index=False,  # sr_department leads with it
        on_delete=models.PROTECT,
        related_name="+",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        db_index=False,  # sr_assignee leads with it
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("接单时间"), null=True, blank=True)
    promised_at = models.DateTimeField(_("约定完成时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("处理完毕时间"), null=True, blank=True)
    result = models.TextField(_("处理结果"), blank=True)
    confirmed_at = models.DateTimeField(_("住户确认时间"), null=True, blank=True)
    confirmation_channel = models.CharField(
        _("确认方式"), max_length=20, choices=ConfirmationChannel.choices, blank=True
    )
    visited_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    satisfaction = models.CharField(
        _("满意度"), max_length=20, choices=Satisfaction.choices, blank=True
    )
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    referred_to = models.ForeignKey(
        "organization.Department",
        verbose_name=_("转介单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cancel_reason = models.CharField(_("撤销原因"), max_length=REASON_MAX_LENGTH, blank=True)
    next_deadline_at = models.DateTimeField(
        _("最近时限"), null=True, blank=True, help_text=_("未完成时限中最早的一个")
    )

    class Meta:
        verbose_name = _("求助/报事")
        verbose_name_plural = _("求助/报事")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["office", "status", "next_deadline_at"], name="sr_queue"),
            # The open queue, nearest deadline first: read in order, stop after one page
            # (docs/performance.md) instead of sorting every open request of the office.
            models.Index(
                fields=["office", "next_deadline_at", "received_at", "id"],
                name="sr_open_queue",
                condition=Q(status__in=sorted(OPEN_STATUSES)),
            ),
            models.Index(fields=["office", "received_at"], name="sr_register"),
            models.Index(fields=["assignee", "status"], name="sr_assignee"),
            models.Index(fields=["assigned_department", "status"], name="sr_department"),
        ]
        permissions = [
            ("work_on_request", _("处理派给本人或本部门的求助")),
            ("reply_in_writing", _("书面答复书面咨询")),
            ("cancel_servicerequest", _("撤销求助")),
        ]

    def __str__(self):
        return f"{self.number} {self.get_category_display()}"

    @property
    def number(self) -> str:
        """The register number staff read out: date received and sequence (QZ20261122-000123)."""
        local = timezone.localtime(self.received_at)
        return f"QZ{local:%Y%m%d}-{self.pk:06d}"


class RequestEvent(AppendOnlyModel):
    """The append-only timeline: who, when, what, before/after; what the resident was told is
    kept apart from internal notes."""

    request = models.ForeignKey(
        ServiceRequest,
        verbose_name=_("求助"),
        db_index=False,  # sr_event_timeline (request, at) leads with it
        on_delete=models.PROTECT,
        related_name="events",
    )
    type = models.CharField(_("事件"), max_length=40, choices=EventType.choices)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("空表示系统"),
    )
    status_before = models.CharField(_("原状态"), max_length=20, blank=True)
    status_after = models.CharField(_("新状态"), max_length=20, blank=True)
    public_note = models.TextField(_("告知住户"), blank=True)
    internal_note = models.TextField(_("内部备注"), blank=True)
    data = models.JSONField(_("内容"), default=dict, blank=True)

    class Meta:
        verbose_name = _("处理记录")
        verbose_name_plural = _("处理记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["request", "at"], name="sr_event_timeline")]

    def __str__(self):
        return f"{self.request_id} {self.get_type_display()}"


class Deadline(models.Model):
    """One time limit of a request, from a policy rule. Met when the step is done; missed (and
    escalated level by level) by the worker's sweep when it passes.

    A request may meet the same kind of limit again (a complaint reopened after an unsatisfied
    follow-up visit gets a new resolve limit; a reopened repair a new appointment): each time is
    a new row with the next `round`, so an earlier round keeps its met or missed record and the
    new one is swept, escalated and counted like any other."""

    request = models.ForeignKey(
        ServiceRequest,
        verbose_name=_("求助"),
        db_index=False,  # deadline_unique_kind_round (request, kind, round) leads with it
        on_delete=models.PROTECT,
        related_name="deadlines",
    )
    kind = models.CharField(_("时限"), max_length=30, choices=DeadlineKind.choices)
    policy_key = models.CharField(_("策略规则"), max_length=60)
    clause = models.CharField(_("规程出处"), max_length=120)
    due_at = models.DateTimeField(_("截止时间"))
    met_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    missed_at = models.DateTimeField(_("逾期记录时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("已升级级数"), default=0)
    # db_default: rows written by COPY without the column (bench/generate.py) are round 1.
    round = models.PositiveSmallIntegerField(_("轮次"), default=1, db_default=1)
    next_escalation_at = models.DateTimeField(_("下次升级时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("处理时限")
        verbose_name_plural = _("处理时限")
        ordering = ["due_at"]
        indexes = [
            # The sweep's two scans: open deadlines by due time, escalations by next time.
            models.Index(
                fields=["due_at"],
                name="deadline_open_due",
                condition=Q(met_at__isnull=True, cancelled_at__isnull=True, missed_at__isnull=True),
            ),
            models.Index(
                fields=["next_escalation_at"],
                name="deadline_escalation_due",
                condition=Q(
                    met_at__isnull=True,
                    cancelled_at__isnull=True,
                    next_escalation_at__isnull=False,
                ),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "kind", "round"], name="deadline_unique_kind_round"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.met_at is None and self.cancelled_at is None

    @property
    def on_time(self) -> bool | None:
        """True/False once met (or missed — a missed round ended by a later one stays missed);
        None while still open and not yet due, or cancelled before it was missed."""
        if self.met_at is not None:
            return self.met_at <= self.due_at
        if self.missed_at is not None:
            return False
        return None


class Escalation(models.Model):
    """One escalation step of a missed deadline; unique per level so that several workers can
    never escalate (or notify) twice."""

    deadline = models.ForeignKey(
        Deadline, verbose_name=_("时限"), on_delete=models.PROTECT, related_name="escalations"
    )
    level = models.PositiveSmallIntegerField(_("级数"))
    role_code = models.CharField(_("通知岗位"), max_length=40)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("逾期升级")
        verbose_name_plural = _("逾期升级")
        constraints = [
            models.UniqueConstraint(fields=["deadline", "level"], name="escalation_unique_level")
        ]

    def __str__(self):
        return f"{self.deadline} L{self.level} {self.role_code}"


class IdempotencyKey(models.Model):
    """An API client's `Idempotency-Key`: a retried intake returns the first result."""

    # no index of its own: idempotency_unique_key (user, key) leads with it
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_index=False, on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    service_request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_key")
        ]

    def __str__(self):
        return self.key


class EmergencyStep(models.Model):
    """One SOP step of a medical-emergency branch (000 篇3 §4.2.1), timestamped with who did it."""

    request = models.ForeignKey(
        ServiceRequest,
        verbose_name=_("求助"),
        on_delete=models.PROTECT,
        related_name="emergency_steps",
    )
    branch = models.CharField(_("帮助方式"), max_length=20)
    code = models.CharField(_("步骤"), max_length=40)
    label = models.CharField(_("内容"), max_length=200)
    position = models.PositiveSmallIntegerField(_("顺序"))
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("完成人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    detail = models.CharField(
        _("记录"), max_length=200, blank=True, help_text=_("如:护送人员姓名、车辆、陪同亲属")
    )
    # A step this case did not need (the ambulance took the patient before a carer came; no
    # inspection was necessary), recorded with why, by whoever may tick steps: the checklist is
    # complete when every step is done or recorded as not needed (SOP.md §2 急救).
    skipped_at = models.DateTimeField(_("登记不需要的时间"), null=True, blank=True)
    skipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记不需要的人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    skip_reason = models.CharField(_("不需要的原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("急救步骤")
        verbose_name_plural = _("急救步骤")
        ordering = ["request", "branch", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "branch", "code"], name="emergency_step_unique"
            )
        ]

    def __str__(self):
        return self.label

    @property
    def is_open(self) -> bool:
        """Neither done nor recorded as not needed."""
        return self.done_at is None and self.skipped_at is None


class RequestAttachment(AppendOnlyModel):
    """A photo of a leak, a scanned letter …: stored under MEDIA_ROOT with a random name in the
    request's folder and served only through views that check the user may see the request.
    Append-only like the timeline: a wrong upload is superseded by a new one, never removed."""

    request = models.ForeignKey(
        ServiceRequest,
        verbose_name=_("求助"),
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    file = models.FileField(_("文件"), max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(
        _("文件类型"), max_length=50, help_text=_("按文件内容识别,不按扩展名")
    )
    size = models.PositiveBigIntegerField(_("大小(字节)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    caption = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("更正的附件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        help_text=_("上传错的附件不删除,由这一份更正"),
    )

    class Meta:
        verbose_name = _("求助附件")
        verbose_name_plural = _("求助附件")
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["request", "uploaded_at"], name="sr_attachment_request")]

    def __str__(self):
        return self.original_name
