"""REST API of the organization (read-only): what the user's scope allows, via selectors."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from core.api.schema import OBJECT_ERRORS, READ_ERRORS
from organization import selectors
from organization.api import serializers as s

ORGANIZATION = ["organization"]


def _read_only_schema(serializer):
    return extend_schema_view(
        list=extend_schema(tags=ORGANIZATION, responses={200: serializer, **READ_ERRORS}),
        retrieve=extend_schema(tags=ORGANIZATION, responses={200: serializer, **OBJECT_ERRORS}),
    )


@_read_only_schema(s.OfficeSerializer)
class OfficeViewSet(viewsets.ReadOnlyModelViewSet):
    """管理处 the user may see (their own, or every office of the company for company roles)."""

    serializer_class = s.OfficeSerializer

    def get_queryset(self):
        return selectors.office_list(user=self.request.user)


@_read_only_schema(s.DepartmentSerializer)
class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Dispatch targets: the user's offices' departments and the company-wide outside parties."""

    serializer_class = s.DepartmentSerializer

    def get_queryset(self):
        return selectors.department_list(user=self.request.user)


@_read_only_schema(s.StaffSerializer)
class StaffViewSet(viewsets.ReadOnlyModelViewSet):
    """Staff of the user's offices, with their SOP roles."""

    serializer_class = s.StaffSerializer

    def get_queryset(self):
        return selectors.staff_list(user=self.request.user)


@_read_only_schema(s.RoleSerializer)
class RoleViewSet(viewsets.ReadOnlyModelViewSet):
    """The SOP roles (SOP.md §1) and the permissions each grants; looked up by `code`."""

    serializer_class = s.RoleSerializer
    lookup_field = "code"
    lookup_value_regex = "[a-z_]+"

    def get_queryset(self):
        return selectors.role_list()
