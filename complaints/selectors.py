"""Reads of complaints for the console and the exports, limited to the user's scope."""

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from complaints.models import Complaint, ComplaintExtension, ComplaintStep
from organization.scoping import scope_for
from service_requests.models import Deadline


def complaint_queryset(*, user) -> QuerySet[Complaint]:
    scope = scope_for(user)
    qs = Complaint.objects.all()
    if scope.everything:
        return qs
    if scope.is_resident:
        return qs.none()  # staff records (internal notes); residents use the request API
    return qs.filter(office_id__in=scope.office_ids)


@dataclass(frozen=True)
class ComplaintFilters:
    open_only: bool = True
    severity: str = ""
    validity: str = ""
    query: str = ""


def complaint_list(*, user, filters: ComplaintFilters) -> QuerySet[Complaint]:
    qs = complaint_queryset(user=user).select_related(
        "request__household__unit__building__estate",
        "complained_department",
        "slip_department",
    )
    if filters.open_only:
        qs = qs.filter(closed_at__isnull=True)
    if filters.severity:
        qs = qs.filter(severity=filters.severity)
    if filters.validity:
        qs = qs.filter(validity=filters.validity)
    if filters.query:
        qs = qs.filter(what_happened__icontains=filters.query)
    return qs.order_by("request__next_deadline_at", "-received_at", "-id")


def complaint_get(*, user, pk: int) -> Complaint:
    """The complaint with what its page shows; Http404 when missing or outside the scope."""
    complaint = (
        complaint_queryset(user=user)
        .select_related(
            "request__household__unit__building__estate",
            "request__office",
            "complained_department",
            "slip_department",
            "collective_of__request",
            "judged_by__staff",
            "told_by__staff",
            "visited_by__staff",
            "follow_up_by__staff",
        )
        .prefetch_related(
            Prefetch("steps", queryset=ComplaintStep.objects.select_related("done_by__staff")),
            Prefetch(
                "extensions",
                queryset=ComplaintExtension.objects.select_related(
                    "requested_by__staff", "decided_by__staff"
                ),
            ),
            Prefetch("members", queryset=Complaint.objects.select_related("request__household")),
            Prefetch(
                "request__deadlines", queryset=Deadline.objects.order_by("due_at", "round", "id")
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if complaint is None:
        raise Http404
    return complaint


def complaint_for_request(*, request_id: int) -> Complaint | None:
    return Complaint.objects.filter(request_id=request_id).first()


VISIT_TABS = ("mine", "unassigned", "all")


def follow_up_list(*, user, tab: str = "mine") -> QuerySet[Complaint]:
    """Planned follow-up visits not yet recorded (000 篇10 §4.7), soonest due first: the user's
    own ("我的回访"), the unassigned ones, or all of the user's offices."""
    qs = (
        complaint_queryset(user=user)
        .filter(follow_up_due_at__isnull=False, closed_at__isnull=True)
        .select_related("request__household__unit__building__estate", "follow_up_by__staff")
    )
    if tab == "mine":
        qs = qs.filter(follow_up_by=user)
    elif tab == "unassigned":
        qs = qs.filter(follow_up_by__isnull=True)
    return qs.order_by("follow_up_due_at", "id")
