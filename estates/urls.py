from django.urls import path

from estates import master_views, views

app_name = "estates"
urlpatterns = [
    path("", views.household_list, name="household_list"),
    path("<int:pk>/", views.household_detail, name="household_detail"),
    path("<int:pk>/move-in/", views.move_in_create, name="move_in_create"),
    path("<int:pk>/residents/new/", views.resident_create, name="resident_create"),
    path("residents/<int:pk>/move-out/", views.resident_move_out, name="resident_move_out"),
    path("estates/", views.estate_list, name="estate_list"),
    path("estates/new/", master_views.estate_create, name="estate_create"),
    path("estates/<int:pk>/", views.estate_detail, name="estate_detail"),
    path("estates/<int:pk>/buildings/new/", master_views.building_create, name="building_create"),
    path("buildings/<int:pk>/units/new/", master_views.unit_create, name="unit_create"),
    path("import/", views.import_upload, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
]
