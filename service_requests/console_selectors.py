"""Reads only the console needs: who's who on a detail page, the dispatch and referral targets,
and what the next deadline means (SOP.md §2 时限 and escalation). Scoped like selectors.py."""

import dataclasses
import datetime
import hashlib
from dataclasses import dataclass
from types import MappingProxyType

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.signals import post_delete, post_save
from django.http import Http404
from django.utils.translation import get_language

from core import caching
from core.compiled import compiled_list
from estates.selectors import building_list
from organization.choices import EXTERNAL_DEPARTMENT_KINDS
from organization.models import Department, Staff
from organization.scoping import scope_for, staff_card
from organization.selectors import department_list, staff_list
from policies.selectors import policy_of
from service_requests.choices import OPEN_STATUSES
from service_requests.deadlines import escalation_ladder
from service_requests.models import Deadline, RequestEvent, ServiceRequest
from service_requests.queue_rows import ROW_COLUMNS
from service_requests.selectors import (
    RequestFilters,
    deadline_state,
    request_list,
)

# Kinds of cache entries (core/caching.py): an office's choices, and the queue counts.
CHOICES = "console-choices"
QUEUE_COUNTS = "queue-counts"


# The joined rows' columns the page reads (all of the request's own): building the SQL for every
# column of seven tables cost more CPU than the rest of the query (issue #3, detail page).
# A column left out here would cost one query more, which the query-count tests catch.
REQUEST_PAGE_FIELDS = (
    *(field.name for field in ServiceRequest._meta.concrete_fields),
    "household__id",
    "household__unit__id",
    "household__unit__entrance",
    "household__unit__room_number",
    "household__unit__building__id",
    "household__unit__building__number",
    "household__unit__building__name",
    "household__unit__building__estate__id",
    "household__unit__building__estate__name",
    "office__id",
    "office__company_id",
    "office__name",
    "assigned_department__id",
    "assigned_department__name",
    "referred_to__id",
    "referred_to__name",
    "referred_to__phone",
    "policy_version__id",
    "policy_version__number",
    "policy_version__rules",
    "policy_version__office_id",
)


def _request_page_query(pk, offices=None, household=None):
    """The request page's query (request_queryset's scope, spelled out for core.compiled)."""
    qs = ServiceRequest.objects.all()
    if offices is not None:
        qs = qs.filter(office_id__in=offices)
    if household is not None:
        qs = qs.filter(household_id=household)
    return (
        qs.filter(pk=pk)
        .select_related(
            "household__unit__building__estate",
            "office",
            "assigned_department",
            "referred_to",
            "policy_version",
        )
        .only(*REQUEST_PAGE_FIELDS)
    )


def request_page_get(*, user, pk) -> ServiceRequest:
    """selectors.request_get for the request's page: the same scope and "not found", but no
    user rows — the page names people through staff_names (one query for all of them). The
    SQL is built once per process (core.compiled)."""
    try:
        values = {"pk": int(pk)}
    except (ValueError, TypeError):
        raise Http404 from None
    scope = scope_for(user)
    if not scope.everything:
        if scope.is_resident:
            if scope.household_id is None:
                raise Http404
            values["household"] = scope.household_id
        else:
            values["offices"] = tuple(sorted(scope.office_ids))
    found = compiled_list("request-page", _request_page_query, **values)
    if not found:
        raise Http404
    return found[0]


# A request's deadlines and timeline, read with one plain query each: Django's prefetch
# machinery cost more CPU than the two queries themselves (issue #3, detail page).


def request_deadlines(request: ServiceRequest) -> list[Deadline]:
    return compiled_list(
        "request-deadlines",
        lambda pk: Deadline.objects.filter(request_id=pk).order_by("due_at", "round"),
        pk=request.pk,
    )


def request_events(request: ServiceRequest) -> list[RequestEvent]:
    return compiled_list(
        "request-events",
        lambda pk: RequestEvent.objects.filter(request_id=pk).order_by("at", "id"),
        pk=request.pk,
    )


def staff_names(user_ids) -> dict[int, str]:
    """Staff names by user id, in one query (a timeline names many people)."""
    ids = {pk for pk in user_ids if pk is not None}
    if not ids:
        return {}
    return dict(Staff.objects.filter(user_id__in=ids).values_list("user_id", "name"))


def people_names(user, user_ids) -> dict[int, str]:
    """staff_names, read from the cached names of the user's offices' staff first: a
    request's timeline names that office's people, so most pages need no query."""
    wanted = {pk for pk in user_ids if pk is not None}
    known = queue_choices(user=user).staff_names
    names = {pk: known[pk] for pk in wanted if pk in known}
    missing = wanted - names.keys()
    if missing:  # someone from another office, or a staff record added since
        names.update(staff_names(missing))
    return names


def _scope_key(user) -> str:
    scope = scope_for(user)
    if scope.everything:
        return "all"
    return ",".join(str(pk) for pk in sorted(scope.office_ids)) or "none"


def _choices(user, name: str, compute, fresh: bool = False, immutable: bool = False):
    """A list of choices of the user's offices, cached for CONSOLE_CHOICES_CACHE_SECONDS.
    `fresh` for a write: a service must check the objects as they are now. `immutable`: the
    value is shared as it is (core.caching.cached_value), not copied for every reader."""
    if fresh:
        return compute()
    key = f"{name}:{_scope_key(user)}:{get_language()}"
    store = caching.cached_value if immutable else caching.cached
    return store(CHOICES, key, "CONSOLE_CHOICES_CACHE_SECONDS", compute)


def dispatch_departments(*, user, request: ServiceRequest, fresh=False) -> list[Department]:
    """The request's office's own active departments (and company-wide own ones): not outside
    parties, which are a referral (严禁推诿)."""
    return _choices(
        user,
        f"dispatch-departments:{request.office_id}",
        lambda: list(
            department_list(user=user)
            .filter(is_active=True, company_id=request.office.company_id)
            .filter(Q(office_id=request.office_id) | Q(office__isnull=True))
            .exclude(kind__in=EXTERNAL_DEPARTMENT_KINDS)
            .select_related(None)
            .order_by("kind", "name")
        ),
        fresh,
    )


def dispatch_assignees(*, user, request: ServiceRequest, fresh=False) -> list[Staff]:
    return _choices(
        user,
        f"dispatch-assignees:{request.office_id}",
        lambda: list(
            staff_list(user=user)
            .filter(offices=request.office_id, user__is_active=True)
            .exclude(department__isnull=True)
            .select_related(None)
            .select_related("user", "department")
            .prefetch_related(None)
        ),
        fresh,
    )


def referral_parties(*, user, request: ServiceRequest, fresh=False) -> list[Department]:
    return _choices(
        user,
        f"referral-parties:{request.office.company_id}",
        lambda: list(
            department_list(user=user)
            .filter(is_active=True, kind__in=EXTERNAL_DEPARTMENT_KINDS)
            .filter(company_id=request.office.company_id)
            .select_related(None)
            .order_by("kind", "name")
        ),
        fresh,
    )


@dataclass(frozen=True)
class QueueChoices:
    """The queue filter's choices as (value, label) pairs, and staff names by user id. Shared
    by every page of the process that reads it (read-only: tuples and a read-only mapping),
    read on every queue and request page (issue #3: unpickling a copy per page cost 4 % of a
    queue page)."""

    buildings: tuple
    staff: tuple
    departments: tuple
    staff_names: MappingProxyType


def queue_choices(*, user) -> QueueChoices:
    def compute():
        staff = tuple(staff_list(user=user).prefetch_related(None).values_list("user_id", "name"))
        return QueueChoices(
            buildings=tuple(
                (b.pk, f"{b.estate.name} {b.display_name}") for b in building_list(user=user)
            ),
            staff=staff,
            departments=tuple(
                (d.pk, d.name)
                for d in department_list(user=user).filter(is_active=True)
                if not d.is_external
            ),
            staff_names=MappingProxyType(dict(staff)),
        )

    return _choices(user, "queue", compute, immutable=True)


def choices_key(user) -> str:
    """Part of the key of anything rendered from the user's offices' choices (the queue's
    filter form): changes when the choices may have."""
    return f"{caching.stamp(CHOICES)}:{_scope_key(user)}"


def _invalidate_choices(sender, **kwargs):
    caching.bump(CHOICES)


for _model in (
    "estates.Estate",
    "estates.Building",
    "organization.Department",
    "organization.Staff",
    "organization.ManagementOffice",
    "auth.User",
):
    post_save.connect(_invalidate_choices, sender=_model, dispatch_uid=f"choices-save-{_model}")
    post_delete.connect(_invalidate_choices, sender=_model, dispatch_uid=f"choices-del-{_model}")


@dataclass(frozen=True)
class DeadlineRow:
    deadline: Deadline
    state: str


@dataclass(frozen=True)
class NextDeadline:
    """The earliest open deadline and what happens when it passes."""

    deadline: Deadline
    state: str
    escalation_roles: str  # "客服主管 → 管理处经理"
    escalation_interval: str
    escalation_clause: str


def deadline_rows(deadlines: list[Deadline], now: datetime.datetime) -> list[DeadlineRow]:
    return [DeadlineRow(d, deadline_state(d, now)) for d in deadlines]


def next_deadline(
    request: ServiceRequest, deadlines: list[Deadline], now: datetime.datetime
) -> NextDeadline | None:
    open_deadlines = [d for d in deadlines if d.is_open]
    if not open_deadlines:
        return None
    deadline = min(open_deadlines, key=lambda d: d.due_at)
    policy = policy_of(request)  # joined by request_page_get
    roles = escalation_ladder(policy, deadline.kind)
    return NextDeadline(
        deadline=deadline,
        state=deadline_state(deadline, now),
        escalation_roles=roles.display,
        escalation_interval=str(policy.duration("request.escalation_interval")),
        escalation_clause=roles.rule.clause,
    )


# What a queue row shows; nothing else is read (request_list's joins are for every reader).


def queue_list(*, user, filters: RequestFilters, now: datetime.datetime):
    """selectors.request_list as tuples of the columns a queue row shows
    (queue_rows.ROW_COLUMNS): no model instances for a page read all day."""
    # Which limit the row's deadline is (首次答复, 维修完成…): the earliest open one, read for
    # the page's rows only (one index probe each).
    nearest_open = Deadline.objects.filter(
        request_id=OuterRef("pk"), met_at__isnull=True, cancelled_at__isnull=True
    ).order_by("due_at", "id")
    return (
        request_list(user=user, filters=filters, now=now)
        .annotate(next_deadline_kind=Subquery(nearest_open.values("kind")[:1]))
        .values_list(*ROW_COLUMNS)
    )


def queue_page(
    *, user, filters: RequestFilters, now: datetime.datetime, offset: int, limit: int
) -> list[tuple]:
    """One page of queue_list. Its SQL is built once per process for the user, the filters
    and the page (core.compiled); only the time (the overdue tab's "now") changes."""
    card = staff_card(user)
    key = (
        "queue-page",
        _scope_key(user),
        user.pk,
        card.department_id if card else None,
        filters,
        offset,
        limit,
    )
    return compiled_list(
        key,
        lambda now: queue_list(user=user, filters=filters, now=now)[offset : offset + limit],
        now=now,
    )


def queue_counts(
    *, user, filters: RequestFilters, tabs, now: datetime.datetime
) -> MappingProxyType:
    """Every tab's count in one query, cached for QUEUE_COUNTS_CACHE_SECONDS per user and
    filters (a change made in this process shows at once). Each tab counts what request_list
    lists for it."""
    card = staff_card(user)
    department_id = card.department_id if card else None
    open_ = Q(status__in=OPEN_STATUSES)
    conditions = {
        "mine": open_ & Q(assignee_id=user.pk),
        "my_department": open_ & Q(assigned_department_id=department_id)
        if department_id is not None
        else None,
        "all_open": open_,
        "overdue": open_ & Q(next_deadline_at__lt=now),
        "all": Q(),
    }

    def compute():
        aggregates = {
            name: Count("pk", filter=conditions[name]) if conditions[name] else Count("pk")
            for name in tabs
            if conditions.get(name) is not None
        }
        qs = request_list(user=user, filters=dataclasses.replace(filters, queue="all"), now=now)
        counts = qs.order_by().aggregate(**aggregates)
        return MappingProxyType({name: counts.get(name, 0) for name in tabs})

    filter_key = hashlib.sha1(repr(dataclasses.replace(filters, queue="")).encode()).hexdigest()
    key = f"{_scope_key(user)}:{user.pk}:{department_id}:{filter_key}"
    return caching.cached_value(QUEUE_COUNTS, key, "QUEUE_COUNTS_CACHE_SECONDS", compute)


def _invalidate_counts(sender, **kwargs):
    caching.bump(QUEUE_COUNTS)


post_save.connect(_invalidate_counts, sender=ServiceRequest, dispatch_uid="queue-counts-save")
post_delete.connect(_invalidate_counts, sender=ServiceRequest, dispatch_uid="queue-counts-del")
