"""Every read of duty and handover, limited to the user's scope (organization.scoping)."""

import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from duty.choices import EntryKind
from duty.models import Handover, LogEntry, Roster, RosterChange, Shift
from organization.models import Staff
from organization.scoping import scope_for
from policies.selectors import policy_for_office


def _scoped(qs: QuerySet, user, path: str = "office_id") -> QuerySet:
    scope = scope_for(user)
    if scope.everything:
        return qs
    if scope.is_resident:
        return qs.none()
    return qs.filter(**{f"{path}__in": scope.office_ids})


def log_list(*, user, office) -> QuerySet[LogEntry]:
    """The office's log, newest first, with everything a list row shows (no N+1)."""
    return _scoped(LogEntry.objects.filter(office=office), user).select_related(
        "author__staff", "shift", "corrects", "service_request", "household__unit__building"
    )


def log_entry_get(*, user, pk: int) -> LogEntry:
    entry = _scoped(LogEntry.objects.all(), user).filter(pk=pk).first()
    if entry is None:
        raise Http404
    return entry


def roster_for_month(*, user, office, month: datetime.date) -> Roster | None:
    return _scoped(Roster.objects.filter(office=office, month=month.replace(day=1)), user).first()


def roster_shifts(roster: Roster) -> QuerySet[Shift]:
    return roster.shifts.select_related("assignee__staff").order_by("date")


def shift_get(*, user, pk: int) -> Shift:
    shift = _scoped(Shift.objects.select_related("roster", "office"), user).filter(pk=pk).first()
    if shift is None:
        raise Http404
    return shift


def roster_changes(*, user, office) -> QuerySet[RosterChange]:
    return _scoped(RosterChange.objects.filter(office=office), user).select_related(
        "shift", "swap_with", "requested_by__staff", "replacement__staff", "decided_by__staff"
    )


def change_get(*, user, pk: int) -> RosterChange:
    change = _scoped(RosterChange.objects.select_related("shift"), user).filter(pk=pk).first()
    if change is None:
        raise Http404
    return change


def office_staff(office) -> QuerySet:
    """Active staff accounts of the office (assignment and replacement choices)."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(staff__offices=office, is_active=True)
        .select_related("staff")
        .order_by("staff__name")
        .distinct()
    )


def after_hours_contacts(office) -> QuerySet[Staff]:
    """Managers and supervisors who keep their phones on after hours (000 篇2 §4.1.7)."""
    return (
        Staff.objects.filter(offices=office, reachable_after_hours=True, user__is_active=True)
        .prefetch_related("roles")
        .order_by("name")
    )


def current_shift(office, now: datetime.datetime) -> Shift | None:
    return (
        Shift.objects.filter(office=office, starts_at__lte=now, ends_at__gt=now)
        .select_related("assignee__staff")
        .first()
    )


def _unsigned(office, now: datetime.datetime) -> QuerySet[Shift]:
    signed = LogEntry.objects.filter(shift=OuterRef("pk"), kind=EntryKind.SIGNATURE)
    return Shift.objects.filter(office=office, ends_at__lte=now).filter(~Exists(signed))


def my_shifts(*, user, office, now: datetime.datetime) -> QuerySet[Shift]:
    """The user's shifts from the one now running, for the next 40 days."""
    return Shift.objects.filter(
        office=office,
        assignee=user,
        ends_at__gt=now,
        starts_at__lt=now + datetime.timedelta(days=40),
    ).select_related("handover")


def unsigned_shift_count(office, now: datetime.datetime) -> int:
    """For the worker (the system sees every office)."""
    return _unsigned(office, now).count()


def unsigned_shifts(*, user, office, now: datetime.datetime) -> QuerySet[Shift]:
    """Finished shifts whose log the supervisor has not signed yet (000 篇2 §4.3)."""
    return (
        _scoped(_unsigned(office, now), user)
        .annotate(
            entry_count=Count("log_entries", filter=~Q(log_entries__kind=EntryKind.SIGNATURE)),
        )
        .select_related("assignee__staff")
        .order_by("starts_at")
    )


def roster_missing_warning(office, today: datetime.date) -> str | None:
    """From the policy's day of the month, warn while next month's roster is unpublished
    (000 篇2 §4.1.1: 每月底前编制完成下月值班安排表)."""
    warn_day = policy_for_office(office).integer("duty.roster_warn_day")
    if today.day < warn_day:
        return None
    next_month = (today.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    published = Roster.objects.filter(
        office=office, month=next_month, published_at__isnull=False
    ).exists()
    if published:
        return None
    return _("%(office)s %(month)s的值班安排表尚未发布,须在本月底前发布。") % {
        "office": office.name,
        "month": f"{next_month:%Y-%m}",
    }


def handover_get(*, user, pk: int) -> Handover:
    handover = (
        _scoped(Handover.objects.all(), user)
        .select_related(
            "incoming_shift__office",
            "outgoing_shift",
            "incoming__staff",
            "outgoing__staff",
            "exception_by__staff",
            "post",
        )
        .filter(pk=pk)
        .first()
    )
    if handover is None:
        raise Http404
    return handover


def handover_list(*, user, office) -> QuerySet[Handover]:
    return _scoped(Handover.objects.filter(office=office), user).select_related(
        "incoming_shift", "incoming__staff", "outgoing__staff"
    )


def missed_call_report(*, user, office, date_from: datetime.date, date_to: datetime.date):
    """Calls not answered within the policy's rings, per officer, in a period (000 篇2 §4.1.5)."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(date_from, datetime.time(), tzinfo=tz)
    end = datetime.datetime.combine(
        date_to + datetime.timedelta(days=1), datetime.time(), tzinfo=tz
    )
    entries = _scoped(
        LogEntry.objects.filter(
            office=office, kind=EntryKind.MISSED_CALL, at__gte=start, at__lt=end
        ),
        user,
    )
    rows = (
        entries.values("shift__assignee__staff__name")
        .annotate(count=Count("id"))
        .order_by("-count", "shift__assignee__staff__name")
    )
    return list(rows), entries.count()
