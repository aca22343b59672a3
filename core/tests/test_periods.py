"""A register's or report's period from its query string (core.periods): empty takes the
page's default, an unreadable date or a reversed period is refused with a Chinese message."""

import datetime
import re

import pytest
from django.test import RequestFactory

from core.exceptions import ApplicationError
from core.periods import INVALID_PERIOD, period_from_request, period_parse

NOV_1, NOV_30 = datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)


def test_dates_and_defaults():
    assert period_parse({"from": "2026-11-01", "to": "2026-11-30"}) == (NOV_1, NOV_30)
    assert period_parse({"from": " 2026-11-01 ", "to": ""}) == (NOV_1, None)
    assert period_parse({}, default_from=NOV_1, default_to=NOV_30) == (NOV_1, NOV_30)
    assert period_parse({"from": "2026-11-30", "to": "2026-11-30"}) == (NOV_30, NOV_30)


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "2026-11-30", "to": "2026-11-01"}, "from", "起始日期(2026-11-30)晚于结束日期"),
        ({"from": "2026-13-01"}, "from", "起始日期“2026-13-01”无法识别"),
        ({"to": "明天"}, "to", "结束日期“明天”无法识别"),
    ],
)
def test_refusals_name_the_field(params, field, message):
    with pytest.raises(ApplicationError, match=re.escape(message)) as exc:
        period_parse(params)
    assert exc.value.code == INVALID_PERIOD and list(exc.value.field_errors) == [field]


def test_a_default_end_before_the_chosen_start_is_refused_too():
    """?from= after today with `to` left empty (default today) is a reversed period."""
    with pytest.raises(ApplicationError, match="晚于结束日期"):
        period_parse({"from": "2026-12-01"}, default_to=NOV_30)


def test_the_page_keeps_what_was_typed():
    request = RequestFactory().get("/", {"from": "2026-11-31", "to": "2026-11-30"})
    period = period_from_request(request)
    assert (period.date_from, period.date_to) == (None, None)
    assert "无法识别" in period.error
    assert (period.from_value, period.to_value) == ("2026-11-31", "2026-11-30")
    fine = period_from_request(RequestFactory().get("/"), default_from=NOV_1, default_to=NOV_30)
    assert (fine.error, fine.from_value, fine.to_value) == ("", "2026-11-01", "2026-11-30")
