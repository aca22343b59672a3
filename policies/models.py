"""Each office's policy document, versioned: a save makes a new version; records keep the version
they were opened under."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyVersion(models.Model):
    office = models.ForeignKey(
        "organization.ManagementOffice",
        verbose_name=_("管理处"),
        on_delete=models.PROTECT,
        related_name="policy_versions",
    )
    number = models.PositiveIntegerField(_("版本号"))
    rules = models.JSONField(_("规则"), default=dict, help_text=_("未列出的规则取规程默认值"))
    note = models.CharField(_("修改说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("生效时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("策略版本")
        verbose_name_plural = _("策略版本")
        ordering = ["office", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["office", "number"], name="policy_version_unique")
        ]
        permissions = [("edit_office_policy", _("修改管理处作业规程策略"))]

    def __str__(self):
        return f"{self.office} v{self.number}"
