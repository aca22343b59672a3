from rest_framework.permissions import DjangoModelPermissions


class RoleModelPermissions(DjangoModelPermissions):
    """Model permissions (granted through SOP roles), including `view` for reads.

    Object-level scoping is done by the selectors each view uses: an object outside the
    user's scope is simply not in the queryset, so it is a 404 like a missing one.
    """

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }
