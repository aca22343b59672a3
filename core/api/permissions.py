from rest_framework.permissions import DjangoModelPermissions


class RoleModelPermissions(DjangoModelPermissions):
    """Model permissions (granted through SOP roles), including `view` for reads.

    A view may name the permissions of an action whose model permission would be wrong
    (`POST households/{id}/move-ins/` needs `add_movein`, not `add_household`):
    `action_perms = {"register_move_in": ["estates.add_movein"]}`.

    Object-level scoping is done by the selectors each view uses: an object outside the
    user's scope is simply not in the queryset, so it is a 404 like a missing one.
    """

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        declared = getattr(view, "action_perms", {})
        action = getattr(view, "action", None)
        if action in declared:
            return request.user.has_perms(declared[action])
        if request.method == "OPTIONS":  # metadata only; no records are read
            return True
        return super().has_permission(request, view)
