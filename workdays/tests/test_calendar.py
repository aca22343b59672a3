"""Working days follow the official calendar with make-up working days (调休), and an office can
enter a year the package does not know yet (issue #3 deadlines; SOP.md §6 duty hours)."""

import datetime
import zoneinfo

import pytest

from workdays import calendar
from workdays.choices import DayKind
from workdays.models import CalendarDay, CalendarYear

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=16, mm=0):
    return datetime.datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


@pytest.mark.django_db
def test_national_day_week_is_skipped_and_make_up_saturday_counts():
    # 2026: National Day holiday 1–7 Oct; Sunday 27 Sep and Saturday 10 Oct are make-up days.
    assert not calendar.is_working_day(datetime.date(2026, 10, 1))
    assert calendar.is_working_day(datetime.date(2026, 9, 30))
    # Letter received Wed 30 Sep 16:00: 1st working day after is Thu 8 Oct, 2nd is Fri 9 Oct.
    assert calendar.add_working_days(at(2026, 9, 30), 2) == at(2026, 10, 9)
    assert calendar.add_working_days(at(2026, 9, 30), 3) == at(2026, 10, 10)  # 调休 Saturday


@pytest.mark.django_db
def test_ordinary_weekend_is_skipped():
    assert calendar.add_working_days(at(2026, 11, 20), 1) == at(2026, 11, 23)  # Fri → Mon


@pytest.mark.django_db
def test_zero_working_days_is_the_same_moment():
    assert calendar.add_working_days(at(2026, 11, 20), 0) == at(2026, 11, 20)


@pytest.mark.django_db
def test_office_entry_overrides_the_package():
    CalendarDay.objects.create(
        date=datetime.date(2026, 11, 23), kind=DayKind.HOLIDAY, name="台风停工"
    )
    info = calendar.day_info(datetime.date(2026, 11, 23))
    assert (info.is_working_day, info.name, info.source) == (False, "台风停工", "office")
    assert calendar.add_working_days(at(2026, 11, 20), 1) == at(2026, 11, 24)


@pytest.mark.django_db
def test_unknown_year_is_estimated_from_the_week_until_entered():
    year = calendar.package_last_year() + 1
    new_year = datetime.date(year, 1, 1)
    assert calendar.day_info(new_year).source == "estimate"
    CalendarDay.objects.create(date=new_year, kind=DayKind.HOLIDAY, name="元旦")
    assert calendar.day_info(new_year).source == "office"
    assert not calendar.is_working_day(new_year)


@pytest.mark.django_db
def test_warning_before_the_calendar_runs_out_and_not_after_the_year_is_confirmed():
    last = calendar.package_last_year()
    december = datetime.date(last, 12, 1)
    warning = calendar.coverage_warning(december, warn_days=60)
    assert warning is not None and f"{last + 1}年" in warning
    assert calendar.coverage_warning(datetime.date(last, 6, 1), warn_days=60) is None
    CalendarYear.objects.create(year=last + 1)
    assert calendar.coverage_end() == datetime.date(last + 1, 12, 31)
    assert calendar.coverage_warning(december, warn_days=60) is None


def test_the_office_manager_is_warned_on_the_workbench(client, db, settings):
    """Issue #3: warn before the calendar runs out (policy calendar.warn_before_days)."""
    from unittest import mock

    from django.urls import reverse

    from core.testing import PASSWORD, make_office, make_staff

    office = make_office()
    manager = make_staff("office_manager", offices=[office])
    staff = make_staff("cs_staff", offices=[office])
    december = datetime.date(calendar.package_last_year(), 12, 1)
    with mock.patch("django.utils.timezone.localdate", return_value=december):
        client.login(username=manager.username, password=PASSWORD)
        page = client.get(reverse("core:home")).content.decode()
        assert f"请在管理后台录入{calendar.package_last_year() + 1}年" in page
        client.logout()
        client.login(username=staff.username, password=PASSWORD)
        assert "calendar-warning" not in client.get(reverse("core:home")).content.decode()
