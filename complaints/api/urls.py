from rest_framework.routers import SimpleRouter

from complaints.api import views

# SimpleRouter: the API root view (/api/v1/) comes from the estates router.
router = SimpleRouter(trailing_slash=True)
router.register("complaints", views.ComplaintViewSet, basename="complaint")
urlpatterns = router.urls
