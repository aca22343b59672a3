"""处理及时率 — the on-time rate of help and report requests (SOP.md §3 measures; 003 §5.5:
处理及时率 = 及时处理件数 ÷ 总件数 × 100%), by category, department or staff member.

The definition (also in docs/registers.md):

* **In the period**: requests *received* (received_at, local date) between date_from and
  date_to inclusive, in the user's scope (and the chosen office). Cancelled requests (已撤销 —
  withdrawn or entered by mistake) are not counted.
* **Late deadline** (every round counts: a reopened request's new limit is a Deadline row of
  its own, `round` 2, 3, …): a deadline that was met after its due time, or that was missed —
  recorded as missed by the sweep (missed_at), still open past its due time at `now`, or cancelled
  (request closed or referred) after its due time without being met. A deadline cancelled
  before it fell due does not count.
* **On time**: none of the request's deadlines is late, and — for a request that has no
  counting deadline at all — it was resolved (resolved_at set, or closed / referred).
  An open request whose deadlines were all met on time counts as on time.
* **Groups**: category; the department it was dispatched to (未派工 when none); the staff
  member handling it (assignee; 未指派 when none).

Everything is computed in SQL (EXISTS subqueries and conditional COUNTs grouped by the key):
one query per table, whatever the number of requests. `request_is_on_time` is the same rule
for one request whose deadlines are already loaded (the help register's 是否及时 column).
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from service_requests.choices import Category, Status
from service_requests.models import Deadline, ServiceRequest
from service_requests.selectors import request_queryset

GROUPS = ("category", "department", "staff")
RESOLVED_STATUSES = (Status.CLOSED, Status.REFERRED)


@dataclass(frozen=True)
class RateRow:
    key: object
    label: str
    total: int
    on_time: int

    @property
    def rate(self) -> float | None:
        """Per cent, one decimal; None when there is nothing to measure."""
        if not self.total:
            return None
        return round(self.on_time * 100 / self.total, 1)


def _late_deadline(now: datetime.datetime) -> Q:
    return Q(met_at__isnull=False, met_at__gt=F("due_at")) | Q(met_at__isnull=True) & (
        Q(missed_at__isnull=False)
        | Q(cancelled_at__isnull=True, due_at__lt=now)
        | Q(cancelled_at__isnull=False, cancelled_at__gt=F("due_at"))
    )


def _counting_deadline() -> Q:
    """Every deadline except one cancelled before it fell due (never missed)."""
    return ~Q(met_at__isnull=True, missed_at__isnull=True, cancelled_at__lte=F("due_at"))


def on_time_condition(now: datetime.datetime) -> Q:
    """The SQL condition "this request was handled on time" (see the module docstring)."""
    deadlines = Deadline.objects.filter(request=OuterRef("pk"))
    late = Exists(deadlines.filter(_late_deadline(now)))
    counted = Exists(deadlines.filter(_counting_deadline()))
    resolved = Q(resolved_at__isnull=False) | Q(status__in=RESOLVED_STATUSES)
    # `resolved` first: PostgreSQL evaluates an OR's arms in order and stops at the first true
    # one, so the second subquery runs only for requests not resolved (a month's complaint
    # summary: 8,838 probes of the deadlines fewer, issue #4's < 200 ms).
    return ~Q(late) & (resolved | Q(counted))


def _period_requests(*, user, date_from, date_to, office=None):
    qs = request_queryset(user=user).exclude(status=Status.CANCELLED)
    if office is not None:
        qs = qs.filter(office=office)
    return qs.filter(received_at__date__gte=date_from, received_at__date__lte=date_to)


def on_time_rates(
    *,
    user,
    date_from: datetime.date,
    date_to: datetime.date,
    group_by: str,
    office=None,
    now: datetime.datetime | None = None,
) -> list[RateRow]:
    """One row per group with total, on-time count and rate, sorted by total (largest first)."""
    if group_by not in GROUPS:
        raise ValueError(f"group_by must be one of {GROUPS}")
    now = now or timezone.now()
    qs = _period_requests(user=user, date_from=date_from, date_to=date_to, office=office)
    fields = {
        "category": ("category",),
        "department": ("assigned_department_id", "assigned_department__name"),
        "staff": ("assignee_id", "assignee__staff__name", "assignee__username"),
    }[group_by]
    grouped = (
        qs.order_by()
        .values(*fields)
        .annotate(total=Count("pk"), on_time=Count("pk", filter=on_time_condition(now)))
    )
    rows = [_row(group_by, values) for values in grouped]
    return sorted(rows, key=lambda r: (-r.total, r.label))


def on_time_total(
    *, user, date_from, date_to, office=None, now: datetime.datetime | None = None
) -> RateRow:
    now = now or timezone.now()
    qs = _period_requests(user=user, date_from=date_from, date_to=date_to, office=office)
    totals = qs.aggregate(total=Count("pk"), on_time=Count("pk", filter=on_time_condition(now)))
    return RateRow(None, _("合计"), totals["total"], totals["on_time"])


def _row(group_by: str, values: dict) -> RateRow:
    if group_by == "category":
        key = values["category"]
        label = str(Category(key).label) if key in Category.values else key
    elif group_by == "department":
        key = values["assigned_department_id"]
        label = values["assigned_department__name"] or _("未派工")
    else:
        key = values["assignee_id"]
        label = values["assignee__staff__name"] or values["assignee__username"] or _("未指派")
    return RateRow(key, label, values["total"], values["on_time"])


def deadline_is_late(deadline: Deadline, now: datetime.datetime) -> bool:
    if deadline.met_at is not None:
        return deadline.met_at > deadline.due_at
    if deadline.missed_at is not None:
        return True
    if deadline.cancelled_at is None:
        return deadline.due_at < now
    return deadline.cancelled_at > deadline.due_at


def deadline_counts(deadline: Deadline) -> bool:
    return not (
        deadline.met_at is None
        and deadline.missed_at is None
        and deadline.cancelled_at is not None
        and deadline.cancelled_at <= deadline.due_at
    )


def request_is_on_time(request: ServiceRequest, now: datetime.datetime) -> bool | None:
    """The same rule for one request with prefetched deadlines: True / False, or None for an
    open request that cannot be judged yet (no counting deadline, not resolved)."""
    deadlines = list(request.deadlines.all())
    if any(deadline_is_late(d, now) for d in deadlines):
        return False
    if any(deadline_counts(d) for d in deadlines):
        return True
    if request.resolved_at is not None or request.status in RESOLVED_STATUSES:
        return True
    return None if request.status != Status.CANCELLED else False
