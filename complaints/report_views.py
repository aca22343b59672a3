"""The weekly and monthly complaint statistics pages and the 投诉情况月汇总表 export."""

import datetime

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.reports import complaint_summary, month_of, previous_period, register_rows, week_of
from organization.selectors import office_list
from reception.exports import MAX_EXPORT_ROWS, Column, build_workbook, period_text
from service_requests.reports import request_is_on_time

MONTHLY_TITLE = "投诉情况月汇总表"
MONTHLY_COLUMNS = (
    Column("序号", 6),
    Column("受理时间", 17),
    Column("房号", 16),
    Column("投诉人", 10),
    Column("渠道", 9),
    Column("投诉内容", 36),
    Column("被投诉部门", 12),
    Column("性质", 10),
    Column("级别", 7),
    Column("处理结果", 30),
    Column("通报住户", 17),
    Column("是否及时", 8),
    Column("回访结果", 14),
    Column("备注", 16),
)


def _params(request):
    kind = "week" if request.GET.get("period") == "week" else "month"
    try:
        day = datetime.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = timezone.localdate()
    start, end = week_of(day) if kind == "week" else month_of(day)
    offices = list(office_list(user=request.user))
    office = next((o for o in offices if str(o.pk) == request.GET.get("office", "")), None)
    return kind, start, end, offices, office


@login_required
@permission_required("complaints.view_complaint_report", raise_exception=True)
def summary_view(request):
    kind, start, end, offices, office = _params(request)
    now = timezone.now()
    summary = complaint_summary(user=request.user, start=start, end=end, office=office, now=now)
    prev_start, prev_end = previous_period(kind, start)
    previous = complaint_summary(
        user=request.user, start=prev_start, end=prev_end, office=office, now=now
    )
    charts = []
    for dimension, title in (
        ("severity", _("按级别")),
        ("validity", _("按性质")),
        ("department", _("按部门")),
        ("building", _("按楼栋")),
        ("channel", _("按渠道")),
    ):
        rows = summary.by[dimension]
        top = max((n for _label, n in rows), default=0) or 1
        charts.append((title, [(label, n, round(n * 100 / top)) for label, n in rows]))
    return render(
        request,
        "complaints/summary.html",
        {
            "kind": kind,
            "s": summary,
            "prev": previous,
            "charts": charts,
            "offices": offices,
            "office": office,
            "day": start,
        },
    )


@login_required
@permission_required("complaints.view_complaint_report", raise_exception=True)
def summary_export_view(request):
    _kind, start, end, _offices, office = _params(request)
    now = timezone.now()
    rows = list(
        register_rows(user=request.user, start=start, end=end, office=office).prefetch_related(
            "request__deadlines"
        )[: MAX_EXPORT_ROWS + 1]
    )
    if len(rows) > MAX_EXPORT_ROWS:
        return HttpResponse(_("记录太多,请缩短期间"), status=400)
    lines = []
    for number, c in enumerate(rows, start=1):
        sr = c.request
        on_time = request_is_on_time(sr, now)
        lines.append(
            [
                number,
                c.received_at,
                sr.household.unit.label if sr.household else sr.location,
                sr.contact_name,
                sr.get_channel_display(),
                c.what_happened,
                (c.slip_department or c.complained_department or "")
                and (c.slip_department or c.complained_department).name,
                c.get_validity_display(),
                c.get_severity_display(),
                c.slip_handling or c.explanation,
                c.told_at,
                {True: "是", False: "否", None: "未完成"}[on_time],
                c.get_satisfaction_display(),
                c.get_major_reason_display(),
            ]
        )
    body = build_workbook(
        title=MONTHLY_TITLE,
        subtitle=f"{office.name if office else ''} {period_text(start, end)}",
        columns=MONTHLY_COLUMNS,
        rows=lines,
    )
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = f"complaints-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
