from django.db import models
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    WORKDAY = "workday", _("工作日")
    HOLIDAY = "holiday", _("法定节假日")
    MAKE_UP_WORKDAY = "make_up_workday", _("调休上班")
    REST_DAY = "rest_day", _("休息日")


WORKING_KINDS = frozenset({DayKind.WORKDAY, DayKind.MAKE_UP_WORKDAY})
