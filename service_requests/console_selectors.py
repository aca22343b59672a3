"""Reads only the console needs: who's who on a detail page, the dispatch and referral targets,
and what the next deadline means (SOP.md §2 时限 and escalation). Scoped like selectors.py."""

import datetime
from dataclasses import dataclass

from django.db.models import Q

from organization.choices import EXTERNAL_DEPARTMENT_KINDS
from organization.models import Department, Staff
from organization.selectors import department_list, staff_list
from policies.selectors import policy_version_get
from service_requests.models import Deadline, ServiceRequest
from service_requests.selectors import RequestFilters, deadline_state, request_list


def staff_names(user_ids) -> dict[int, str]:
    """Staff names by user id, in one query (a timeline names many people)."""
    ids = {pk for pk in user_ids if pk is not None}
    if not ids:
        return {}
    return dict(Staff.objects.filter(user_id__in=ids).values_list("user_id", "name"))


def dispatch_departments(*, user, request: ServiceRequest) -> list[Department]:
    """The request's office's own active departments (and company-wide own ones): not outside
    parties, which are a referral (严禁推诿)."""
    return list(
        department_list(user=user)
        .filter(is_active=True, company_id=request.office.company_id)
        .filter(Q(office_id=request.office_id) | Q(office__isnull=True))
        .exclude(kind__in=EXTERNAL_DEPARTMENT_KINDS)
        .order_by("kind", "name")
    )


def dispatch_assignees(*, user, request: ServiceRequest) -> list[Staff]:
    return list(
        staff_list(user=user)
        .filter(offices=request.office_id, user__is_active=True)
        .exclude(department__isnull=True)
    )


def referral_parties(*, user, request: ServiceRequest) -> list[Department]:
    return list(
        department_list(user=user)
        .filter(is_active=True, kind__in=EXTERNAL_DEPARTMENT_KINDS)
        .filter(company_id=request.office.company_id)
        .order_by("kind", "name")
    )


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


def deadline_rows(request: ServiceRequest, now: datetime.datetime) -> list[DeadlineRow]:
    return [DeadlineRow(d, deadline_state(d, now)) for d in request.deadlines.all()]


def next_deadline(request: ServiceRequest, now: datetime.datetime) -> NextDeadline | None:
    open_deadlines = [d for d in request.deadlines.all() if d.is_open]
    if not open_deadlines:
        return None
    deadline = min(open_deadlines, key=lambda d: d.due_at)
    policy = policy_version_get(request.policy_version_id)
    roles = policy.value("request.escalation_roles")
    return NextDeadline(
        deadline=deadline,
        state=deadline_state(deadline, now),
        escalation_roles=roles.display,
        escalation_interval=str(policy.duration("request.escalation_interval")),
        escalation_clause=roles.rule.clause,
    )


def queue_list(*, user, filters: RequestFilters, now: datetime.datetime):
    """selectors.request_list, except that "本部门" is empty for a user without a department.

    request_list filters `assigned_department_id=None` then, which Django reads as IS NULL:
    every undispatched request would show as "my department's". Remove this wrapper once
    request_list handles it.
    """
    qs = request_list(user=user, filters=filters, now=now)
    if filters.queue == "my_department":
        staff = getattr(user, "staff", None)
        if staff is None or staff.department_id is None:
            return qs.none()
    return qs
