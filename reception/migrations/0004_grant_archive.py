"""Give the SOP roles the help-register archive permissions (reception.permissions)."""

from django.db import migrations

from reception.permissions import ARCHIVE_GRANTS


def grant(apps, schema_editor):
    from organization.roles import grant_role_permissions

    grant_role_permissions(apps, ARCHIVE_GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("reception", "0003_help_register_archive"),
        ("organization", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
