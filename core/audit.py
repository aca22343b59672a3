"""Writing audit events: called by services inside their transaction."""

from typing import Any

from django.db import models

from core.choices import AuditEventType
from core.models import AuditEvent


def audit_record(
    *,
    type: AuditEventType,
    actor,
    obj: models.Model,
    office=None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        type=type,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        office=office,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        data=data or {},
    )


def audit_events_for(obj: models.Model):
    return AuditEvent.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).select_related("actor")
