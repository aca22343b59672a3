from django.contrib.auth.models import Permission
from django.db.models import Prefetch, Q, QuerySet

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
