from django.urls import path

from service_requests import views

app_name = "service_requests"
urlpatterns = [
    path("", views.request_queue, name="request_list"),
    path("new/", views.request_new, name="request_new"),
    path("new/households/", views.household_pick, name="household_pick"),
    path("<int:pk>/", views.request_detail, name="request_detail"),
    path("<int:pk>/act/<slug:name>/", views.request_action, name="request_action"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path("<int:pk>/steps/<int:step_pk>/", views.emergency_step, name="emergency_step"),
    path(
        "<int:pk>/steps/<int:step_pk>/skip/",
        views.emergency_step_not_needed,
        name="emergency_step_skip",
    ),
]
