from django.contrib.auth.models import Permission
from django.db.models import Prefetch, Q, QuerySet

from organization.choices import RoleScope
from organization.models import Department, ManagementOffice, Role, Staff
from organization.scoping import scope_for


def office_list(*, user) -> QuerySet[ManagementOffice]:
    scope = scope_for(user)
    qs = ManagementOffice.objects.select_related("company")
    return qs if scope.everything else qs.filter(pk__in=scope.office_ids)


def department_list(*, user) -> QuerySet[Department]:
    """The user's offices' departments and the company-wide outside parties."""
    scope = scope_for(user)
    qs = Department.objects.select_related("office", "company")
    if scope.everything:
        return qs
    companies = ManagementOffice.objects.filter(pk__in=scope.office_ids).values("company_id")
    return qs.filter(
        Q(office_id__in=scope.office_ids) | Q(office__isnull=True, company_id__in=companies)
    )


def staff_list(*, user) -> QuerySet[Staff]:
    scope = scope_for(user)
    qs = Staff.objects.select_related("department", "user", "company").prefetch_related(
        Prefetch("roles", queryset=Role.objects.order_by("sort_order")), "offices"
    )
    if not scope.everything:
        qs = qs.filter(offices__in=scope.office_ids).distinct()
    return qs.order_by("department__kind", "name")


def role_list() -> QuerySet[Role]:
    """The SOP roles with their permissions. Not scoped: every office uses the same roles."""
    return Role.objects.prefetch_related(
        Prefetch("permissions", queryset=Permission.objects.select_related("content_type"))
    )


def role_holders(*, office_id: int, role_codes) -> QuerySet[Staff]:
    """The active staff holding any of `role_codes` who answer for the office: its own staff,
    and the holders of a company-wide role (总经理, 分管副总, 品质部) of the company that runs
    it, who work for every office of it without being staff of any. One filter() call: the
    role's code and its scope are the same role row. A person holding two of the roles appears
    twice; role_holder_users lists people."""
    return Staff.objects.filter(
        Q(offices=office_id) | Q(roles__scope=RoleScope.COMPANY, company__offices=office_id),
        roles__code__in=list(role_codes),
        user__is_active=True,
    )


def role_holder_users(*, office_id: int, role_codes) -> list:
    """The users of role_holders, each once, in a stable order."""
    holders = role_holders(office_id=office_id, role_codes=role_codes)
    return [s.user for s in holders.distinct().select_related("user").order_by("pk")]
