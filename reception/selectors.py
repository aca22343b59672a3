"""Reads of the reception registers shared by the console pages and the Excel exports. Every
selector starts from the user's scope; another office's entry is "not found" (Http404)."""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from organization.scoping import scope_for
from reception.models import (
    DeveloperRepairSlip,
    HelpRegisterArchive,
    LostItem,
    MajorIncident,
    ReceptionNote,
    RegisterEvent,
)
from reception.services import REGISTER_OF


def _scoped(model, user) -> QuerySet:
    scope = scope_for(user)
    qs = model.objects.all()
    if scope.everything:
        return qs
    if scope.is_resident:  # registers are staff records, never shown to residents
        return qs.none()
    return qs.filter(office_id__in=scope.office_ids)


def _get(qs: QuerySet, pk):
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@dataclass(frozen=True)
class RegisterFilters:
    """One filter definition for a register's page and its Excel export."""

    office_id: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    state: str = ""  # "open" / "closed"; for slips also "overdue"
    kind: str = ""
    query: str = ""


def _period(qs, field: str, filters: RegisterFilters):
    if filters.office_id:
        qs = qs.filter(office_id=filters.office_id)
    if filters.date_from:
        qs = qs.filter(**{f"{field}__date__gte": filters.date_from})
    if filters.date_to:
        qs = qs.filter(**{f"{field}__date__lte": filters.date_to})
    return qs


# --- 失物招领登记表 ------------------------------------------------------------------------------


def lost_item_list(*, user, filters: RegisterFilters) -> QuerySet[LostItem]:
    qs = _period(_scoped(LostItem, user), "found_at", filters)
    if filters.state == "open":
        qs = qs.filter(claimed_at__isnull=True)
    elif filters.state == "closed":
        qs = qs.filter(claimed_at__isnull=False)
    if filters.query:
        qs = qs.filter(
            Q(description__icontains=filters.query)
            | Q(found_place__icontains=filters.query)
            | Q(claimant_name__icontains=filters.query)
        )
    return qs.select_related("office", "registered_by__staff", "handled_by__staff").order_by(
        "-found_at", "-id"
    )


def lost_item_get(*, user, pk) -> LostItem:
    return _get(_scoped(LostItem, user).select_related("office"), pk)


# --- 重大(突发)事件处理记录表 ------------------------------------------------------------------


def incident_list(*, user, filters: RegisterFilters) -> QuerySet[MajorIncident]:
    qs = _period(_scoped(MajorIncident, user), "occurred_at", filters)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.state == "open":
        qs = qs.filter(closed_at__isnull=True)
    elif filters.state == "closed":
        qs = qs.filter(closed_at__isnull=False)
    return qs.select_related("office", "recorded_by__staff", "service_request").order_by(
        "-occurred_at", "-id"
    )


def incident_get(*, user, pk) -> MajorIncident:
    return _get(
        _scoped(MajorIncident, user).select_related("office", "service_request", "recorded_by"),
        pk,
    )


# --- 物业返修联系单 -------------------------------------------------------------------------------


def slip_overdue_q(now: datetime.datetime) -> Q:
    """Not sent by its send time, or sent and unanswered past its chase time."""
    unsent = Q(sent_at__isnull=True, send_due_at__lt=now)
    unanswered = Q(sent_at__isnull=False, answered_at__isnull=True, next_chase_at__lt=now)
    return Q(closed_at__isnull=True) & (unsent | unanswered)


def slip_list(*, user, filters: RegisterFilters, now=None) -> QuerySet[DeveloperRepairSlip]:
    now = now or timezone.now()
    qs = _period(_scoped(DeveloperRepairSlip, user), "created_at", filters)
    if filters.state == "overdue":
        qs = qs.filter(slip_overdue_q(now))
    elif filters.state == "open":
        qs = qs.filter(closed_at__isnull=True)
    elif filters.state == "closed":
        qs = qs.filter(closed_at__isnull=False)
    return qs.select_related(
        "office", "developer", "household__unit__building", "service_request", "created_by__staff"
    ).order_by("-created_at", "-id")


def slip_get(*, user, pk) -> DeveloperRepairSlip:
    return _get(
        _scoped(DeveloperRepairSlip, user).select_related(
            "office", "developer", "household__unit__building", "service_request", "policy_version"
        ),
        pk,
    )


def slip_is_overdue(slip: DeveloperRepairSlip, now: datetime.datetime) -> bool:
    if slip.closed_at is not None:
        return False
    if slip.sent_at is None:
        return slip.send_due_at < now
    return slip.answered_at is None and slip.next_chase_at is not None and slip.next_chase_at < now


# --- 表扬与建议 ---------------------------------------------------------------------------------


def note_list(*, user, filters: RegisterFilters) -> QuerySet[ReceptionNote]:
    qs = _period(_scoped(ReceptionNote, user), "received_at", filters)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.state == "open":
        qs = qs.filter(closed_at__isnull=True)
    elif filters.state == "closed":
        qs = qs.filter(closed_at__isnull=False)
    return qs.select_related("office", "staff_praised", "forwarded_to__staff").order_by(
        "-received_at", "-id"
    )


def note_get(*, user, pk) -> ReceptionNote:
    return _get(
        _scoped(ReceptionNote, user).select_related(
            "office", "staff_praised", "forwarded_to__staff", "verified_by__staff", "household"
        ),
        pk,
    )


# --- Timeline -----------------------------------------------------------------------------------


def register_events(obj) -> QuerySet[RegisterEvent]:
    return RegisterEvent.objects.filter(
        register=REGISTER_OF[obj.__class__], object_id=obj.pk
    ).select_related("actor__staff")


# --- 住户求助登记表 (the help register) ---------------------------------------------------------


def help_register(*, user, filters, office) -> QuerySet:
    """One office's help register for a period: service_requests' one filter definition with
    queue="all", in the order received, with what every column shows — one query for the rows
    and one for their deadlines (是否及时)."""
    from dataclasses import replace

    from service_requests.selectors import request_list

    return (
        request_list(user=user, filters=replace(filters, queue="all"))
        .filter(office=office)
        .select_related("entered_by__staff", "assignee__staff", "referred_to")
        .prefetch_related("deadlines")
        .order_by("received_at", "id")
    )


# --- 住户求助登记表归档 (the yearly archive) -----------------------------------------------------


def year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """Local midnight of 1 January and of the next 1 January: a range on received_at, so the
    index sr_register (office, received_at) serves it."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime(year, 1, 1, tzinfo=tz)
    return start, datetime.datetime(year + 1, 1, 1, tzinfo=tz)


def help_register_year(*, office, year: int) -> QuerySet:
    """Every request the office received in the year, in register order, with what the
    register's columns and the JSON archive read. Not scoped: the archive service has checked
    the actor's authority and office before it reads."""
    from service_requests.models import ServiceRequest

    start, end = year_bounds(year)
    return (
        ServiceRequest.objects.filter(office=office, received_at__gte=start, received_at__lt=end)
        .select_related(
            "household__unit__building__estate",
            "assigned_department",
            "assignee__staff",
            "entered_by__staff",
            "referred_to",
        )
        .order_by("received_at", "id")
    )


def help_register_year_open(*, office, year: int) -> QuerySet:
    """The year's requests not yet closed, referred or cancelled (they block the archive)."""
    from service_requests.choices import OPEN_STATUSES

    start, end = year_bounds(year)
    from service_requests.models import ServiceRequest

    return ServiceRequest.objects.filter(
        office=office, received_at__gte=start, received_at__lt=end, status__in=OPEN_STATUSES
    ).order_by("received_at", "id")


def help_register_archive_list(*, user, office_id: int | None = None) -> QuerySet:
    qs = _scoped(HelpRegisterArchive, user)
    if office_id:
        qs = qs.filter(office_id=office_id)
    return qs.select_related("office", "archived_by__staff").order_by("-year", "office__name")


def help_register_archive_get(*, user, pk) -> HelpRegisterArchive:
    return _get(_scoped(HelpRegisterArchive, user).select_related("office"), pk)


def help_register_archive_find(*, office, year: int) -> HelpRegisterArchive | None:
    return HelpRegisterArchive.objects.filter(office=office, year=year).first()
