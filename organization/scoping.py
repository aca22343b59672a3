"""Which data a user may see (issue #2, SOP.md §1).

Staff see their own office(s); holders of a company-scope role (总经理, 分管副总, 品质部) see
every office of their company; a resident account sees only its own household; superusers see
all. Selectors apply this; anything outside the scope is "not found", never "forbidden", so a
user cannot learn that another office's record exists.
"""

from dataclasses import dataclass, field

from organization.choices import RoleScope


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    office_ids: frozenset[int] = field(default_factory=frozenset)
    household_id: int | None = None

    @property
    def is_resident(self) -> bool:
        return self.household_id is not None

    def allows_office(self, office_id: int | None) -> bool:
        return self.everything or (office_id is not None and office_id in self.office_ids)


NOTHING = Scope()
_CACHE_ATTR = "_estatedesk_scope"


def scope_for(user) -> Scope:
    """The user's scope, computed once per request (cached on the user object)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    setattr(user, _CACHE_ATTR, scope)
    return scope


def _compute_scope(user) -> Scope:
    from estates.models import Resident
    from organization.models import ManagementOffice

    if user.is_superuser:
        return Scope(everything=True)
    staff = getattr(user, "staff", None)  # cached on the user for the rest of the request
    if staff is not None:
        scopes = set(staff.roles.values_list("scope", flat=True))
        if RoleScope.COMPANY in scopes:
            ids = ManagementOffice.objects.filter(company_id=staff.company_id)
        else:
            ids = staff.offices.all()
        return Scope(office_ids=frozenset(ids.values_list("pk", flat=True)))
    resident = (
        Resident.objects.filter(user=user, moved_out_on__isnull=True)
        .select_related("household")
        .first()
    )
    if resident is not None:
        return Scope(
            office_ids=frozenset({resident.household.office_id}),
            household_id=resident.household_id,
        )
    return NOTHING


def forget_scope(user) -> None:
    """Drop the cached scope (after roles or offices change within a request)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
