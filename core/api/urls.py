from django.urls import path

from core.api import views

urlpatterns = [
    path("auth/token/", views.ObtainTokenView.as_view(), name="api-token"),
    path("auth/token/rotate/", views.RotateTokenView.as_view(), name="api-token-rotate"),
    path("me/", views.MeView.as_view(), name="api-me"),
]
