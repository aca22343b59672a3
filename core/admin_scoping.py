"""Django admin limited to the user's data scope, like the console and the API."""

from organization.scoping import scope_for


class ScopedAdminMixin:
    """`office_path` is the lookup from the model to its office id ("office_id",
    "estate__office_id", …). Foreign-key choices are limited the same way."""

    office_path: str = ""

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        scope = scope_for(request.user)
        if scope.everything or not self.office_path:
            return qs
        return qs.filter(**{f"{self.office_path}__in": scope.office_ids}).distinct()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        related_admin = self.admin_site._registry.get(db_field.related_model)
        if field is not None and isinstance(related_admin, ScopedAdminMixin):
            field.queryset = related_admin.get_queryset(request)
        return field


class AppendOnlyAdminMixin:
    """Records that are never changed or deleted (audit, move-ins)."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
