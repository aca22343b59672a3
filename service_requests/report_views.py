"""Console statistics pages (SOP.md §3 measures): the on-time rate (处理及时率)."""

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.periods import period_from_request
from organization.selectors import office_list
from service_requests.reports import on_time_rates, on_time_total

GROUP_TITLES = {
    "category": _("按类别"),
    "department": _("按部门"),
    "staff": _("按处理人"),
}


@login_required
@permission_required("reception.view_on_time_report", raise_exception=True)
def on_time(request):
    """The three tables for a period (default: this month so far) and one office or all
    (处理及时率, 003 §5.5). A period that ends before it starts, or a date that cannot be read,
    is refused with its message (400) and nothing is counted — never swapped silently."""
    today = timezone.localdate()
    period = period_from_request(request, default_from=today.replace(day=1), default_to=today)
    offices = list(office_list(user=request.user))
    office_id = request.GET.get("office", "")
    office = next((o for o in offices if str(o.pk) == office_id), None)
    context = {
        "period": period,
        "date_from": period.date_from,
        "date_to": period.date_to,
        "offices": offices,
        "office": office,
        "tables": [],
        "total": None,
    }
    if period.error:
        return render(request, "service_requests/reports/on_time.html", context, status=400)
    now = timezone.now()
    args = {
        "user": request.user,
        "date_from": period.date_from,
        "date_to": period.date_to,
        "office": office,
    }
    context["tables"] = [
        (GROUP_TITLES[group], on_time_rates(group_by=group, now=now, **args))
        for group in GROUP_TITLES
    ]
    context["total"] = on_time_total(now=now, **args)
    return render(request, "service_requests/reports/on_time.html", context)
