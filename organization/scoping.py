"""Which data a user may see (issue #2, SOP.md §1).

Staff see their own office(s); holders of a company-scope role (总经理, 分管副总, 品质部) see
every office of their company; a resident account sees only its own household; superusers see
all. Selectors apply this; anything outside the scope is "not found", never "forbidden", so a
user cannot learn that another office's record exists.
"""

from dataclasses import dataclass, field

from django.db.models.signals import m2m_changed, post_delete, post_save

from core import caching
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


@dataclass(frozen=True)
class StaffCard:
    """What every console page shows or asks of the signed-in staff member."""

    name: str
    department_id: int | None


NOTHING = Scope()
_CACHE_ATTR = "_estatedesk_scope"
_CARD_ATTR = "_estatedesk_staff_card"
# The kind of cache entry (core/caching.py) holding scopes, staff cards and permission sets.
AUTHZ = "authz"


def authz_key(user, what: str) -> str:
    """A user's cache key; date_joined tells apart two accounts that reuse a primary key."""
    joined = user.date_joined.timestamp() if getattr(user, "date_joined", None) else ""
    return f"{what}:{user.pk}:{joined}:{int(user.is_superuser)}"


def scope_for(user) -> Scope:
    """The user's scope: once per request (kept on the user object) and across requests for
    settings.AUTHZ_CACHE_SECONDS (a change of roles or offices shows within that time)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    scope = caching.cached_value(
        AUTHZ, authz_key(user, "scope"), "AUTHZ_CACHE_SECONDS", lambda: _compute_scope(user)
    )
    setattr(user, _CACHE_ATTR, scope)
    return scope


def staff_card(user) -> StaffCard | None:
    """The user's staff name and department (None for a resident or a bare account), cached
    like the scope so that a page does not load the Staff row to show a name."""
    if user is None or not user.is_authenticated:
        return None
    if hasattr(user, _CARD_ATTR):
        return getattr(user, _CARD_ATTR)

    def compute():
        staff = getattr(user, "staff", None)
        # False, not None, for "no staff": the cache cannot tell None from a miss.
        return StaffCard(staff.name, staff.department_id) if staff is not None else False

    card = (
        caching.cached_value(AUTHZ, authz_key(user, "card"), "AUTHZ_CACHE_SECONDS", compute) or None
    )
    setattr(user, _CARD_ATTR, card)
    return card


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
    """Drop the cached scope and permissions (after roles or offices change), on this user
    object and in this process's cache."""
    for attr in (_CACHE_ATTR, _CARD_ATTR, "_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        if hasattr(user, attr):
            delattr(user, attr)
    caching.bump(AUTHZ)


# --- Invalidation ------------------------------------------------------------------------------
# Whatever changes a scope, a staff card or a permission set draws a new stamp, so this process
# reads none of the old entries again; other processes within AUTHZ_CACHE_SECONDS.

_AUTHZ_MODELS = (
    "organization.Staff",
    "organization.Role",
    "organization.ManagementOffice",
    "estates.Resident",
    "auth.Group",
)
_AUTHZ_RELATIONS = {
    "organization.staff_roles",
    "organization.staff_offices",
    "organization.role_permissions",
    "auth.user_groups",
    "auth.user_user_permissions",
    "auth.group_permissions",
}


def _authz_changed(sender, **kwargs):
    caching.bump(AUTHZ)


def _user_saved(sender, update_fields=None, **kwargs):
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # every login saves last_login; nothing the caches hold
    caching.bump(AUTHZ)


def _relation_changed(sender, **kwargs):
    if sender._meta.label_lower in _AUTHZ_RELATIONS:
        caching.bump(AUTHZ)


for _model in _AUTHZ_MODELS:
    post_save.connect(_authz_changed, sender=_model, dispatch_uid=f"authz-save-{_model}")
    post_delete.connect(_authz_changed, sender=_model, dispatch_uid=f"authz-delete-{_model}")
post_save.connect(_user_saved, sender="auth.User", dispatch_uid="authz-save-user")
post_delete.connect(_authz_changed, sender="auth.User", dispatch_uid="authz-delete-user")
m2m_changed.connect(_relation_changed, dispatch_uid="authz-relations")
