"""All /api/v1/ routes; each app contributes its own router (app/api/urls.py)."""

from django.urls import include, path

urlpatterns = [
    path("", include("service_requests.api.urls")),  # the busiest first (intake, queue)
    path("", include("core.api.urls")),
    path("", include("complaints.api.urls")),
    path("", include("estates.api.urls")),
    path("", include("organization.api.urls")),
    path("", include("violations.api.urls")),
]
