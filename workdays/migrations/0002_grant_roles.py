"""The office manager keeps the calendar (holidays and make-up working days) up to date."""

from django.db import migrations


def grant(apps, schema_editor):
    from organization.roles import grant_role_permissions

    grant_role_permissions(
        apps,
        {
            "office_manager": [
                "workdays.view_calendarday",
                "workdays.add_calendarday",
                "workdays.change_calendarday",
                "workdays.view_calendaryear",
                "workdays.add_calendaryear",
            ]
        },
    )


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial"), ("organization", "0002_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
