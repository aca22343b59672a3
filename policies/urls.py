from django.urls import path

from policies import views

app_name = "policies"
urlpatterns = [
    path("", views.policy_detail, name="policy_detail"),
    path("edit/", views.policy_edit, name="policy_edit"),
]
