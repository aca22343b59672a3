"""The worker's complaint statistics reminders (SOP.md §3 统计).

* The weekly analysis for the manager (000 篇10 §4.8): on the policy's weekday
  (`complaint.weekly_report_weekday`, default Saturday) from the policy's time of day
  (`complaint.report_reminder_at`), each office's managers get one notice linking to the weekly
  report page of the seven days ending that day.
* The monthly summary (投诉情况月汇总表, 004 篇4 §4.5) of the previous month, due by the
  policy's day (`complaint.monthly_summary_day`, default the 25th): from
  `complaint.monthly_summary_remind_day` (default the 20th) at the same time, one notice a
  month linking to that month's summary page.

Idempotent: the outbox dedupe key is per office and week (the week's last day) or month, so
repeated cycles never send twice.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Complaint
from complaints.reports import month_of
from duty.policy import time_of_day
from notifications.services import notify_role
from organization.models import ManagementOffice
from policies.selectors import policy_for_office

MANAGER = "office_manager"


@dataclass(frozen=True)
class ReportReminders:
    weekly: int = 0
    monthly: int = 0


def _count(office, start: datetime.date, end: datetime.date) -> int:
    return Complaint.objects.filter(
        office=office, received_at__date__gte=start, received_at__date__lte=end
    ).count()


def remind_complaint_reports(now: datetime.datetime) -> ReportReminders:
    local = timezone.localtime(now)
    today = local.date()
    weekly = monthly = 0
    for office in ManagementOffice.objects.order_by("pk"):
        policy = policy_for_office(office)
        if local.time() < time_of_day(policy, "complaint.report_reminder_at"):
            continue
        with transaction.atomic():
            if today.isoweekday() == policy.integer("complaint.weekly_report_weekday"):
                start = today - datetime.timedelta(days=6)
                weekly += notify_role(
                    office=office,
                    role_code=MANAGER,
                    subject=_("本周投诉分析"),
                    body=_("%(office)s %(start)s至%(end)s共受理投诉%(n)s件,请查看本周投诉分析。")
                    % {
                        "office": office.name,
                        "start": start,
                        "end": today,
                        "n": _count(office, start, today),
                    },
                    link=f"{reverse('complaints:summary')}?period=week&day={today.isoformat()}&office={office.pk}",
                    dedupe_key=f"complaint-weekly:{office.pk}:{today.isoformat()}",
                    now=now,
                )
            if today.day >= policy.integer("complaint.monthly_summary_remind_day"):
                start, end = month_of(today.replace(day=1) - datetime.timedelta(days=1))
                monthly += notify_role(
                    office=office,
                    role_code=MANAGER,
                    subject=_("投诉情况月汇总表"),
                    body=_(
                        "%(office)s %(month)s共受理投诉%(n)s件,请于本月%(day)s日前完成"
                        "《投诉情况月汇总表》及分析。"
                    )
                    % {
                        "office": office.name,
                        "month": f"{start:%Y-%m}",
                        "n": _count(office, start, end),
                        "day": policy.integer("complaint.monthly_summary_day"),
                    },
                    link=f"{reverse('complaints:summary')}?period=month&day={end.isoformat()}"
                    f"&office={office.pk}",
                    dedupe_key=f"complaint-monthly:{office.pk}:{start:%Y-%m}",
                    now=now,
                )
    return ReportReminders(weekly=weekly, monthly=monthly)
