"""API shapes of the organization: offices, departments (dispatch targets), staff, SOP roles."""

from rest_framework import serializers

from organization.models import Department, ManagementOffice, Role, Staff


class OfficeSerializer(serializers.ModelSerializer):
    company_name = serializers.CharField(source="company.name", read_only=True)

    class Meta:
        model = ManagementOffice
        fields = ["id", "company", "company_name", "name", "code", "phone", "address"]


class DepartmentSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    is_external = serializers.BooleanField(
        read_only=True, help_text="An outside party (120, 110, utilities, developer …)"
    )

    class Meta:
        model = Department
        fields = [
            "id",
            "company",
            "office",
            "name",
            "kind",
            "kind_display",
            "phone",
            "is_active",
            "is_external",
        ]


class StaffSerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(
        source="department.name", read_only=True, allow_null=True, default=None
    )
    roles = serializers.SerializerMethodField(help_text="SOP role codes (see /api/v1/roles/)")

    class Meta:
        model = Staff
        fields = [
            "id",
            "name",
            "employee_no",
            "phone",
            "company",
            "offices",
            "department",
            "department_name",
            "roles",
            "reachable_after_hours",
        ]

    def get_roles(self, staff) -> list[str]:
        return [role.code for role in staff.roles.all()]  # prefetched, in SOP order


class RoleSerializer(serializers.ModelSerializer):
    scope_display = serializers.CharField(source="get_scope_display", read_only=True)
    permissions = serializers.SerializerMethodField(help_text='As "app_label.codename"')

    class Meta:
        model = Role
        fields = [
            "code",
            "name",
            "scope",
            "scope_display",
            "description",
            "sop_reference",
            "permissions",
        ]

    def get_permissions(self, role) -> list[str]:
        return sorted(f"{p.content_type.app_label}.{p.codename}" for p in role.permissions.all())
