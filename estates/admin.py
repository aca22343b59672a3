from django.contrib import admin

from core.admin_scoping import AppendOnlyAdminMixin, ScopedAdminMixin
from core.validators import mask_id_number
from estates.models import Building, Estate, Household, MoveIn, Resident, Unit


@admin.register(Estate)
class EstateAdmin(ScopedAdminMixin, admin.ModelAdmin):
    office_path = "office_id"
    list_display = ["name", "office", "address"]
    search_fields = ["name"]


@admin.register(Building)
class BuildingAdmin(ScopedAdminMixin, admin.ModelAdmin):
    office_path = "estate__office_id"
    list_display = ["__str__", "estate", "number", "floors"]
    list_filter = ["estate"]
    search_fields = ["number", "name"]


@admin.register(Unit)
class UnitAdmin(ScopedAdminMixin, admin.ModelAdmin):
    office_path = "building__estate__office_id"
    list_display = ["label", "building", "entrance", "floor", "room_number", "area"]
    list_filter = ["building__estate"]
    search_fields = ["room_number"]
    list_select_related = ["building"]


class ResidentInline(admin.TabularInline):
    model = Resident
    extra = 0
    fields = ["name", "relation", "phone", "id_type", "masked_id", "moved_in_on", "moved_out_on"]
    readonly_fields = fields
    can_delete = False

    @admin.display(description="证件号码")
    def masked_id(self, obj):
        return mask_id_number(obj.id_number)

    def has_add_permission(self, request, obj=None):
        return False  # residents are registered through the console (validated services)


@admin.register(Household)
class HouseholdAdmin(ScopedAdminMixin, admin.ModelAdmin):
    office_path = "office_id"
    list_display = ["__str__", "office", "occupancy"]
    list_filter = ["occupancy", "office"]
    search_fields = ["unit__room_number", "residents__name", "residents__phone"]
    list_select_related = ["unit__building", "office"]
    readonly_fields = ["unit", "office"]
    inlines = [ResidentInline]

    def has_add_permission(self, request):
        return False  # created with its unit by the console or the import


@admin.register(MoveIn)
class MoveInAdmin(AppendOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    office_path = "household__office_id"
    list_display = ["household", "resident", "moved_in_on", "handled_by", "handled_at"]
    list_select_related = ["household__unit__building", "resident", "handled_by"]

    def has_add_permission(self, request):
        return False
