from rest_framework.routers import DefaultRouter

from estates.api import views

router = DefaultRouter(trailing_slash=True)
router.register("estates", views.EstateViewSet, basename="estate")
router.register("buildings", views.BuildingViewSet, basename="building")
router.register("units", views.UnitViewSet, basename="unit")
router.register("households", views.HouseholdViewSet, basename="household")
router.register("residents", views.ResidentViewSet, basename="resident")
router.register("imports/households", views.HouseholdImportViewSet, basename="household-import")
urlpatterns = router.urls
