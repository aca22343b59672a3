from django.urls import path

from service_requests import report_views

app_name = "service_requests_reports"
urlpatterns = [
    path("on-time/", report_views.on_time, name="on_time"),
]
