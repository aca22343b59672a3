"""The period of the complaint statistics is local dates, inclusive (complaints.reports)."""

import datetime

from complaints.reports import complaint_summary, register_rows
from complaints.tests.conftest import at, new_complaint


def test_month_is_local_dates_inclusive(receptionist, office, household):
    for when in (
        at(2026, 9, 30, 23, 59),  # before
        at(2026, 10, 1, 0, 0),  # the first local minute (16:00 UTC the day before)
        at(2026, 10, 31, 23, 59),  # the last local minute
        at(2026, 11, 1, 0, 0),  # after
    ):
        new_complaint(receptionist, office, household, when)
    start, end = datetime.date(2026, 10, 1), datetime.date(2026, 10, 31)
    summary = complaint_summary(user=receptionist, start=start, end=end)
    assert summary.total == 2
    assert register_rows(user=receptionist, start=start, end=end).count() == 2
