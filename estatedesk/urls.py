from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

admin.site.site_header = "EstateDesk 物业客服台 · 管理后台"
admin.site.site_title = "EstateDesk"
admin.site.index_title = "基础资料"

urlpatterns = [
    # The busiest routes first: Django tries the patterns in order (issue #3).
    path("api/v1/", include("estatedesk.api_urls")),
    path("requests/reports/", include("service_requests.report_urls")),
    path("requests/", include("service_requests.urls")),
    path("", include("core.urls")),
    path("households/", include("estates.urls")),
    path("organization/", include("organization.urls")),
    path("policy/", include("policies.urls")),
    path("reception/", include("reception.urls")),
    path("duty/", include("duty.urls")),
    path("complaints/", include("complaints.urls")),
    path("violations/", include("violations.urls")),
    path("notifications/", include("notifications.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

handler404 = "core.views.not_found"
handler403 = "core.views.forbidden"
