"""The worker's duty sweep (SOP.md §6): from the policy's day of the month, remind supervisors
while next month's roster is unpublished; on working days after the policy's hour, remind them
of unsigned logs. Idempotent: one reminder per office, kind and day (outbox dedupe keys)."""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from duty import selectors
from duty.policy import time_of_day
from notifications.services import notify_role
from organization.models import ManagementOffice
from policies.selectors import policy_for_office

SUPERVISOR = "cs_supervisor"


@dataclass(frozen=True)
class DutySweep:
    reminders: int = 0


def sweep_duty(now: datetime.datetime) -> DutySweep:
    from workdays.calendar import is_working_day

    today = timezone.localdate(now)
    working = is_working_day(today)
    queued = 0
    for office in ManagementOffice.objects.order_by("pk"):
        with transaction.atomic():
            warning = selectors.roster_missing_warning(office, today)
            if warning:
                queued += notify_role(
                    office=office,
                    role_code=SUPERVISOR,
                    subject=_("下月值班安排表未发布"),
                    body=warning,
                    link=reverse("duty:roster"),
                    dedupe_key=f"duty-roster-missing:{office.pk}:{today.isoformat()}",
                    now=now,
                )
            if not working:
                continue
            remind_at = time_of_day(policy_for_office(office), "duty.sign_reminder_at")
            if timezone.localtime(now).time() < remind_at:
                continue
            unsigned = selectors.unsigned_shift_count(office, now)
            if unsigned:
                queued += notify_role(
                    office=office,
                    role_code=SUPERVISOR,
                    subject=_("值班记录未签阅"),
                    body=_("%(office)s有%(n)s个班次的值班记录尚未签阅。")
                    % {"office": office.name, "n": unsigned},
                    link=reverse("duty:unsigned"),
                    dedupe_key=f"duty-unsigned:{office.pk}:{today.isoformat()}",
                    now=now,
                )
    return DutySweep(reminders=queued)
