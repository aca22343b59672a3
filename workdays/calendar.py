"""Working-day arithmetic on the official calendar with make-up working days (调休).

Order of authority for a date: an administrator's CalendarDay entry, then `chinesecalendar`,
then — for a year neither knows — the plain week (Mon–Fri working), which is reported as an
estimate so that the console can warn before the calendar runs out.
"""

import datetime
from dataclasses import dataclass
from functools import lru_cache

import chinese_calendar

from workdays.choices import WORKING_KINDS, DayKind

MAX_SCAN_DAYS = 3660  # no deadline is ten years of working days away


@dataclass(frozen=True)
class DayInfo:
    date: datetime.date
    is_working_day: bool
    name: str
    source: str  # "office", "official", "estimate"


@lru_cache(maxsize=1)
def package_last_year() -> int:
    """The last year `chinesecalendar` has data for."""
    return max(day.year for day in chinese_calendar.holidays)


def _overrides(start: datetime.date, end: datetime.date) -> dict[datetime.date, tuple[str, str]]:
    from workdays.models import CalendarDay

    return {
        d.date: (d.kind, d.name)
        for d in CalendarDay.objects.filter(date__range=(start, end)).only("date", "kind", "name")
    }


def _official(day: datetime.date) -> DayInfo | None:
    try:
        working = chinese_calendar.is_workday(day)
        _, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    return DayInfo(day, working, name or "", "official")


def _classify(day: datetime.date, override: tuple[str, str] | None) -> DayInfo:
    if override is not None:
        kind, name = override
        return DayInfo(day, kind in WORKING_KINDS, name or DayKind(kind).label, "office")
    official = _official(day)
    if official is not None:
        return official
    return DayInfo(day, day.weekday() < 5, "", "estimate")


def day_info(day: datetime.date) -> DayInfo:
    return _classify(day, _overrides(day, day).get(day))


def is_working_day(day: datetime.date) -> bool:
    return day_info(day).is_working_day


def days(start: datetime.date, end: datetime.date) -> list[DayInfo]:
    """Every day from start to end inclusive, classified with one query."""
    overrides = _overrides(start, end)
    count = (end - start).days + 1
    return [
        _classify(start + datetime.timedelta(d), overrides.get(start + datetime.timedelta(d)))
        for d in range(count)
    ]


def add_working_days(start: datetime.datetime, count: int) -> datetime.datetime:
    """The same local time of day on the `count`-th working day after `start`'s date.

    "Reply within 2 working days" of a letter received on Friday 16:00 before a holiday week is
    due at 16:00 on the second working day after it. `count` = 0 means the same moment.
    """
    if count <= 0:
        return start
    first = start.date() + datetime.timedelta(days=1)
    window = max(14, count * 3)
    found = 0
    while window <= MAX_SCAN_DAYS:
        for info in days(first, start.date() + datetime.timedelta(days=window)):
            if info.is_working_day:
                found += 1
                if found == count:
                    return datetime.datetime.combine(info.date, start.timetz())
        first = start.date() + datetime.timedelta(days=window + 1)
        window *= 2
    raise ValueError(f"no {count} working days within {MAX_SCAN_DAYS} days of {start}")


def coverage_end() -> datetime.date:
    """The last day the calendar knows for certain (the package's, or a confirmed year's)."""
    from workdays.models import CalendarYear

    confirmed = set(CalendarYear.objects.values_list("year", flat=True))
    year = package_last_year()
    while year + 1 in confirmed:
        year += 1
    return datetime.date(year, 12, 31)


def coverage_warning(today: datetime.date, *, warn_days: int) -> str | None:
    """A Chinese warning when the calendar runs out within `warn_days` (policy), else None."""
    from django.utils.translation import gettext as _

    end = coverage_end()
    if (end - today).days > warn_days:
        return None
    return _(
        "工作日历只到%(end)s。请在管理后台录入%(year)s年的法定节假日与调休安排,"
        "否则按工作日计算的时限将按周一至周五估算。"
    ) % {"end": end.isoformat(), "year": end.year + 1}
