"""Console statistics pages (SOP.md §3 measures): the on-time rate (处理及时率)."""

import datetime

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organization.selectors import office_list
from service_requests.reports import on_time_rates, on_time_total

GROUP_TITLES = {
    "category": _("按类别"),
    "department": _("按部门"),
    "staff": _("按处理人"),
}


def _date(value):
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
@permission_required("reception.view_on_time_report", raise_exception=True)
def on_time(request):
    """The three tables for a period (default: this month so far) and one office or all."""
    today = timezone.localdate()
    date_from = _date(request.GET.get("from")) or today.replace(day=1)
    date_to = _date(request.GET.get("to")) or today
    if date_to < date_from:
        date_from, date_to = date_to, date_from
    offices = list(office_list(user=request.user))
    office_id = request.GET.get("office", "")
    office = next((o for o in offices if str(o.pk) == office_id), None)
    now = timezone.now()
    args = {"user": request.user, "date_from": date_from, "date_to": date_to, "office": office}
    tables = [
        (GROUP_TITLES[group], on_time_rates(group_by=group, now=now, **args))
        for group in GROUP_TITLES
    ]
    return render(
        request,
        "service_requests/reports/on_time.html",
        {
            "date_from": date_from,
            "date_to": date_to,
            "offices": offices,
            "office": office,
            "tables": tables,
            "total": on_time_total(now=now, **args),
        },
    )
