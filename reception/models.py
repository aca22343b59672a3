"""The reception registers of SOP.md §4 (004 篇3 §4.4–4.11): 失物招领登记表, 重大(突发)事件处理
记录表, 物业返修联系单 (售后 items sent to the developer and chased), praise and suggestions,
and one append-only event table that is the timeline and audit of all four.

Writes go through reception.services; reads through reception.selectors.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fields import office_fk, user_fk
from core.models import AppendOnlyModel
from reception.choices import EventType, IncidentKind, NoteKind, Register, SlipStatus

TEXT_MAX_LENGTH = 2000


class LostItem(models.Model):
    """One line of the 失物招领登记表 (004 篇3 §4.6): found, stored, claimed against ID."""

    office = office_fk("lost_items")
    found_at = models.DateTimeField(_("拾获时间"))
    found_place = models.CharField(_("拾获地点"), max_length=200)
    found_by = models.CharField(_("拾获人"), max_length=50)
    found_by_phone = models.CharField(_("拾获人电话"), max_length=20, blank=True)
    description = models.TextField(_("物品描述"), max_length=TEXT_MAX_LENGTH)
    storage_place = models.CharField(_("存放地点"), max_length=100)
    registered_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    registered_by = user_fk(_("登记人"))
    claimed_at = models.DateTimeField(_("认领时间"), null=True, blank=True)
    claimant_name = models.CharField(_("认领人"), max_length=50, blank=True)
    claimant_id_checked = models.BooleanField(_("已核对证件"), default=False)
    claimant_phone = models.CharField(_("认领人电话"), max_length=20, blank=True)
    handled_by = user_fk(_("经办人"), help_text=_("交还物品的员工"))
    notes = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("失物招领")
        verbose_name_plural = _("失物招领登记表")
        ordering = ["-found_at", "-id"]
        indexes = [models.Index(fields=["office", "found_at"], name="lost_item_register")]

    def __str__(self):
        return f"{self.number} {self.description[:20]}"

    @property
    def number(self) -> str:
        return f"SW{timezone.localtime(self.found_at):%Y%m%d}-{self.pk:05d}"

    @property
    def is_claimed(self) -> bool:
        return self.claimed_at is not None


class MajorIncident(models.Model):
    """One entry of the 重大(突发)事件处理记录表 (004 篇3 §4.10), official visits included."""

    office = office_fk("major_incidents")
    kind = models.CharField(_("类别"), max_length=20, choices=IncidentKind.choices)
    occurred_at = models.DateTimeField(_("发生时间"))
    place = models.CharField(_("地点"), max_length=200)
    summary = models.TextField(_("事件经过"), max_length=TEXT_MAX_LENGTH)
    reported_by = models.CharField(_("报告人/来访单位"), max_length=100)
    measures = models.TextField(_("采取措施"), max_length=TEXT_MAX_LENGTH, blank=True)
    people_notified = models.CharField(_("已通知人员"), max_length=300, blank=True)
    result = models.TextField(_("处理结果"), max_length=TEXT_MAX_LENGTH, blank=True)
    service_request = models.ForeignKey(
        "service_requests.ServiceRequest",
        verbose_name=_("关联求助"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="major_incidents",
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    recorded_by = user_fk(_("登记人"))
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    closed_by = user_fk(_("结案人"))

    class Meta:
        verbose_name = _("重大(突发)事件")
        verbose_name_plural = _("重大(突发)事件处理记录表")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["office", "occurred_at"], name="incident_register")]

    def __str__(self):
        return f"{self.number} {self.get_kind_display()}"

    @property
    def number(self) -> str:
        return f"ZD{timezone.localtime(self.occurred_at):%Y%m%d}-{self.pk:05d}"


class DeveloperRepairSlip(models.Model):
    """物业返修联系单 (004 篇3 §4.5): a 售后 defect sent to the developer's after-sales
    department the same day and chased until the developer answers.

    `send_due_at` and `next_chase_at` come from the policy (after_sales.slip_send,
    after_sales.chase_interval) of the version the slip was made under; `reminded_chase_number`
    is the chase the worker last reminded about, so a reminder is never repeated."""

    office = office_fk("repair_slips")
    service_request = models.ForeignKey(
        "service_requests.ServiceRequest",
        verbose_name=_("来源求助"),
        on_delete=models.PROTECT,
        related_name="repair_slips",
    )
    household = models.ForeignKey(
        "estates.Household",
        verbose_name=_("住户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    developer = models.ForeignKey(
        "organization.Department",
        verbose_name=_("开发商售后部门"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    defect = models.TextField(_("返修内容"), max_length=TEXT_MAX_LENGTH)
    status = models.CharField(
        _("状态"), max_length=20, choices=SlipStatus.choices, default=SlipStatus.CREATED
    )
    policy_version = models.ForeignKey(
        "policies.PolicyVersion",
        verbose_name=_("适用策略版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("填单时间"), default=timezone.now)
    created_by = user_fk(_("填单人"))
    send_due_at = models.DateTimeField(_("应送出时间"))
    sent_at = models.DateTimeField(_("送出时间"), null=True, blank=True)
    sent_by = user_fk(_("送单人"))
    received_by = models.CharField(_("售后签收人"), max_length=50, blank=True)
    send_overdue_reminded_at = models.DateTimeField(_("未送出提醒时间"), null=True, blank=True)
    chase_count = models.PositiveSmallIntegerField(_("已督促次数"), default=0)
    last_chased_at = models.DateTimeField(_("最近督促时间"), null=True, blank=True)
    next_chase_at = models.DateTimeField(_("下次督促时间"), null=True, blank=True)
    reminded_chase_number = models.PositiveSmallIntegerField(_("已提醒的督促次序"), default=0)
    answered_at = models.DateTimeField(_("售后答复时间"), null=True, blank=True)
    developer_answer = models.TextField(_("售后答复"), max_length=TEXT_MAX_LENGTH, blank=True)
    promised_on = models.DateField(_("售后承诺完成日期"), null=True, blank=True)
    result = models.TextField(_("返修结果"), max_length=TEXT_MAX_LENGTH, blank=True)
    closed_at = models.DateTimeField(_("完结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("物业返修联系单")
        verbose_name_plural = _("物业返修联系单")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["office", "created_at"], name="slip_register"),
            # The worker's two scans: unsent past the send time, unanswered past the chase time.
            models.Index(
                fields=["send_due_at"],
                name="slip_unsent_due",
                condition=Q(sent_at__isnull=True, closed_at__isnull=True),
            ),
            models.Index(
                fields=["next_chase_at"],
                name="slip_chase_due",
                condition=Q(answered_at__isnull=True, closed_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.developer}"

    @property
    def number(self) -> str:
        return f"FX{timezone.localtime(self.created_at):%Y%m%d}-{self.pk:05d}"


class ReceptionNote(models.Model):
    """表扬 and 建议 from the reception log (004 篇3 §4.6): praise is verified and then rewarded
    under the staff handbook; a suggestion is collected and reported to the project manager."""

    office = office_fk("reception_notes")
    kind = models.CharField(_("类别"), max_length=20, choices=NoteKind.choices)
    received_at = models.DateTimeField(_("接待时间"))
    from_name = models.CharField(_("业主/住户"), max_length=50)
    household = models.ForeignKey(
        "estates.Household",
        verbose_name=_("房号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    content = models.TextField(_("内容"), max_length=TEXT_MAX_LENGTH)
    staff_praised = models.ForeignKey(
        "organization.Staff",
        verbose_name=_("被表扬员工"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    recorded_by = user_fk(_("登记人"))
    verified_at = models.DateTimeField(_("查证时间"), null=True, blank=True)
    verified_by = user_fk(_("查证人"))
    verified_true = models.BooleanField(_("查证属实"), null=True, blank=True)
    forwarded_to = user_fk(_("上报给"))
    forwarded_at = models.DateTimeField(_("上报时间"), null=True, blank=True)
    outcome = models.TextField(_("落实情况"), max_length=TEXT_MAX_LENGTH, blank=True)
    closed_at = models.DateTimeField(_("落实完毕时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("表扬/建议")
        verbose_name_plural = _("表扬与建议")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["office", "received_at"], name="note_register")]
        permissions = [("verify_praise", _("查证表扬并决定奖励"))]

    def __str__(self):
        return f"{self.get_kind_display()} {self.from_name}"


class RegisterEvent(AppendOnlyModel):
    """The append-only timeline and audit of every register entry: who, when, what."""

    office = office_fk("+")
    register = models.CharField(_("登记簿"), max_length=20, choices=Register.choices)
    object_id = models.PositiveBigIntegerField(_("记录编号"))
    type = models.CharField(_("事件"), max_length=40, choices=EventType.choices)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = user_fk(_("操作人"), help_text=_("空表示系统"))
    note = models.TextField(_("记录"), blank=True)
    data = models.JSONField(_("内容"), default=dict, blank=True)

    class Meta:
        verbose_name = _("登记簿记录")
        verbose_name_plural = _("登记簿记录")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["register", "object_id", "at"], name="register_event_timeline")
        ]

    def __str__(self):
        return f"{self.register}#{self.object_id} {self.get_type_display()}"


class HelpRegisterArchive(AppendOnlyModel):
    """One office's help register (住户求助登记表 / 报事报修登记表) for one finished year, filed
    at the start of the next year and kept for the policy's years (retention.help_register;
    000 篇3 §4.10 于次年年初归入管理处统一归档,保存期2年).

    Two files under settings.ARCHIVE_DIR: the register in Excel (its printed columns) and the
    year's requests with their timelines and deadlines in JSON; the row keeps each file's
    SHA-256 so `archive_help_register --verify` finds a file changed or lost later. Append-only:
    the row is the record that the year was archived and is never changed or deleted."""

    office = office_fk("help_register_archives")
    year = models.PositiveSmallIntegerField(_("年度"))
    directory = models.CharField(
        _("归档目录"), max_length=200, help_text=_("相对于归档根目录(ARCHIVE_DIR)")
    )
    register_file = models.CharField(_("登记表文件"), max_length=100)
    register_sha256 = models.CharField(_("登记表文件SHA-256"), max_length=64)
    data_file = models.CharField(_("数据文件"), max_length=100)
    data_sha256 = models.CharField(_("数据文件SHA-256"), max_length=64)
    request_count = models.PositiveIntegerField(_("求助件数"))
    event_count = models.PositiveIntegerField(_("处理记录条数"))
    deadline_count = models.PositiveIntegerField(_("时限条数"))
    retention_years = models.PositiveSmallIntegerField(_("保存年限"))
    keep_until = models.DateField(_("保存至"))
    archived_at = models.DateTimeField(_("归档时间"), default=timezone.now)
    archived_by = user_fk(_("归档人"), help_text=_("空表示系统(命令行)"))

    class Meta:
        verbose_name = _("住户求助登记表归档")
        verbose_name_plural = _("住户求助登记表归档")
        ordering = ["-year", "office_id"]
        constraints = [
            models.UniqueConstraint(fields=["office", "year"], name="help_register_archive_once")
        ]

    def __str__(self):
        return f"{self.office_id} {self.year}"

    @property
    def files(self) -> list[tuple[str, str, str]]:
        """(kind, file name, SHA-256) of each archived file."""
        return [
            ("register", self.register_file, self.register_sha256),
            ("data", self.data_file, self.data_sha256),
        ]


class RegisterAccess(models.Model):
    """No table: holds the permissions to read the registers that have no model of their own —
    the help register (住户求助登记表) and its export, and the on-time report."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_help_register", _("查看和导出住户求助登记表")),
            ("view_on_time_report", _("查看处理及时率统计")),
        ]

    def __str__(self):
        return "register access"
