"""Complaint statistics (SOP.md §3 统计): the weekly analysis for the manager (every Saturday,
000 篇10 §4.8) and the monthly summary (投诉情况月汇总表 by the 25th, 004 篇4 §4.5).

Everything is an aggregate query over the period's complaints (received_at, local dates,
inclusive), in the user's scope: a fixed number of queries whatever the number of complaints.

* on-time rate (处理及时率, 003 §5.5): the request-desk rule (service_requests.reports) applied
  to the complaints' requests — no deadline met late or missed;
* follow-up rate (回访处理率, target 100%, 002 篇2): visited ÷ complaints that need a visit
  (valid 重大/重要) and whose result was told to the resident;
* 有效投诉率 (target < 1%, 002 篇2): valid complaints ÷ households of the office(s);
* repeat complainants: households with two or more complaints in the period;
* trend: the same counts for the previous period of the same kind.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from complaints.choices import Severity, Validity
from complaints.models import Complaint
from complaints.selectors import complaint_queryset
from estates.models import Household
from organization.scoping import scope_for
from service_requests.models import ServiceRequest
from service_requests.reports import on_time_condition


def week_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The analysis week ending on the Saturday on or before `day` (Sunday … Saturday)."""
    saturday = day - datetime.timedelta(days=(day.weekday() - 5) % 7)
    return saturday - datetime.timedelta(days=6), saturday


def month_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = day.replace(day=1)
    next_first = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, next_first - datetime.timedelta(days=1)


def previous_period(kind: str, start: datetime.date) -> tuple[datetime.date, datetime.date]:
    if kind == "week":
        return start - datetime.timedelta(days=7), start - datetime.timedelta(days=1)
    return month_of(start - datetime.timedelta(days=1))


@dataclass
class Summary:
    start: datetime.date
    end: datetime.date
    total: int = 0
    valid: int = 0
    on_time: int = 0
    follow_up_due: int = 0
    visited: int = 0
    households: int = 0
    by: dict = field(default_factory=dict)  # dimension → [(label, count)]
    repeat: list = field(default_factory=list)  # [(household label, count)]

    @staticmethod
    def _rate(part, whole):
        return None if not whole else round(part * 100 / whole, 1)

    @property
    def on_time_rate(self):
        return self._rate(self.on_time, self.total)

    @property
    def follow_up_rate(self):
        return self._rate(self.visited, self.follow_up_due)

    @property
    def valid_rate(self):
        """有效投诉率, per cent with two decimals."""
        return None if not self.households else round(self.valid * 100 / self.households, 2)


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _period(user, start, end, office=None):
    # Local dates as a half-open range of times, so the (office, received_at) index serves it
    # (`received_at__date` would read every complaint: ~30 ms a query at 100,000 complaints).
    qs = complaint_queryset(user=user).filter(
        received_at__gte=_local_midnight(start),
        received_at__lt=_local_midnight(end + datetime.timedelta(days=1)),
    )
    if office is not None:
        qs = qs.filter(office=office)
    return qs


DIMENSIONS = {
    "severity": ("severity",),
    "validity": ("validity",),
    "department": ("slip_department__name", "complained_department__name"),
    "building": (
        "request__household__unit__building__estate__name",
        "request__household__unit__building__number",
    ),
    "channel": ("request__channel",),
}


def _label(dimension, values) -> str:
    from django.utils.translation import gettext as _

    from service_requests.choices import Channel

    if dimension == "severity":
        return str(Severity(values["severity"]).label) if values["severity"] else _("未定级")
    if dimension == "validity":
        return str(Validity(values["validity"]).label) if values["validity"] else _("未界定")
    if dimension == "department":
        return (
            values["slip_department__name"] or values["complained_department__name"] or _("未指定")
        )
    if dimension == "building":
        estate = values["request__household__unit__building__estate__name"]
        return (
            f"{estate} {values['request__household__unit__building__number']}栋"
            if estate
            else _("公共区域")
        )
    return str(Channel(values["request__channel"]).label)


def _ranked(pairs) -> list[tuple[str, int]]:
    """(label, count) pairs, most first (ties by label, so the table reads the same each time)."""
    return sorted(pairs, key=lambda pair: (-pair[1], pair[0]))


def complaint_summary(*, user, start, end, office=None, now=None) -> Summary:
    now = now or timezone.now()
    qs = _period(user, start, end, office)
    summary = Summary(start, end)
    totals = qs.aggregate(
        total=Count("pk"),
        valid=Count("pk", filter=Q(validity=Validity.VALID)),
        follow_up_due=Count(
            "pk",
            filter=Q(
                validity=Validity.VALID,
                severity__in=[Severity.MAJOR, Severity.IMPORTANT],
            )
            & (Q(told_at__isnull=False) | Q(visited_at__isnull=False)),
        ),
        visited=Count(
            "pk",
            filter=Q(
                validity=Validity.VALID,
                severity__in=[Severity.MAJOR, Severity.IMPORTANT],
                visited_at__isnull=False,
            ),
        ),
    )
    summary.total = totals["total"]
    summary.valid = totals["valid"]
    summary.follow_up_due = totals["follow_up_due"]
    summary.visited = totals["visited"]
    # The requests by their ids (the complaints of the period name them): no second pass over
    # every complaint to join them back, as `complaint__in` made.
    summary.on_time = ServiceRequest.objects.filter(pk__in=qs.values("request_id")).aggregate(
        n=Count("pk", filter=on_time_condition(now))
    )["n"]
    for dimension in ("severity", "validity", "department"):
        rows = qs.order_by().values(*DIMENSIONS[dimension]).annotate(n=Count("pk")).order_by("-n")
        summary.by[dimension] = [(_label(dimension, r), r["n"]) for r in rows]
    # Building, channel and the households that complained again all come from the request and
    # its household: one grouped query, counted three ways here (issue #3: the three joins to
    # the requests and households were the summary's three slowest queries).
    by_building, by_channel, by_household = Counter(), Counter(), Counter()
    building_fields = DIMENSIONS["building"]
    labels, rooms = {}, {}
    for r in (
        qs.order_by()
        .values(
            "request__channel",
            "request__household_id",
            "request__household__unit__room_number",
            *building_fields,
        )
        .annotate(n=Count("pk"))
    ):
        building = tuple(r[f] for f in building_fields)
        if building not in labels:
            labels[building] = _label("building", r)
        by_building[building] += r["n"]
        by_channel[r["request__channel"]] += r["n"]
        household = r["request__household_id"]
        if household is not None:
            by_household[household] += r["n"]
            rooms[household] = (
                f"{r['request__household__unit__building__number']}栋 "
                f"{r['request__household__unit__room_number']}"
            )
    summary.by["building"] = _ranked((labels[b], n) for b, n in by_building.items())
    summary.by["channel"] = _ranked(
        (_label("channel", {"request__channel": c}), n) for c, n in by_channel.items()
    )
    summary.repeat = _ranked((rooms[h], n) for h, n in by_household.items() if n >= 2)
    households = Household.objects.all()
    if office is not None:
        households = households.filter(office=office)
    else:
        scope = scope_for(user)
        if not scope.everything:
            households = households.filter(office_id__in=scope.office_ids)
    summary.households = households.count()
    return summary


def register_rows(*, user, start, end, office=None):
    """The complaints of the period for the 投诉情况月汇总表 (one query)."""
    return (
        _period(user, start, end, office)
        .select_related(
            "request__household__unit__building", "slip_department", "complained_department"
        )
        .order_by("received_at", "pk")
    )


__all__ = ["Complaint", "complaint_summary", "month_of", "register_rows", "week_of"]
