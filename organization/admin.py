from django.contrib import admin

from core.admin_scoping import ScopedAdminMixin
from organization.models import Company, Department, ManagementOffice, Role, Staff


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "phone"]
    search_fields = ["name"]


@admin.register(ManagementOffice)
class ManagementOfficeAdmin(ScopedAdminMixin, admin.ModelAdmin):
    office_path = "pk"
    list_display = ["name", "code", "company", "phone"]
    search_fields = ["name", "code"]


@admin.register(Department)
class DepartmentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    office_path = "office_id"
    list_display = ["name", "kind", "office", "phone", "is_active"]
    list_filter = ["kind", "is_active", "office"]
    search_fields = ["name"]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "scope", "description", "sop_reference"]
    readonly_fields = ["code"]
    filter_horizontal = ["permissions"]

    def has_add_permission(self, request):
        return False  # roles are the SOP's; created by migration

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Staff)
class StaffAdmin(ScopedAdminMixin, admin.ModelAdmin):
    office_path = "offices"
    list_display = ["name", "employee_no", "department", "phone", "reachable_after_hours"]
    list_filter = ["roles", "department", "reachable_after_hours"]
    search_fields = ["name", "employee_no", "phone", "user__username"]
    filter_horizontal = ["offices", "roles"]
    autocomplete_fields = ["user"]
