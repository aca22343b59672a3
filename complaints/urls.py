from django.urls import path

from complaints import report_views, views

app_name = "complaints"
urlpatterns = [
    path("", views.complaint_list_view, name="list"),
    path("visits/", views.follow_up_list_view, name="visits"),
    path("request/<int:request_pk>/", views.complaint_for_request_view, name="for_request"),
    path("<int:pk>/", views.complaint_detail_view, name="detail"),
    path("<int:pk>/act/<slug:name>/", views.complaint_action_view, name="action"),
    path("reports/", report_views.summary_view, name="summary"),
    path("reports/export/", report_views.summary_export_view, name="summary_export"),
]
