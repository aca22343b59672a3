"""Permissions come from the user's SOP roles (Role.permissions), as well as Django groups."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db.models import Exists, Q

from core import caching
from core.compiled import compiled_list
from organization.choices import RoleCode
from organization.scoping import AUTHZ, authz_key


class RolePermissionBackend(ModelBackend):
    """A staff member holds the permissions of their roles; a resident account (a current
    resident linked to the user) holds those of the `resident` role. One query, and none for
    settings.AUTHZ_CACHE_SECONDS after that: the set is cached across requests (a role change
    takes effect within that time; at once in the process that made it, organization.scoping)."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = caching.cached_value(
                AUTHZ,
                authz_key(user_obj, "perms"),
                "AUTHZ_CACHE_SECONDS",
                lambda: frozenset(super(RolePermissionBackend, self).get_all_permissions(user_obj)),
            )
        return user_obj._perm_cache

    def get_user(self, user_id):
        """ModelBackend.get_user, read on every request (is_active and a password change act
        at once), with its SQL built once per process (core.compiled)."""
        UserModel = get_user_model()
        try:
            pk = UserModel._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        found = compiled_list(
            "auth-user", lambda pk: UserModel._default_manager.filter(pk=pk), pk=pk
        )
        user = found[0] if found else None
        return user if user is not None and self.user_can_authenticate(user) else None

    def _get_group_permissions(self, user_obj):
        from estates.models import Resident

        from_groups = super()._get_group_permissions(user_obj)
        living_here = Resident.objects.filter(user=user_obj, moved_out_on__isnull=True)
        from_roles = Permission.objects.filter(
            Q(estatedesk_roles__staff__user=user_obj)
            | (Q(estatedesk_roles__code=RoleCode.RESIDENT) & Q(Exists(living_here)))
        )
        return (from_groups | from_roles).distinct()
