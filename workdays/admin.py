from django.contrib import admin

from workdays.models import CalendarDay, CalendarYear


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "name", "entered_by", "entered_at"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    readonly_fields = ["entered_by", "entered_at"]

    def save_model(self, request, obj, form, change):
        obj.entered_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "confirmed_by", "confirmed_at", "notes"]
    readonly_fields = ["confirmed_by", "confirmed_at"]

    def save_model(self, request, obj, form, change):
        obj.confirmed_by = request.user
        super().save_model(request, obj, form, change)
