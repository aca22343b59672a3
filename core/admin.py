from django.contrib import admin

from core.admin_scoping import AppendOnlyAdminMixin, ScopedAdminMixin
from core.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(AppendOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    office_path = "office_id"
    list_display = ["at", "type", "actor", "office", "object_type", "object_id"]
    list_filter = ["type", "office"]
    search_fields = ["object_id", "actor__username"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False
