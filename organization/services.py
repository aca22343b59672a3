"""Writes of staff and departments (SOP.md §1). Authority: only roles holding the permission,
and nobody grants a role wider than their own scope or an office outside it."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.authz import require_office_in_scope, require_perm
from core.choices import AuditEventType
from core.exceptions import ApplicationError, PermissionDeniedError
from core.validators import normalize_phone
from organization.choices import DepartmentKind, RoleScope
from organization.models import Department, ManagementOffice, Role, Staff
from organization.roles import ADMIN_ROLES
from organization.scoping import forget_scope, scope_for


@dataclass(frozen=True)
class StaffData:
    name: str
    phone: str = ""
    employee_no: str = ""
    department: Department | None = None
    roles: tuple[Role, ...] = ()
    offices: tuple[ManagementOffice, ...] = ()
    reachable_after_hours: bool = False


def _check_staff_data(*, actor, data: StaffData) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not data.name.strip():
        errors["name"] = [_("请填写姓名")]
    if data.phone.strip():
        try:
            normalize_phone(data.phone)
        except ValidationError as exc:
            errors["phone"] = list(exc.messages)
    if not data.roles:
        errors["roles"] = [_("请至少选择一个岗位角色")]
    scopes = {role.scope for role in data.roles}
    if RoleScope.HOUSEHOLD in scopes:
        errors["roles"] = [_("“住户”角色不能分配给员工")]
    if RoleScope.OFFICE in scopes and not data.offices:
        errors["offices"] = [_("管理处岗位须选择所属管理处")]
    if data.reachable_after_hours and not data.phone.strip():
        errors["phone"] = [_("下班后保持联络的人员须登记手机号码")]
    return errors


def _check_authority(*, actor, data: StaffData) -> None:
    require_perm(actor, "organization.add_staff", action=_("管理员工"))
    require_perm(actor, "organization.manage_staff_roles", action=_("分配岗位角色"))
    scope = scope_for(actor)
    for office in data.offices:
        require_office_in_scope(actor, office.pk)
    if not scope.everything and any(r.scope == RoleScope.COMPANY for r in data.roles):
        actor_staff = getattr(actor, "staff", None)
        if actor_staff is None or not actor_staff.roles.filter(scope=RoleScope.COMPANY).exists():
            raise PermissionDeniedError(_("公司级岗位(总经理、分管副总、品质部)只能由公司领导分配"))
    if data.department is not None and data.department.office_id is not None:
        require_office_in_scope(actor, data.department.office_id)


def _actor_company(actor, data: StaffData):
    if data.offices:
        return data.offices[0].company
    actor_staff = getattr(actor, "staff", None)
    if actor_staff is not None:
        return actor_staff.company
    raise ApplicationError(_("请选择所属管理处"), field_errors={"offices": [_("请选择所属管理处")]})


@transaction.atomic
def staff_create(*, actor, username: str, password: str, data: StaffData) -> Staff:
    """Open an account for a staff member with their SOP roles."""
    _check_authority(actor=actor, data=data)
    errors = _check_staff_data(actor=actor, data=data)
    User = get_user_model()
    username = username.strip()
    if not username:
        errors["username"] = [_("请填写登录用户名")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("登录用户名“%(name)s”已被使用") % {"name": username}]
    try:
        validate_password(password, User(username=username))
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], field_errors=errors)
    user = User.objects.create_user(
        username,
        password=password,
        is_staff=any(role.code in ADMIN_ROLES for role in data.roles),
    )
    staff = Staff.objects.create(
        user=user,
        company=_actor_company(actor, data),
        name=data.name.strip(),
        phone=normalize_phone(data.phone) if data.phone.strip() else "",
        employee_no=data.employee_no.strip(),
        department=data.department,
        reachable_after_hours=data.reachable_after_hours,
    )
    staff.roles.set(data.roles)
    staff.offices.set(data.offices)
    audit_record(
        type=AuditEventType.MASTER_DATA_CHANGED,
        actor=actor,
        obj=staff,
        office=data.offices[0] if data.offices else None,
        data={"created": "staff", "roles": [r.code for r in data.roles]},
    )
    return staff


@transaction.atomic
def staff_update(*, actor, staff: Staff, data: StaffData, is_active: bool = True) -> Staff:
    """Change a staff member's roles, offices and contact details; deactivate on leaving."""
    _check_authority(actor=actor, data=data)
    for office in staff.offices.all():
        require_office_in_scope(actor, office.pk)
    errors = _check_staff_data(actor=actor, data=data)
    if staff.user_id == actor.pk and not is_active:
        errors["is_active"] = [_("不能停用自己的账号")]
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], field_errors=errors)
    before = {
        "roles": sorted(staff.roles.values_list("code", flat=True)),
        "offices": sorted(staff.offices.values_list("pk", flat=True)),
        "active": staff.user.is_active,
    }
    staff.name = data.name.strip()
    staff.phone = normalize_phone(data.phone) if data.phone.strip() else ""
    staff.employee_no = data.employee_no.strip()
    staff.department = data.department
    staff.reachable_after_hours = data.reachable_after_hours
    staff.save()
    staff.roles.set(data.roles)
    staff.offices.set(data.offices)
    user = staff.user
    user.is_active = is_active
    user.is_staff = any(role.code in ADMIN_ROLES for role in data.roles) or user.is_superuser
    user.save(update_fields=["is_active", "is_staff"])
    forget_scope(user)
    audit_record(
        type=AuditEventType.MASTER_DATA_CHANGED,
        actor=actor,
        obj=staff,
        office=data.offices[0] if data.offices else None,
        data={
            "before": before,
            "after": {
                "roles": sorted(r.code for r in data.roles),
                "offices": sorted(o.pk for o in data.offices),
                "active": is_active,
            },
        },
    )
    return staff


@transaction.atomic
def department_create(
    *, actor, office: ManagementOffice | None, name: str, kind: str, phone: str = ""
) -> Department:
    """A department of an office, or (office=None, company leadership only) an outside party."""
    require_perm(actor, "organization.add_department", action=_("新建部门"))
    if office is not None:
        require_office_in_scope(actor, office.pk)
        company = office.company
    else:
        actor_staff = getattr(actor, "staff", None)
        if not actor.is_superuser and (
            actor_staff is None or not actor_staff.roles.filter(scope=RoleScope.COMPANY).exists()
        ):
            raise PermissionDeniedError(_("全公司共用的部门或外部单位只能由公司领导新建"))
        company = actor_staff.company if actor_staff else None
        if company is None:
            raise ApplicationError(_("请选择管理处"))
    if kind not in DepartmentKind.values:
        raise ApplicationError(_("部门类别无效"), field_errors={"kind": [_("部门类别无效")]})
    department = Department(
        company=company, office=office, name=name.strip(), kind=kind, phone=phone.strip()
    )
    try:
        department.full_clean()
    except ValidationError as exc:
        from core.exceptions import validation_error_to_application_error

        raise validation_error_to_application_error(exc) from None
    department.save()
    audit_record(
        type=AuditEventType.MASTER_DATA_CHANGED,
        actor=actor,
        obj=department,
        office=office,
        data={"created": "department", "name": department.name, "kind": kind},
    )
    return department
