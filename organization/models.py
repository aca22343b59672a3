"""Company, management offices, departments, roles and staff (SOP.md §1)."""

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.validators import validate_phone
from organization.choices import (
    EXTERNAL_DEPARTMENT_KINDS,
    DepartmentKind,
    RoleCode,
    RoleScope,
)


class Company(models.Model):
    name = models.CharField(_("公司名称"), max_length=100, unique=True)
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True, validators=[validate_phone])
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("物业公司")
        verbose_name_plural = _("物业公司")
        ordering = ["name"]

    def __str__(self):
        return self.short_name or self.name


class ManagementOffice(models.Model):
    """管理处: one per project (项目); the unit of data scoping for office staff."""

    company = models.ForeignKey(
        Company, verbose_name=_("物业公司"), on_delete=models.PROTECT, related_name="offices"
    )
    name = models.CharField(_("管理处名称"), max_length=100)
    code = models.SlugField(_("编码"), max_length=30, unique=True)
    phone = models.CharField(_("客服电话"), max_length=30, blank=True, validators=[validate_phone])
    address = models.CharField(_("地址"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("管理处")
        verbose_name_plural = _("管理处")
        ordering = ["company", "name"]
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="office_unique_name")
        ]

    def __str__(self):
        return self.name


class Department(models.Model):
    """A dispatch target: an office's own department or an outside party (120, 110 …).

    `office` is empty for a company-wide department or outside party shared by all offices.
    """

    company = models.ForeignKey(
        Company, verbose_name=_("物业公司"), on_delete=models.PROTECT, related_name="departments"
    )
    office = models.ForeignKey(
        ManagementOffice,
        verbose_name=_("管理处"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="departments",
        help_text=_("留空表示全公司共用(如120、110等外部单位)"),
    )
    name = models.CharField(_("部门名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=32, choices=DepartmentKind.choices)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("部门/外部单位")
        verbose_name_plural = _("部门/外部单位")
        ordering = ["office", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "office", "name"], name="department_unique_name"
            )
        ]

    def __str__(self):
        return self.name

    @property
    def is_external(self) -> bool:
        return self.kind in EXTERNAL_DEPARTMENT_KINDS


class Role(models.Model):
    """An SOP role (SOP.md §1 table). Created by a migration; permissions editable in admin."""

    code = models.CharField(_("代码"), max_length=40, choices=RoleCode.choices, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    scope = models.CharField(_("数据范围"), max_length=16, choices=RoleScope.choices)
    description = models.CharField(_("职责"), max_length=200, blank=True)
    sop_reference = models.CharField(_("规程出处"), max_length=100, blank=True)
    permissions = models.ManyToManyField(
        Permission, verbose_name=_("权限"), blank=True, related_name="estatedesk_roles"
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("岗位角色")
        verbose_name_plural = _("岗位角色")
        ordering = ["sort_order"]

    def __str__(self):
        return self.name


class Staff(models.Model):
    """A staff member's working identity: where they work, their department and SOP roles."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        on_delete=models.PROTECT,
        related_name="staff",
    )
    company = models.ForeignKey(
        Company, verbose_name=_("物业公司"), on_delete=models.PROTECT, related_name="staff"
    )
    offices = models.ManyToManyField(
        ManagementOffice, verbose_name=_("所属管理处"), blank=True, related_name="staff"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    roles = models.ManyToManyField(Role, verbose_name=_("岗位角色"), related_name="staff")
    name = models.CharField(_("姓名"), max_length=50)
    employee_no = models.CharField(_("工号"), max_length=30, blank=True)
    phone = models.CharField(_("手机"), max_length=30, blank=True, validators=[validate_phone])
    reachable_after_hours = models.BooleanField(
        _("下班后保持联络"),
        default=False,
        help_text=_("SOP §6:管理处经理、主管下班后须保持通讯畅通"),
    )

    class Meta:
        verbose_name = _("员工")
        verbose_name_plural = _("员工")
        ordering = ["company", "name"]
        permissions = [("manage_staff_roles", _("分配员工岗位角色"))]

    def __str__(self):
        return self.name
