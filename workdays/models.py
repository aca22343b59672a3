"""The official calendar (法定节假日与调休), for deadlines counted in working days and for duty
hours on holidays (SOP.md §2, §6).

`chinesecalendar` knows the State Council's calendar up to the year it was released for. An
administrator enters a later year (or corrects a day) here; entries override the package.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from workdays.choices import DayKind


class CalendarDay(models.Model):
    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=DayKind.choices)
    name = models.CharField(_("名称"), max_length=50, blank=True, help_text=_("如:春节、国庆节"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("日历调整")
        verbose_name_plural = _("日历调整")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()}"


class CalendarYear(models.Model):
    """A year whose holidays and make-up working days an administrator has fully entered."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("确认时间"), auto_now_add=True)
    notes = models.CharField(
        _("依据"), max_length=200, blank=True, help_text=_("如:国务院办公厅通知文号")
    )

    class Meta:
        verbose_name = _("已录入年度")
        verbose_name_plural = _("已录入年度")
        ordering = ["year"]

    def __str__(self):
        return str(self.year)
