"""Permissions come from the user's SOP roles (Role.permissions), as well as Django groups."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Exists, Q

from organization.choices import RoleCode


class RolePermissionBackend(ModelBackend):
    """A staff member holds the permissions of their roles; a resident account (a current
    resident linked to the user) holds those of the `resident` role. One query."""

    def _get_group_permissions(self, user_obj):
        from estates.models import Resident

        from_groups = super()._get_group_permissions(user_obj)
        living_here = Resident.objects.filter(user=user_obj, moved_out_on__isnull=True)
        from_roles = Permission.objects.filter(
            Q(estatedesk_roles__staff__user=user_obj)
            | (Q(estatedesk_roles__code=RoleCode.RESIDENT) & Q(Exists(living_here)))
        )
        return (from_groups | from_roles).distinct()
