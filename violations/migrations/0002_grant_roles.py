"""Give the SOP roles their violation permissions (the same defaults as organization/roles.py)."""

from django.db import migrations

from violations.permissions import ROLE_GRANTS


def grant(apps, schema_editor):
    from organization.roles import grant_role_permissions

    grant_role_permissions(apps, ROLE_GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("violations", "0001_initial"),
        ("organization", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
