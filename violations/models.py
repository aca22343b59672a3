"""Resident violations (SOP.md §8; 000 篇4, 6–9): the case (住户违章事件记录表), its photos, the
measures taken on the ladder, the printed notices, the 协调单, the owners' covenant clauses an
office relies on, the month-end charge lists sent to finance, and one append-only timeline.

Writes go through violations.services; reads through violations.selectors.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fields import office_fk, user_fk
from core.models import AppendOnlyModel
from violations.choices import (
    EventType,
    Kind,
    Measure,
    NoticeKind,
    Outcome,
    Severity,
    Status,
    SubKind,
    Utility,
)

TEXT_MAX_LENGTH = 2000


class CovenantClause(models.Model):
    """A clause of an estate's owners' covenant (业主公约) the office relies on; a utility cut
    needs one that allows it (000 篇8 §4.5.5(a), §4.4.2(f))."""

    office = office_fk("covenant_clauses")
    estate = models.ForeignKey(
        "estates.Estate", verbose_name=_("小区"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("条款原文"), max_length=TEXT_MAX_LENGTH)
    allows_utility_cut = models.BooleanField(_("约定可停水停电"), default=False)
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    recorded_by = user_fk(_("登记人"))

    class Meta:
        verbose_name = _("业主公约条款")
        verbose_name_plural = _("业主公约条款")
        ordering = ["estate", "-recorded_at"]

    def __str__(self):
        return self.text[:30]


class ViolationCase(models.Model):
    """One line of the 住户违章事件记录表 (000 篇6 §4.4.2, 篇8 §4.5.2)."""

    office = office_fk("violation_cases")
    household = models.ForeignKey(
        "estates.Household",
        verbose_name=_("住户"),
        on_delete=models.PROTECT,
        related_name="violation_cases",
    )
    kind = models.CharField(_("违章类别"), max_length=30, choices=Kind.choices)
    sub_kind = models.CharField(_("违章现象"), max_length=50, choices=SubKind.choices)
    place = models.CharField(_("地点"), max_length=200)
    occurred_at = models.DateTimeField(_("发现时间"))
    description = models.TextField(_("违章情况"), max_length=TEXT_MAX_LENGTH)
    reported_by = models.CharField(_("报告人"), max_length=50)
    persuaded_on_site = models.BooleanField(_("已当场劝导"), default=False)
    harms_residents = models.BooleanField(_("损害了住户利益"), default=False)
    harms_office_finances = models.BooleanField(_("造成管理处经济损失"), default=False)
    harms_public_safety = models.BooleanField(_("威胁小区公共安全"), default=False)
    severity = models.CharField(_("性质"), max_length=10, choices=Severity.choices)
    arrears_amount = models.DecimalField(
        _("欠费金额(元)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    handler = user_fk(_("指定处理人"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    registered_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    registered_by = user_fk(_("登记人"))
    committee_support_at = models.DateTimeField(_("业主委员会支持时间"), null=True, blank=True)
    committee_support_note = models.CharField(_("业主委员会意见"), max_length=500, blank=True)
    followup_due = models.BooleanField(_("待事后缓和关系"), default=False)
    outcome = models.CharField(_("处理结果"), max_length=20, choices=Outcome.choices, blank=True)
    closing_note = models.TextField(_("结案说明"), max_length=TEXT_MAX_LENGTH, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    closed_by = user_fk(_("结案人"))
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("住户违章事件")
        verbose_name_plural = _("住户违章事件记录表")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["office", "occurred_at"], name="violation_register"),
            models.Index(fields=["office", "status"], name="violation_open"),
        ]
        permissions = [
            ("close_violationcase", _("违章结案")),
            ("record_committee_support", _("记录业主委员会支持")),
            ("manage_notice_templates", _("编辑违章通知书模板")),
            ("manage_covenant_clauses", _("登记业主公约条款")),
            ("send_violation_charges", _("月底违章费用报财务")),
            ("view_violation_statistics", _("查看违章统计")),
        ]

    def __str__(self):
        return f"{self.number} {self.get_sub_kind_display()}"

    @property
    def number(self) -> str:
        return f"WZ{timezone.localtime(self.occurred_at):%Y%m%d}-{self.pk:05d}"

    @property
    def is_open(self) -> bool:
        return self.status == Status.OPEN


class CasePhoto(AppendOnlyModel):
    """Evidence photo (or scan), stored under MEDIA_ROOT, served only through a scoped view."""

    case = models.ForeignKey(
        ViolationCase, verbose_name=_("违章事件"), on_delete=models.PROTECT, related_name="photos"
    )
    file = models.FileField(_("文件"), max_length=300)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=50)
    size = models.PositiveIntegerField(_("大小(字节)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = user_fk(_("上传人"))
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("违章照片")
        verbose_name_plural = _("违章照片")
        ordering = ["uploaded_at", "id"]


class CoordinationSlip(models.Model):
    """协调单, logged in the 协调单登记表 (000 篇4 §4.4.2(a)); numbered per office and year."""

    office = office_fk("coordination_slips")
    case = models.OneToOneField(
        ViolationCase,
        verbose_name=_("违章事件"),
        on_delete=models.PROTECT,
        related_name="coordination_slip",
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    sequence = models.PositiveIntegerField(_("序号"))
    addressed_to = models.CharField(_("协调部门/对象"), max_length=100)
    content = models.TextField(_("协调事项"), max_length=TEXT_MAX_LENGTH)
    issued_at = models.DateTimeField(_("发出时间"), default=timezone.now)
    issued_by = user_fk(_("发出人"))

    class Meta:
        verbose_name = _("协调单")
        verbose_name_plural = _("协调单登记表")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "year", "sequence"], name="coordination_slip_number"
            )
        ]

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        return f"XT{self.year}-{self.sequence:04d}"


class ChargeBatch(models.Model):
    """A month's charges sent to finance for deduction (000 篇8 §4.5.8): the original goes to
    finance, the centre keeps this copy of the list as sent."""

    office = office_fk("violation_charge_batches")
    month = models.DateField(_("月份"), help_text=_("该月1日"))
    sent_at = models.DateTimeField(_("报送时间"), default=timezone.now)
    sent_by = user_fk(_("报送人"))
    total = models.DecimalField(_("合计(元)"), max_digits=12, decimal_places=2)
    copy = models.FileField(_("留存副本"), max_length=300)

    class Meta:
        verbose_name = _("违章费用报财务")
        verbose_name_plural = _("违章费用报财务")
        ordering = ["-month", "-id"]

    def __str__(self):
        return f"{self.office} {self.month:%Y-%m}"


class CaseMeasure(models.Model):
    """One step on the ladder: what was decided, by whom, when, why, and its outcome. A step
    other than persuasion exists only once an authorised role signed it (000 篇8 §4.5.8)."""

    case = models.ForeignKey(
        ViolationCase, verbose_name=_("违章事件"), on_delete=models.PROTECT, related_name="measures"
    )
    kind = models.CharField(_("措施"), max_length=30, choices=Measure.choices)
    decided_at = models.DateTimeField(_("决定时间"))
    decided_by = user_fk(_("决定/签署人"))
    decided_as = models.CharField(_("签署岗位"), max_length=40, blank=True)
    reason = models.TextField(_("理由"), max_length=TEXT_MAX_LENGTH)
    outcome = models.TextField(_("结果"), max_length=TEXT_MAX_LENGTH, blank=True)
    deadline = models.DateField(_("整改期限"), null=True, blank=True)
    amount = models.DecimalField(
        _("金额(元)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    utility = models.CharField(_("停水/停电"), max_length=20, choices=Utility.choices, blank=True)
    notice = models.ForeignKey(
        "ViolationNotice",
        verbose_name=_("通知书"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    restored_at = models.DateTimeField(_("恢复供应时间"), null=True, blank=True)
    restored_by = user_fk(_("恢复人"))
    charge_batch = models.ForeignKey(
        ChargeBatch,
        verbose_name=_("报财务批次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="measures",
    )
    policy_number = models.PositiveIntegerField(_("依据策略版本"), default=0)

    class Meta:
        verbose_name = _("处理措施")
        verbose_name_plural = _("处理措施")
        ordering = ["decided_at", "id"]
        constraints = [
            # At most one utility cut in force per case.
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(kind="utility_cut", restored_at__isnull=True),
                name="one_utility_cut_in_force",
            )
        ]

    def __str__(self):
        return str(self.get_kind_display())

    @property
    def cut_in_force(self) -> bool:
        return self.kind == Measure.UTILITY_CUT and self.restored_at is None


class NoticeTemplate(models.Model):
    """The wording of a printed notice an office can edit; placeholders such as {房号} are
    filled in when the notice is issued (violations.notices.PLACEHOLDERS)."""

    office = office_fk("violation_notice_templates")
    kind = models.CharField(_("通知书"), max_length=30, choices=NoticeKind.choices)
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("正文"), max_length=5000)
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)
    updated_by = user_fk(_("修改人"))

    class Meta:
        verbose_name = _("通知书模板")
        verbose_name_plural = _("通知书模板")
        constraints = [
            models.UniqueConstraint(fields=["office", "kind"], name="notice_template_unique")
        ]

    def __str__(self):
        return self.title


class ViolationNotice(models.Model):
    """A notice issued to the household (整改通知书, 停水停电通知书, 催缴函) with the text as
    issued; its delivery and, for a cut, the visit before it are recorded on it."""

    case = models.ForeignKey(
        ViolationCase, verbose_name=_("违章事件"), on_delete=models.PROTECT, related_name="notices"
    )
    kind = models.CharField(_("通知书"), max_length=30, choices=NoticeKind.choices)
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("正文"))
    effective_on = models.DateTimeField(_("期限/停水停电时间"), null=True, blank=True)
    utility = models.CharField(_("停水/停电"), max_length=20, choices=Utility.choices, blank=True)
    issued_at = models.DateTimeField(_("发出时间"))
    issued_by = user_fk(_("签发人"))
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    delivered_to = models.CharField(_("签收人"), max_length=50, blank=True)
    visited_at = models.DateTimeField(_("登门告知时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("违章通知书")
        verbose_name_plural = _("违章通知书")
        ordering = ["issued_at", "id"]

    def __str__(self):
        return self.title

    @property
    def number(self) -> str:
        return f"TZ{timezone.localtime(self.issued_at):%Y%m%d}-{self.pk:05d}"


class NoticePrint(AppendOnlyModel):
    """Each print of a notice (HTML or PDF), by whom and when."""

    notice = models.ForeignKey(
        ViolationNotice, verbose_name=_("通知书"), on_delete=models.PROTECT, related_name="prints"
    )
    printed_at = models.DateTimeField(_("打印时间"), default=timezone.now)
    printed_by = user_fk(_("打印人"))
    format = models.CharField(_("格式"), max_length=10)

    class Meta:
        verbose_name = _("通知书打印记录")
        verbose_name_plural = _("通知书打印记录")
        ordering = ["printed_at", "id"]

    def __str__(self):
        return f"{self.notice_id} {self.printed_at:%Y-%m-%d %H:%M}"


class CaseEvent(AppendOnlyModel):
    """The case's timeline and audit trail: who did what, when (never rewritten)."""

    case = models.ForeignKey(
        ViolationCase, verbose_name=_("违章事件"), on_delete=models.PROTECT, related_name="events"
    )
    type = models.CharField(_("事件"), max_length=40, choices=EventType.choices)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = user_fk(_("操作人"))
    note = models.TextField(_("记录"), blank=True)
    data = models.JSONField(_("内容"), default=dict, blank=True)

    class Meta:
        verbose_name = _("违章处理记录")
        verbose_name_plural = _("违章处理记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="violation_timeline")]

    def __str__(self):
        return str(self.get_type_display())
