from django.urls import path

from organization import views

app_name = "organization"
urlpatterns = [
    path("departments/", views.department_list, name="department_list"),
    path("staff/", views.staff_list, name="staff_list"),
]
