"""Roles and departments of SOP.md §1 ("People and places")."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoleScope(models.TextChoices):
    """What a role's holder may see: the whole company, their own office(s), or one household."""

    COMPANY = "company", _("全公司")
    OFFICE = "office", _("本管理处")
    HOUSEHOLD = "household", _("本户")


class RoleCode(models.TextChoices):
    """The SOP.md §1 roles. Values are stored and used by the API: never change them."""

    GENERAL_MANAGER = "general_manager", _("总经理")
    VICE_PRESIDENT = "vice_president", _("分管副总经理")
    QUALITY_DEPARTMENT = "quality_department", _("品质部")
    OFFICE_MANAGER = "office_manager", _("管理处经理")
    ASSISTANT_MANAGER = "assistant_manager", _("经理助理")
    CS_SUPERVISOR = "cs_supervisor", _("客服主管")
    CS_STAFF = "cs_staff", _("客服管理员")
    PUBLICITY_OFFICER = "publicity_officer", _("宣传员")
    SECURITY_SUPERVISOR = "security_supervisor", _("保安部主管")
    SECURITY_SHIFT_LEADER = "security_shift_leader", _("保安班长")
    SECURITY_GUARD = "security_guard", _("保安员")
    ENGINEERING_SUPERVISOR = "engineering_supervisor", _("工程部主管")
    TECHNICIAN = "technician", _("维修技工")
    CLEANING = "cleaning", _("保洁员")
    GARDENING = "gardening", _("绿化员")
    FINANCE = "finance", _("财务")
    OWNERS_COMMITTEE = "owners_committee", _("业主委员会委员")
    RESIDENT = "resident", _("住户")


class DepartmentKind(models.TextChoices):
    """Dispatch targets (SOP.md §1): the office's own departments and outside parties."""

    CUSTOMER_SERVICE = "customer_service", _("客服中心")
    SECURITY = "security", _("保安部")
    ENGINEERING = "engineering", _("工程部/维修部")
    CLEANING = "cleaning", _("保洁部")
    GARDENING = "gardening", _("绿化部")
    FINANCE = "finance", _("财务部")
    MANAGEMENT = "management", _("管理处领导")
    QUALITY = "quality", _("品质部")
    EMERGENCY_MEDICAL = "emergency_medical", _("急救中心(120)")
    POLICE = "police", _("公安(110)")
    FIRE = "fire", _("消防(119)")
    UTILITY = "utility", _("水电气公用事业")
    DEVELOPER_AFTER_SALES = "developer_after_sales", _("开发商售后")
    OWNERS_COMMITTEE = "owners_committee", _("业主委员会")
    OTHER_EXTERNAL = "other_external", _("其他外部单位")


EXTERNAL_DEPARTMENT_KINDS = frozenset(
    {
        DepartmentKind.EMERGENCY_MEDICAL,
        DepartmentKind.POLICE,
        DepartmentKind.FIRE,
        DepartmentKind.UTILITY,
        DepartmentKind.DEVELOPER_AFTER_SALES,
        DepartmentKind.OWNERS_COMMITTEE,
        DepartmentKind.OTHER_EXTERNAL,
    }
)


def role_names(codes) -> str:
    """The roles' names as a list in the current language ("客服主管、管理处经理"): who is told,
    who may act. An escalation ladder reads as an order instead (policies.selectors)."""
    from django.utils.translation import gettext

    return gettext("、").join(str(RoleCode(code).label) for code in codes)
