"""Duty and shift handover (SOP.md §6, 000 篇2): the monthly roster (值班安排表) and its shifts,
leave and swap requests, the tamper-evident duty log (值班记录) with its per-office chain head,
posts with their inventory, and handovers (交接班).

Writes go through duty.services; reads through duty.selectors. The log is append-only at every
level: the queryset refuses update() and delete(), an existing row refuses save() and delete(),
the admin is read-only, and each row carries a SHA-256 hash chained to the previous one
(duty/chain.py), so an edit made directly in the database is found by `verify_duty_log`.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fields import office_fk, user_fk
from duty.choices import ChangeKind, ChangeStatus, EntryKind, HandoverStatus, ShiftKind

TEXT_MAX_LENGTH = 2000


class Roster(models.Model):
    """One office's 值班安排表 for one month (000 篇2 §4.1.1)."""

    office = office_fk("duty_rosters")
    month = models.DateField(_("月份"), help_text=_("该月1日"))
    created_at = models.DateTimeField(_("编制时间"), default=timezone.now)
    created_by = user_fk(_("编制人"))
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = user_fk(_("发布人"))

    class Meta:
        verbose_name = _("值班安排表")
        verbose_name_plural = _("值班安排表")
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["office", "month"], name="duty_roster_one_per_month")
        ]
        permissions = [
            ("manage_roster", _("编制和发布值班安排表")),
            ("approve_roster_change", _("审批请假与调班")),
        ]

    def __str__(self):
        return f"{self.office} {self.month:%Y-%m}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Shift(models.Model):
    """One duty shift: 17:30 → 08:30 next day on a working day, 24 h on a holiday (policy)."""

    roster = models.ForeignKey(
        Roster, verbose_name=_("值班安排表"), on_delete=models.PROTECT, related_name="shifts"
    )
    office = office_fk("duty_shifts")
    date = models.DateField(_("日期"))
    kind = models.CharField(_("班次"), max_length=20, choices=ShiftKind.choices)
    day_name = models.CharField(_("节日"), max_length=50, blank=True)
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    assignee = user_fk(_("值班人员"), related_name="duty_shifts")

    class Meta:
        verbose_name = _("值班班次")
        verbose_name_plural = _("值班班次")
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["office", "date"], name="duty_shift_one_per_day")
        ]
        indexes = [models.Index(fields=["office", "ends_at"], name="duty_shift_by_end")]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()}"


class RosterChange(models.Model):
    """A leave or swap request (000 篇2 §4.1.5: 未批准前,不允许私自调班). Leave: the supervisor
    names the replacement when approving. Swap: the two shifts' officers change places."""

    office = office_fk("+")
    kind = models.CharField(_("类型"), max_length=10, choices=ChangeKind.choices)
    shift = models.ForeignKey(
        Shift, verbose_name=_("班次"), on_delete=models.PROTECT, related_name="changes"
    )
    swap_with = models.ForeignKey(
        Shift,
        verbose_name=_("对调班次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("事由"), max_length=200)
    requested_by = user_fk(_("申请人"))
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    status = models.CharField(
        _("状态"), max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.PENDING
    )
    replacement = user_fk(_("顶班人员"))
    decided_by = user_fk(_("审批人"))
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("请假/调班")
        verbose_name_plural = _("请假/调班")
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.shift}"


class ChainHead(models.Model):
    """The last entry of an office's duty log: locked (SELECT … FOR UPDATE) by every append so
    that two entries written at once cannot both chain to the same predecessor."""

    office = models.OneToOneField(
        "organization.ManagementOffice",
        verbose_name=_("管理处"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    last_seq = models.PositiveBigIntegerField(_("最后序号"), default=0)
    last_hash = models.CharField(_("最后哈希"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("值班记录链头")
        verbose_name_plural = _("值班记录链头")

    def __str__(self):
        return f"{self.office_id}#{self.last_seq}"


class AppendOnlyLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("值班记录不得涂改:不能修改,请另写一条更正。")

    def delete(self):
        raise TypeError("值班记录不得撕页:不能删除,请另写一条更正。")


class LogEntry(models.Model):
    """One line of the 值班记录 (000 篇2 §4.1.8: 不得撕页,记录不得涂改). Signatures, handovers,
    corrections and archive markers are entries too, all in the office's hash chain."""

    office = office_fk("duty_log")
    seq = models.PositiveBigIntegerField(_("序号"))
    kind = models.CharField(_("类别"), max_length=20, choices=EntryKind.choices)
    at = models.DateTimeField(_("时间"))
    recorded_at = models.DateTimeField(_("录入时间"))
    author = user_fk(_("记录人"), help_text=_("空表示系统"))
    text = models.TextField(_("内容"), max_length=TEXT_MAX_LENGTH)
    shift = models.ForeignKey(
        Shift,
        verbose_name=_("班次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="log_entries",
    )
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("更正的记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    service_request = models.ForeignKey(
        "service_requests.ServiceRequest",
        verbose_name=_("关联求助"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    household = models.ForeignKey(
        "estates.Household",
        verbose_name=_("关联住户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    data = models.JSONField(_("附加信息"), default=dict, blank=True)
    prev_hash = models.CharField(_("上一条哈希"), max_length=64, blank=True)
    hash = models.CharField(_("哈希"), max_length=64)

    objects = AppendOnlyLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("值班记录")
        verbose_name_plural = _("值班记录")
        ordering = ["-seq"]
        constraints = [
            models.UniqueConstraint(fields=["office", "seq"], name="duty_log_seq_unique")
        ]
        permissions = [
            ("sign_duty_log", _("签阅值班记录")),
            ("verify_duty_log", _("核验值班记录完整性")),
        ]

    def __str__(self):
        return f"#{self.seq} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("值班记录不得涂改:不能修改,请另写一条更正。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("值班记录不得撕页:不能删除,请另写一条更正。")


class Post(models.Model):
    """A duty post (岗位) and the public property counted at each handover (000 篇2 §4.2.1)."""

    office = office_fk("duty_posts")
    name = models.CharField(_("岗位"), max_length=50)

    class Meta:
        verbose_name = _("值班岗位")
        verbose_name_plural = _("值班岗位")
        ordering = ["office", "name"]

    def __str__(self):
        return self.name


class PostItem(models.Model):
    post = models.ForeignKey(
        Post, verbose_name=_("岗位"), on_delete=models.CASCADE, related_name="items"
    )
    name = models.CharField(_("物品"), max_length=50, help_text=_("如:对讲机、灭火器、水瓶"))
    quantity = models.PositiveIntegerField(_("应有数量"), default=1)

    class Meta:
        verbose_name = _("岗位公物")
        verbose_name_plural = _("岗位公物")
        ordering = ["post", "id"]

    def __str__(self):
        return f"{self.name} ×{self.quantity}"


class Handover(models.Model):
    """One 交接班 (000 篇2 §4.2): from the outgoing shift's officer to the incoming one."""

    office = office_fk("duty_handovers")
    post = models.ForeignKey(Post, verbose_name=_("岗位"), null=True, on_delete=models.PROTECT)
    incoming_shift = models.OneToOneField(
        Shift, verbose_name=_("接班班次"), on_delete=models.PROTECT, related_name="handover"
    )
    outgoing_shift = models.ForeignKey(
        Shift,
        verbose_name=_("交班班次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    incoming = user_fk(_("接班人员"))
    outgoing = user_fk(_("交班人员"))
    status = models.CharField(
        _("状态"), max_length=10, choices=HandoverStatus.choices, default=HandoverStatus.OPEN
    )
    arrived_at = models.DateTimeField(_("到岗时间"))
    arrived_late = models.BooleanField(_("迟到"), default=False)
    inventory_counted_at = models.DateTimeField(_("清点公物时间"), null=True, blank=True)
    log_read_at = models.DateTimeField(_("查阅上班记录时间"), null=True, blank=True)
    area_checked_at = models.DateTimeField(_("区域检查时间"), null=True, blank=True)
    area_abnormal = models.BooleanField(_("区域有异常"), default=False)
    area_note = models.TextField(_("区域检查情况"), max_length=TEXT_MAX_LENGTH, blank=True)
    outgoing_checklist_at = models.DateTimeField(_("交班清单完成时间"), null=True, blank=True)
    outgoing_note = models.TextField(_("未完成工作交待"), max_length=TEXT_MAX_LENGTH, blank=True)
    exception_by = user_fk(_("例外批准人"))
    exception_at = models.DateTimeField(_("例外批准时间"), null=True, blank=True)
    exception_reason = models.CharField(_("例外理由"), max_length=200, blank=True)
    outgoing_signed_at = models.DateTimeField(_("交班签名时间"), null=True, blank=True)
    incoming_signed_at = models.DateTimeField(_("接班签名时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("交接班")
        verbose_name_plural = _("交接班")
        ordering = ["-arrived_at"]
        permissions = [("approve_handover_exception", _("批准带重要未完成工作交班"))]

    def __str__(self):
        return f"{self.incoming_shift}"


class HandoverCount(models.Model):
    handover = models.ForeignKey(
        Handover, verbose_name=_("交接班"), on_delete=models.PROTECT, related_name="counts"
    )
    item = models.ForeignKey(PostItem, verbose_name=_("物品"), on_delete=models.PROTECT)
    expected = models.PositiveIntegerField(_("应有数量"))
    counted = models.PositiveIntegerField(_("清点数量"))
    explanation = models.CharField(_("交班人员说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("公物清点")
        verbose_name_plural = _("公物清点")
        ordering = ["id"]

    def __str__(self):
        return f"{self.item} {self.counted}/{self.expected}"

    @property
    def discrepancy(self) -> int:
        return self.counted - self.expected


class HandoverItem(models.Model):
    """An open request carried from the outgoing shift into the incoming one."""

    handover = models.ForeignKey(
        Handover, verbose_name=_("交接班"), on_delete=models.PROTECT, related_name="carried"
    )
    service_request = models.ForeignKey(
        "service_requests.ServiceRequest",
        verbose_name=_("求助"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    important = models.BooleanField(_("重要"), default=False)

    class Meta:
        verbose_name = _("交接的未完成事项")
        verbose_name_plural = _("交接的未完成事项")
        ordering = ["-important", "id"]

    def __str__(self):
        return str(self.service_request_id)
