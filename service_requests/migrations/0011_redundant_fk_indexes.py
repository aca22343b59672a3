# Each of these foreign keys leads a composite index already (sr_queue, sr_register, sr_assignee,
# sr_department, sr_event_timeline, deadline_unique_kind_round, idempotency_unique_key), so its
# own index only cost a write per intake (issue #3, docs/performance.md). Only the indexes are
# dropped: Django's AlterField would also drop and re-add each foreign-key constraint, which
# re-checks every row of the timeline (millions) under a table lock.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


# (index, table, column): Django's names for the foreign keys' own indexes
REDUNDANT = [
    ("service_requests_deadline_request_id_4ace4337", "service_requests_deadline", "request_id"),
    (
        "service_requests_idempotencykey_user_id_26496501",
        "service_requests_idempotencykey",
        "user_id",
    ),
    (
        "service_requests_requestevent_request_id_0a14c28f",
        "service_requests_requestevent",
        "request_id",
    ),
    (
        "service_requests_servicerequest_assigned_department_id_678573d3",
        "service_requests_servicerequest",
        "assigned_department_id",
    ),
    (
        "service_requests_servicerequest_assignee_id_533d2f4f",
        "service_requests_servicerequest",
        "assignee_id",
    ),
    (
        "service_requests_servicerequest_office_id_592d90e5",
        "service_requests_servicerequest",
        "office_id",
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("organization", "0002_roles"),
        ("service_requests", "0010_cancel_reason_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="deadline",
                    name="request",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="deadlines",
                        to="service_requests.servicerequest",
                        verbose_name="求助",
                    ),
                ),
                migrations.AlterField(
                    model_name="idempotencykey",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="requestevent",
                    name="request",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="events",
                        to="service_requests.servicerequest",
                        verbose_name="求助",
                    ),
                ),
                migrations.AlterField(
                    model_name="servicerequest",
                    name="assigned_department",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="organization.department",
                        verbose_name="派往部门",
                    ),
                ),
                migrations.AlterField(
                    model_name="servicerequest",
                    name="assignee",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="处理人",
                    ),
                ),
                migrations.AlterField(
                    model_name="servicerequest",
                    name="office",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="service_requests",
                        to="organization.managementoffice",
                        verbose_name="管理处",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {name}",
                    reverse_sql=f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column})",
                )
                for name, table, column in REDUNDANT
            ],
        ),
    ]
