from rest_framework.routers import SimpleRouter

from service_requests.api import views

# SimpleRouter: the API root view (/api/v1/) comes from the estates router.
router = SimpleRouter(trailing_slash=True)
router.register("requests", views.ServiceRequestViewSet, basename="service-request")
urlpatterns = router.urls
