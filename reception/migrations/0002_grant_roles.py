"""Give the SOP roles their register permissions (the same defaults as organization/roles.py)."""

from django.db import migrations

from reception.permissions import REGISTER_GRANTS


def grant(apps, schema_editor):
    from organization.roles import grant_role_permissions

    grant_role_permissions(apps, REGISTER_GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("reception", "0001_initial"),
        ("organization", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
