from dataclasses import dataclass

from django.utils.translation import gettext as _

from estates.selectors import household_queryset, resident_queryset
from organization.choices import RoleCode
from organization.models import ManagementOffice
from organization.scoping import scope_for


@dataclass
class UserProfile:
    name: str
    roles: list[str]
    offices: list[str]


def user_profile(*, user) -> UserProfile:
    staff = getattr(user, "staff", None)
    scope = scope_for(user)
    offices = ManagementOffice.objects.order_by("name")
    if not scope.everything:
        offices = offices.filter(pk__in=scope.office_ids)
    if staff is not None:
        # The SOP label in the user's language (Role.name is the office's stored Chinese name).
        roles = [str(RoleCode(role.code).label) for role in staff.roles.all()]
        name = staff.name
    elif scope.is_resident:
        roles, name = [_("住户")], user.resident_profile.name
    else:
        roles = [_("系统管理员")] if user.is_superuser else []
        name = user.get_full_name() or user.username
    return UserProfile(name=name, roles=roles, offices=[o.name for o in offices])


def home_cards(*, user) -> list[dict]:
    if not user.has_perm("estates.view_household"):
        return []
    households = household_queryset(user=user)
    residents = resident_queryset(user=user).filter(moved_out_on__isnull=True)
    return [
        {"label": _("住户(户)"), "value": households.count()},
        {"label": _("出租户"), "value": households.filter(occupancy="let").count()},
        {"label": _("空置户"), "value": households.filter(occupancy="vacant").count()},
        {"label": _("在住人员"), "value": residents.count()},
    ]


def calendar_warning(*, user) -> str | None:
    """Tell whoever keeps the calendar that it is about to run out (policy
    calendar.warn_before_days, SOP.md §6)."""
    if not user.has_perm("workdays.add_calendarday"):
        return None
    from django.utils import timezone

    from policies.rules import RULES
    from policies.selectors import policy_for_office
    from workdays.calendar import coverage_warning

    scope = scope_for(user)
    office = (
        ManagementOffice.objects.filter(pk__in=scope.office_ids).first()
        if not scope.everything
        else None
    )
    warn_days = (
        policy_for_office(office).integer("calendar.warn_before_days")
        if office
        else RULES["calendar.warn_before_days"].default
    )
    return coverage_warning(timezone.localdate(), warn_days=warn_days)
