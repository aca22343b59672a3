from django.urls import path

from reception import views

app_name = "reception"
urlpatterns = [
    path("", views.index, name="index"),
    path("help-register/", views.help_register, name="help_register"),
    path("help-register.xlsx", views.help_register_xlsx, name="help_register_xlsx"),
    path("help-register/archives/", views.archive_list, name="archive_list"),
    path(
        "help-register/archives/<int:pk>/<slug:kind>/",
        views.archive_download,
        name="archive_download",
    ),
    path("lost-items/", views.lost_item_list, name="lost_item_list"),
    path("lost-items.xlsx", views.lost_item_xlsx, name="lost_item_xlsx"),
    path("lost-items/new/", views.lost_item_create, name="lost_item_create"),
    path("lost-items/<int:pk>/", views.lost_item_detail, name="lost_item_detail"),
    path("incidents/", views.incident_list, name="incident_list"),
    path("incidents/new/", views.incident_create, name="incident_create"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident_detail"),
    path("slips/", views.slip_list, name="slip_list"),
    path("slips/new/<int:request_pk>/", views.slip_create, name="slip_create"),
    path("slips/<int:pk>/", views.slip_detail, name="slip_detail"),
    path("slips/<int:pk>/<slug:action>/", views.slip_action, name="slip_action"),
    path("notes/", views.note_list, name="note_list"),
    path("notes/new/", views.note_create, name="note_create"),
    path("notes/<int:pk>/", views.note_detail, name="note_detail"),
]
