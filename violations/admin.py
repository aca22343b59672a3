from django.contrib import admin

from core.admin_scoping import ScopedAdminMixin
from violations.models import CaseEvent, CaseMeasure, CovenantClause, ViolationCase


class ReadOnlyAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Violations are written through violations.services (console); the admin only reads."""

    office_path = "office_id"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ViolationCase)
class ViolationCaseAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "sub_kind", "household", "severity", "status", "archived_at")
    list_filter = ("office", "severity", "status", "kind")
    date_hierarchy = "occurred_at"


@admin.register(CaseMeasure)
class CaseMeasureAdmin(ReadOnlyAdmin):
    office_path = "case__office_id"
    list_display = ("decided_at", "kind", "case", "decided_by", "amount", "restored_at")
    list_filter = ("kind",)


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    office_path = "case__office_id"
    list_display = ("at", "type", "case", "actor")


@admin.register(CovenantClause)
class CovenantClauseAdmin(ReadOnlyAdmin):
    list_display = ("estate", "allows_utility_cut", "recorded_at")
