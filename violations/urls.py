from django.urls import path

from violations import views

app_name = "violations"
urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
]
