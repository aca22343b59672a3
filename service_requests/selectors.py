"""Reads of help and report requests shared by the console, the API and exports. Every selector
starts from the user's scope; another office's request is "not found"."""

import datetime
from dataclasses import dataclass

from django.db.models import F, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from organization.scoping import scope_for, staff_card
from service_requests.choices import OPEN_STATUSES
from service_requests.models import Deadline, EmergencyStep, RequestEvent, ServiceRequest


def request_queryset(*, user) -> QuerySet[ServiceRequest]:
    scope = scope_for(user)
    qs = ServiceRequest.objects.all()
    if scope.everything:
        return qs
    if scope.is_resident:
        return qs.filter(household_id=scope.household_id)
    return qs.filter(office_id__in=scope.office_ids)


@dataclass(frozen=True)
class RequestFilters:
    """One filter definition for the queue page, the API list and the register export."""

    queue: str = "all_open"  # all_open, mine, my_department, overdue, all
    category: str = ""
    status: str = ""
    building_id: int | None = None
    staff_id: int | None = None  # assignee user id
    department_id: int | None = None
    received_from: datetime.date | None = None
    received_to: datetime.date | None = None
    special_only: bool = False
    query: str = ""


def _start_of_day(day: datetime.date) -> datetime.datetime:
    """Midnight of a local day (the current time zone, as `__date` lookups use)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def request_list(
    *, user, filters: RequestFilters, now: datetime.datetime | None = None
) -> QuerySet:
    """Requests sorted by the nearest deadline (overdue first), with what a queue row shows."""
    now = now or timezone.now()
    qs = request_queryset(user=user)
    if filters.queue in ("all_open", "mine", "my_department", "overdue"):
        # As constants, so that a prepared statement's generic plan uses sr_open_queue.
        qs = qs.filter(status__in_constants=OPEN_STATUSES)
    if filters.queue == "mine":
        qs = qs.filter(assignee=user)
    elif filters.queue == "my_department":
        card = staff_card(user)
        if card is None or card.department_id is None:
            return qs.none()  # no department: nothing is "mine by department"
        qs = qs.filter(assigned_department_id=card.department_id)
    elif filters.queue == "overdue":
        qs = qs.filter(next_deadline_at__lt=now)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.building_id:
        qs = qs.filter(household__unit__building_id=filters.building_id)
    if filters.staff_id:
        qs = qs.filter(assignee_id=filters.staff_id)
    if filters.department_id:
        qs = qs.filter(assigned_department_id=filters.department_id)
    # Ranges on received_at (local days), not `received_at__date`, so that the index
    # sr_register (office, received_at) applies.
    if filters.received_from:
        qs = qs.filter(received_at__gte=_start_of_day(filters.received_from))
    if filters.received_to:
        qs = qs.filter(received_at__lt=_start_of_day(filters.received_to + datetime.timedelta(1)))
    if filters.special_only:
        qs = qs.filter(is_special=True)
    if filters.query:
        q = Q(description__icontains=filters.query) | Q(contact_name__icontains=filters.query)
        if filters.query.isdigit():
            q |= Q(pk=int(filters.query)) | Q(contact_phone__endswith=filters.query)
        qs = qs.filter(q)
    if filters.queue == "all":
        order = ["-received_at", "-id"]
    else:
        order = [F("next_deadline_at").asc(nulls_last=True), "received_at", "id"]
    return qs.select_related(
        "household__unit__building__estate", "assigned_department", "assignee", "entered_by"
    ).order_by(*order)


def request_get(*, user, pk) -> ServiceRequest:
    """One request with everything its detail page shows, in a fixed few queries."""
    try:
        return (
            request_queryset(user=user)
            .select_related(
                "household__unit__building__estate",
                "office",
                "assigned_department",
                "assignee",
                "entered_by",
                "referred_to",
                "policy_version",
            )
            .prefetch_related(
                Prefetch("deadlines", queryset=Deadline.objects.order_by("due_at")),
                Prefetch(
                    "events",
                    queryset=RequestEvent.objects.select_related("actor").order_by("at", "id"),
                ),
                Prefetch(
                    "emergency_steps",
                    queryset=EmergencyStep.objects.select_related("done_by", "skipped_by").order_by(
                        "branch", "position"
                    ),
                ),
            )
            .get(pk=pk)
        )
    except (ServiceRequest.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def deadline_state(deadline: Deadline, now: datetime.datetime) -> str:
    """ "met", "late", "missed", "overdue", "open" or "cancelled" — what a badge shows."""
    if deadline.cancelled_at is not None:
        return "cancelled"
    if deadline.met_at is not None:
        return "met" if deadline.met_at <= deadline.due_at else "late"
    if deadline.due_at < now:
        return "missed" if deadline.missed_at else "overdue"
    return "open"
