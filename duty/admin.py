"""Duty in the Django admin: posts and their items are configured here; the log, rosters and
handovers are read-only (they change only through duty.services, the log never)."""

from django.contrib import admin

from core.admin_scoping import ScopedAdminMixin
from duty.models import Handover, LogEntry, Post, PostItem, Roster, RosterChange


class ReadOnlyAdmin(ScopedAdminMixin, admin.ModelAdmin):
    office_path = "office_id"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LogEntry)
class LogEntryAdmin(ReadOnlyAdmin):
    list_display = ("seq", "office", "kind", "at", "author", "text")
    list_filter = ("kind",)
    search_fields = ("text",)


@admin.register(Roster)
class RosterAdmin(ReadOnlyAdmin):
    list_display = ("office", "month", "published_at")


@admin.register(RosterChange)
class RosterChangeAdmin(ReadOnlyAdmin):
    list_display = ("office", "kind", "shift", "status", "requested_at")


@admin.register(Handover)
class HandoverAdmin(ReadOnlyAdmin):
    list_display = ("office", "incoming_shift", "status", "arrived_at", "arrived_late")


class PostItemInline(admin.TabularInline):
    model = PostItem
    extra = 3


@admin.register(Post)
class PostAdmin(ScopedAdminMixin, admin.ModelAdmin):
    office_path = "office_id"
    list_display = ("name", "office")
    inlines = [PostItemInline]
