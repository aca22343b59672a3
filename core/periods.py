"""The period of a register or report from its query string (`?from=YYYY-MM-DD&to=YYYY-MM-DD`).

One reading for every page and its Excel export: an empty value takes the page's default, a
date that cannot be read or a period that ends before it starts is refused with a Chinese
message (ApplicationError `invalid_period`, naming the field) instead of being ignored, swapped
or answered with an empty register."""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from core.exceptions import ApplicationError

INVALID_PERIOD = "invalid_period"


@dataclass(frozen=True)
class Period:
    date_from: datetime.date | None
    date_to: datetime.date | None
    error: str = ""  # the refusal, for a page that shows it instead of the rows
    from_value: str = ""  # what the form's fields show again: the dates, or what was typed
    to_value: str = ""


def _day(raw: str, message: str, field: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        text = message % {"value": raw}
        raise ApplicationError(text, code=INVALID_PERIOD, field_errors={field: [text]}) from None


def period_parse(
    params,
    *,
    default_from: datetime.date | None = None,
    default_to: datetime.date | None = None,
    from_key: str = "from",
    to_key: str = "to",
) -> tuple[datetime.date | None, datetime.date | None]:
    """(date_from, date_to) from `params` (request.GET); raises ApplicationError."""
    raw_from = (params.get(from_key) or "").strip()
    raw_to = (params.get(to_key) or "").strip()
    date_from = (
        _day(raw_from, _("起始日期“%(value)s”无法识别,请按 年-月-日 填写(如 2026-11-01)"), from_key)
        if raw_from
        else default_from
    )
    date_to = (
        _day(raw_to, _("结束日期“%(value)s”无法识别,请按 年-月-日 填写(如 2026-11-30)"), to_key)
        if raw_to
        else default_to
    )
    if date_from and date_to and date_to < date_from:
        text = _("起始日期(%(start)s)晚于结束日期(%(end)s),请重新选择期间") % {
            "start": date_from.isoformat(),
            "end": date_to.isoformat(),
        }
        raise ApplicationError(text, code=INVALID_PERIOD, field_errors={from_key: [text]})
    return date_from, date_to


def period_from_request(request, **kwargs) -> Period:
    """The period of a console page: refused periods come back with `error` set and no dates,
    so the page shows the message and the form as it was filled, and lists nothing."""
    from_key, to_key = kwargs.get("from_key", "from"), kwargs.get("to_key", "to")
    try:
        date_from, date_to = period_parse(request.GET, **kwargs)
    except ApplicationError as error:
        return Period(
            None,
            None,
            error=error.message,
            from_value=request.GET.get(from_key, ""),
            to_value=request.GET.get(to_key, ""),
        )
    return Period(
        date_from,
        date_to,
        from_value=date_from.isoformat() if date_from else "",
        to_value=date_to.isoformat() if date_to else "",
    )
