from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin_scoping import AppendOnlyAdminMixin, ScopedAdminMixin
from service_requests.models import RequestAttachment


@admin.register(RequestAttachment)
class RequestAttachmentAdmin(AppendOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Attachments are added through service_requests.attachments and never changed or deleted;
    the admin only reads. The file opens through the console's protected view, not MEDIA_URL."""

    office_path = "request__office_id"
    list_display = ("original_name", "request", "content_type", "size", "uploaded_at")
    list_select_related = ("request",)
    date_hierarchy = "uploaded_at"
    exclude = ("file",)
    readonly_fields = ("download",)

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("文件"))
    def download(self, obj):
        url = reverse("service_requests:attachment_download", args=[obj.request_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.original_name)
