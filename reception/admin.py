from django.contrib import admin

from core.admin_scoping import ScopedAdminMixin
from reception.models import (
    DeveloperRepairSlip,
    HelpRegisterArchive,
    LostItem,
    MajorIncident,
    ReceptionNote,
    RegisterEvent,
)


class ReadOnlyRegisterAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Registers are written through reception.services (console); the admin only reads."""

    office_path = "office_id"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LostItem)
class LostItemAdmin(ReadOnlyRegisterAdmin):
    list_display = ("found_at", "description", "found_place", "storage_place", "claimed_at")
    list_filter = ("office",)
    date_hierarchy = "found_at"


@admin.register(MajorIncident)
class MajorIncidentAdmin(ReadOnlyRegisterAdmin):
    list_display = ("occurred_at", "kind", "place", "reported_by", "closed_at")
    list_filter = ("office", "kind")
    date_hierarchy = "occurred_at"


@admin.register(DeveloperRepairSlip)
class DeveloperRepairSlipAdmin(ReadOnlyRegisterAdmin):
    list_display = ("created_at", "developer", "status", "send_due_at", "sent_at", "answered_at")
    list_filter = ("office", "status")
    date_hierarchy = "created_at"


@admin.register(ReceptionNote)
class ReceptionNoteAdmin(ReadOnlyRegisterAdmin):
    list_display = ("received_at", "kind", "from_name", "closed_at")
    list_filter = ("office", "kind")


@admin.register(RegisterEvent)
class RegisterEventAdmin(ReadOnlyRegisterAdmin):
    list_display = ("at", "register", "object_id", "type", "actor")
    list_filter = ("register", "type")


@admin.register(HelpRegisterArchive)
class HelpRegisterArchiveAdmin(ReadOnlyRegisterAdmin):
    list_display = ("office", "year", "request_count", "archived_at", "archived_by", "keep_until")
    list_filter = ("office", "year")
