from rest_framework.routers import SimpleRouter

from organization.api import views

# SimpleRouter: the API root view (/api/v1/) comes from the estates router.
router = SimpleRouter(trailing_slash=True)
router.register("offices", views.OfficeViewSet, basename="office")
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("staff", views.StaffViewSet, basename="staff")
router.register("roles", views.RoleViewSet, basename="role")
urlpatterns = router.urls
