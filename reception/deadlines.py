"""The repair-slip sweep the worker runs (SOP.md §4 售后; 004 篇3 §4.5): a 物业返修联系单 not
sent to the developer by its send time, and one whose developer has not answered by the next
chase time, each get one reminder to the roles of after_sales.reminder_roles, through the
notifications outbox, written with a register event in the same transaction.

Never repeats: the slip records what was reminded (send_overdue_reminded_at,
reminded_chase_number) and the outbox's dedupe keys are unique. Rows are locked with
SKIP LOCKED, so two workers share the work. A slip the developer has answered (or that is
closed) is never chased again. The chase itself — phoning the developer — is a person's
job, recorded with reception.services.slip_chase, which sets the next chase time.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import notify_role
from policies.selectors import policy_version_get
from reception.choices import EventType, Register
from reception.models import DeveloperRepairSlip, RegisterEvent

BATCH_SIZE = 200


@dataclass
class SlipSweepResult:
    send_overdue: int = 0
    chases_due: int = 0
    notifications: int = 0

    @property
    def count(self) -> int:
        return self.send_overdue + self.chases_due


def sweep_repair_slips(now: datetime.datetime | None = None) -> SlipSweepResult:
    now = now or timezone.now()
    result = SlipSweepResult()
    unsent = Q(
        closed_at__isnull=True,
        sent_at__isnull=True,
        send_due_at__lt=now,
        send_overdue_reminded_at__isnull=True,
    )
    chase_due = Q(
        closed_at__isnull=True,
        sent_at__isnull=False,
        answered_at__isnull=True,
        next_chase_at__lte=now,
        reminded_chase_number__lte=F("chase_count"),
    )
    while _batch(unsent, now, result, _remind_unsent):
        pass
    while _batch(chase_due, now, result, _remind_chase):
        pass
    return result


def _batch(condition: Q, now, result: SlipSweepResult, remind) -> bool:
    with transaction.atomic():
        slips = list(
            DeveloperRepairSlip.objects.filter(condition)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("office", "developer")
            .order_by("id")[:BATCH_SIZE]
        )
        for slip in slips:
            remind(slip, now, result)
        return len(slips) == BATCH_SIZE


def _notify(slip: DeveloperRepairSlip, *, subject: str, body: str, key: str, now) -> int:
    roles = policy_version_get(slip.policy_version_id).roles("after_sales.reminder_roles")
    return sum(
        notify_role(
            office=slip.office,
            role_code=role,
            subject=subject,
            body=body,
            link=f"/reception/slips/{slip.pk}/",
            dedupe_key=f"{key}:{role}",
            now=now,
        )
        for role in roles
    )


def _remind_unsent(slip: DeveloperRepairSlip, now, result: SlipSweepResult) -> None:
    DeveloperRepairSlip.objects.filter(pk=slip.pk).update(send_overdue_reminded_at=now)
    due = timezone.localtime(slip.send_due_at).strftime("%Y-%m-%d %H:%M")
    RegisterEvent.objects.create(
        office_id=slip.office_id,
        register=Register.REPAIR_SLIP,
        object_id=slip.pk,
        type=EventType.SLIP_SEND_OVERDUE,
        at=now,
        data={"send_due_at": slip.send_due_at.isoformat()},
    )
    result.send_overdue += 1
    result.notifications += _notify(
        slip,
        subject=_("返修联系单%(number)s未按时送交%(developer)s")
        % {"number": slip.number, "developer": slip.developer.name},
        body=_("应于%(due)s前送交开发商售后(当天返给售后部门)。") % {"due": due},
        key=f"repair-slip:{slip.pk}:send-overdue",
        now=now,
    )


def _remind_chase(slip: DeveloperRepairSlip, now, result: SlipSweepResult) -> None:
    number = slip.chase_count + 1  # the chase now due
    DeveloperRepairSlip.objects.filter(pk=slip.pk).update(reminded_chase_number=number)
    RegisterEvent.objects.create(
        office_id=slip.office_id,
        register=Register.REPAIR_SLIP,
        object_id=slip.pk,
        type=EventType.SLIP_CHASE_DUE,
        at=now,
        data={"chase": number, "due_at": slip.next_chase_at.isoformat()},
    )
    result.chases_due += 1
    result.notifications += _notify(
        slip,
        subject=_("请督促开发商售后:返修联系单%(number)s(第%(n)s次督促)")
        % {"number": slip.number, "n": number},
        body=_("%(developer)s尚未答复。督促后请在联系单上登记督促情况。")
        % {"developer": slip.developer.name},
        key=f"repair-slip:{slip.pk}:chase:{number}",
        now=now,
    )
