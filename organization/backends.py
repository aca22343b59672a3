"""Permissions come from the user's SOP roles (Role.permissions), as well as Django groups."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from organization.choices import RoleCode


class RolePermissionBackend(ModelBackend):
    def _get_group_permissions(self, user_obj):
        from_groups = super()._get_group_permissions(user_obj)
        from_staff_roles = Permission.objects.filter(estatedesk_roles__staff__user=user_obj)
        from_resident_role = Permission.objects.filter(
            estatedesk_roles__code=RoleCode.RESIDENT,
            estatedesk_roles__code__in=_resident_role_codes(user_obj),
        )
        return (from_groups | from_staff_roles | from_resident_role).distinct()


def _resident_role_codes(user_obj) -> list[str]:
    from estates.models import Resident

    active = Resident.objects.filter(user=user_obj, moved_out_on__isnull=True).exists()
    return [RoleCode.RESIDENT] if active else []
