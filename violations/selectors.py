"""Reads of violation cases shared by the console pages, the exports and the archive command.
Every selector starts from the user's scope; another office's case is "not found" (Http404);
residents never see the register (it is a staff record)."""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from organization.scoping import scope_for
from policies.selectors import policy_for_office
from violations.authority import may_decide, signing_roles
from violations.choices import (
    NEEDS_NOTICE_FIRST,
    PERSUASION_MEASURES,
    Measure,
    Severity,
    ladder_for,
)
from violations.models import (
    CaseEvent,
    CaseMeasure,
    CasePhoto,
    CoordinationSlip,
    CovenantClause,
    ViolationCase,
    ViolationNotice,
)


def _scoped(model, user, office_path="office_id") -> QuerySet:
    scope = scope_for(user)
    qs = model.objects.all()
    if scope.everything:
        return qs
    if scope.is_resident:
        return qs.none()
    return qs.filter(**{f"{office_path}__in": scope.office_ids})


def case_queryset(*, user) -> QuerySet[ViolationCase]:
    return _scoped(ViolationCase, user)


@dataclass(frozen=True)
class CaseFilters:
    """One filter definition for the list page and its Excel export."""

    office_id: int | None = None
    status: str = ""
    severity: str = ""
    kind: str = ""
    building_id: int | None = None
    query: str = ""
    archived: bool = False


def case_list(*, user, filters: CaseFilters = CaseFilters()) -> QuerySet[ViolationCase]:
    qs = case_queryset(user=user).filter(archived_at__isnull=not filters.archived)
    if filters.office_id:
        qs = qs.filter(office_id=filters.office_id)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.severity:
        qs = qs.filter(severity=filters.severity)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.building_id:
        qs = qs.filter(household__unit__building_id=filters.building_id)
    if filters.query:
        q = filters.query
        qs = qs.filter(
            Q(description__contains=q)
            | Q(place__contains=q)
            | Q(household__unit__room_number=q)
            | Q(reported_by__contains=q)
        )
    last = CaseMeasure.objects.order_by("-decided_at", "-id")
    return qs.select_related("household__unit__building__estate", "office").prefetch_related(
        Prefetch("measures", queryset=last, to_attr="measures_newest_first")
    )


def case_get(*, user, pk) -> ViolationCase:
    try:
        return (
            case_queryset(user=user)
            .select_related(
                "household__unit__building__estate",
                "office",
                "registered_by__staff",
                "closed_by__staff",
            )
            .get(pk=pk)
        )
    except (ViolationCase.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _get(qs, pk):
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def notice_get(*, user, pk) -> ViolationNotice:
    return _get(
        _scoped(ViolationNotice, user, "case__office_id").select_related(
            "case__office", "issued_by__staff"
        ),
        pk,
    )


def measure_get(*, user, pk) -> CaseMeasure:
    return _get(_scoped(CaseMeasure, user, "case__office_id").select_related("case"), pk)


def photo_get(*, user, case_pk, pk) -> CasePhoto:
    return _get(_scoped(CasePhoto, user, "case__office_id").filter(case_id=case_pk), pk)


def covenant_list(*, user) -> QuerySet[CovenantClause]:
    return _scoped(CovenantClause, user).select_related("estate", "recorded_by__staff")


def slip_register(*, user, office_id=None) -> QuerySet[CoordinationSlip]:
    qs = _scoped(CoordinationSlip, user).select_related(
        "case__household__unit__building", "issued_by__staff"
    )
    return qs.filter(office_id=office_id) if office_id else qs


# --- Where the case stands on the ladder ---------------------------------------------------------


@dataclass(frozen=True)
class Rung:
    kind: str
    label: str
    done: bool
    current: bool
    signed_by: str  # the roles whose signature it needs ("" for persuasion)


def case_timeline(case) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case).select_related("actor__staff"))


def ladder(case, measures, policy=None) -> list[Rung]:
    """The case's ladder: each rung done or not, the highest one reached marked current."""
    from violations.authority import role_labels

    policy = policy or policy_for_office(case.office)
    steps = ladder_for(case.kind)
    taken = {m.kind for m in measures}
    reached = max((steps.index(k) for k in taken if k in steps), default=-1)
    return [
        Rung(
            kind=k,
            label=str(Measure(k).label),
            done=k in taken,
            current=i == reached,
            signed_by=""
            if k in PERSUASION_MEASURES
            else role_labels(signing_roles(policy, case, k)),
        )
        for i, k in enumerate(steps)
    ]


def next_step(case, measures, policy=None) -> str:
    """What the next rung requires, in one sentence for the case page."""
    from django.utils.translation import gettext as _

    if not case.is_open:
        return ""
    if case.followup_due:
        return _("处罚已执行:请主动与住户沟通、缓和关系,并记录(000 篇8 §4.5.7)")
    if any(m.cut_in_force for m in measures):
        return _("停水停电中:问题解决后须及时恢复供应,恢复前不能结案")
    steps = ladder_for(case.kind)
    taken = {m.kind for m in measures}
    reached = max((steps.index(k) for k in taken if k in steps), default=-1)
    if reached + 1 >= len(steps):
        return _("已到最后一步:结案或等待仲裁、诉讼结果")
    following = steps[reached + 1]
    policy = policy or policy_for_office(case.office)
    from violations.authority import role_labels

    text = _("下一步:%(measure)s") % {"measure": Measure(following).label}
    if following not in PERSUASION_MEASURES:
        text += _(",须经%(roles)s签署") % {
            "roles": role_labels(signing_roles(policy, case, following))
        }
    if following in NEEDS_NOTICE_FIRST:
        text += _(";须《业主公约》有约定、提前%(notice)s书面通知、停前%(visit)s再次登门告知") % {
            "notice": policy.duration("violations.utility_cut_notice"),
            "visit": policy.duration("violations.utility_cut_visit"),
        }
    if following in (Measure.PUBLIC_CRITICISM, Measure.COMMITTEE_NOTICE):
        text += _(";须先记录业主委员会的支持")
    return text


def measures_offered(user, case, policy=None) -> list[tuple[str, str]]:
    """The measures this user may record on this case (the console offers only these)."""
    if not case.is_open or not user.has_perm("violations.view_violationcase"):
        return []
    policy = policy or policy_for_office(case.office)
    offered = []
    for kind in ladder_for(case.kind):
        if kind in PERSUASION_MEASURES:
            if user.has_perm("violations.change_violationcase"):
                offered.append((kind, Measure(kind).label))
        elif may_decide(user, case, kind, policy):
            offered.append((kind, Measure(kind).label))
    return offered


# --- Statistics ----------------------------------------------------------------------------------


def statistics(*, user, office_id=None, date_from=None, date_to=None) -> dict:
    qs = case_queryset(user=user)
    if office_id:
        qs = qs.filter(office_id=office_id)
    if date_from:
        qs = qs.filter(occurred_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(occurred_at__date__lte=date_to)
    by_kind = list(qs.values("kind").annotate(n=Count("id")).order_by("-n", "kind"))
    by_building = list(
        qs.values("household__unit__building__estate__name", "household__unit__building__number")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    by_outcome = list(qs.values("status", "outcome").annotate(n=Count("id")).order_by("-n"))
    by_severity = list(qs.values("severity").annotate(n=Count("id")).order_by("severity"))
    # The highest rung each case reached (one query over the measures).
    reached: dict[int, str] = {}
    for case_id, kind, case_kind in CaseMeasure.objects.filter(case__in=qs).values_list(
        "case_id", "kind", "case__kind"
    ):
        steps = ladder_for(case_kind)
        if case_id not in reached or steps.index(kind) > steps.index(reached[case_id]):
            reached[case_id] = kind
    by_step: dict[str, int] = {}
    for kind in reached.values():
        by_step[kind] = by_step.get(kind, 0) + 1
    no_step = qs.count() - len(reached)
    repeat = list(
        qs.values(
            "household_id",
            "household__unit__building__number",
            "household__unit__room_number",
            "household__unit__entrance",
        )
        .annotate(n=Count("id"))
        .filter(n__gte=2)
        .order_by("-n")[:50]
    )
    return {
        "total": qs.count(),
        "by_kind": by_kind,
        "by_building": by_building,
        "by_outcome": by_outcome,
        "by_severity": by_severity,
        "by_step": sorted(by_step.items(), key=lambda kv: -kv[1]),
        "no_step": no_step,
        "repeat": repeat,
        "major": Severity.MAJOR,
    }
