"""Field builders the SOP areas share: who did it, and which office it belongs to."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def user_fk(label, *, related_name="+", **extra) -> models.ForeignKey:
    """An optional link to the user who did something; never cascades (records are kept)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=label,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name=related_name,
        **extra,
    )


def office_fk(related_name="+") -> models.ForeignKey:
    """The management office a record belongs to: the unit of data scoping."""
    return models.ForeignKey(
        "organization.ManagementOffice",
        verbose_name=_("管理处"),
        on_delete=models.PROTECT,
        related_name=related_name,
    )
