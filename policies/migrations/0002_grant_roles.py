"""Give the SOP roles the policy permissions (organization/roles.py holds the same defaults)."""

from django.db import migrations


def grant(apps, schema_editor):
    from organization.roles import grant_role_permissions

    view = ["policies.view_policyversion"]
    grant_role_permissions(
        apps,
        {
            "general_manager": view,
            "vice_president": view,
            "quality_department": view,
            "office_manager": [*view, "policies.edit_office_policy"],
            "assistant_manager": view,
            "cs_supervisor": view,
            "cs_staff": view,
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("policies", "0001_initial"),
        ("organization", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
