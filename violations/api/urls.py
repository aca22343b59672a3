from rest_framework.routers import SimpleRouter

from violations.api import views

# SimpleRouter: the API root view (/api/v1/) comes from the estates router.
router = SimpleRouter(trailing_slash=True)
router.register("violations", views.ViolationCaseViewSet, basename="violation")
urlpatterns = router.urls
