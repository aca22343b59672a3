"""Every change of a complaint (SOP.md §3) goes through one function here.

Each one checks scope and authority, validates against the SOP and the policy the request was
opened under, writes the complaint, its timeline event on the request (RequestEvent) and the
request's deadlines (Deadline rows with the policy key and clause) in one transaction. The
request's own lifecycle moves through service_requests.services (dispatch, resolve, confirm,
follow-up, close), so the help register, the queue and the on-time rate see complaints too; the
steps this procedure owns (complaints.hooks.COMPLAINT_STEPS) are called with `by_procedure=True`,
since the request page's versions of them refuse a request with a complaint record.
A refusal raises ApplicationError and changes nothing.
"""

import datetime
from dataclasses import dataclass, replace

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.choices import (
    ChecklistStep,
    Emergency,
    ExtensionStatus,
    Handling,
    MajorReason,
    Severity,
    ToldChannel,
    Validity,
    ValidKind,
)
from complaints.models import Complaint, ComplaintExtension, ComplaintStep
from complaints.policy import due_at
from core.authz import ObjectNotFoundError, require_office_in_scope, require_perm
from core.exceptions import ApplicationError, PermissionDeniedError
from notifications.services import notify_role
from organization.choices import DepartmentKind, role_names
from organization.models import Department, Staff
from policies.selectors import Policy, policy_version_get
from service_requests import services as request_services
from service_requests.choices import (
    WRITTEN_CHANNELS,
    Category,
    ConfirmationChannel,
    DeadlineKind,
    EventType,
    Satisfaction,
    Status,
)
from service_requests.models import Deadline, RequestEvent, ServiceRequest

CHANGE = "complaints.change_complaint"
TEXT_MAX_LENGTH = 2000  # the 返修联系单's and the violation case's text fields

# Which deadlines each severity has, with their policy keys (000 篇10 §4.3.2, §4.10).
SEVERITY_DEADLINES = {
    Severity.MAJOR: {
        DeadlineKind.COMPLAINT_HAND_OVER: "complaint.hand_over.major",
        DeadlineKind.COMPLAINT_ANSWER: "complaint.answer.major",
        DeadlineKind.COMPLAINT_RESOLVE: "complaint.resolve.major",
    },
    Severity.IMPORTANT: {
        DeadlineKind.COMPLAINT_HAND_OVER: "complaint.hand_over.important",
        DeadlineKind.COMPLAINT_RESOLVE: "complaint.resolve.important",
    },
    Severity.MINOR: {DeadlineKind.COMPLAINT_RESOLVE: "complaint.resolve.minor"},
}
SEVERITY_KINDS = {
    DeadlineKind.COMPLAINT_HAND_OVER,
    DeadlineKind.COMPLAINT_ANSWER,
    DeadlineKind.COMPLAINT_RESOLVE,
}
HAND_OVER_ROLES = {
    Severity.MAJOR: "complaint.hand_over.major_roles",
    Severity.IMPORTANT: "complaint.hand_over.important_roles",
}
EXTENSION_ROLES = {
    Severity.IMPORTANT: "complaint.extension.important_roles",
    Severity.MINOR: "complaint.extension.minor_roles",
}
FOLLOW_UP_RULES = {
    Severity.MAJOR: "complaint.follow_up.major",
    Severity.IMPORTANT: "complaint.follow_up.important",
    Severity.MINOR: "complaint.follow_up.minor",
}
TOLD_TO_CONFIRMATION = {
    ToldChannel.PHONE: ConfirmationChannel.PHONE,
    ToldChannel.VISIT: ConfirmationChannel.VISIT,
    ToldChannel.WRITTEN: ConfirmationChannel.SIGNATURE,
}


def _now(now):
    return now or timezone.now()


def _error(message: str, field: str | None = None, code: str = "invalid") -> ApplicationError:
    return ApplicationError(message, code=code, field_errors={field: [message]} if field else None)


def _policy(complaint: Complaint) -> Policy:
    return policy_version_get(complaint.request.policy_version_id)


def _lock(complaint: Complaint) -> Complaint:
    """The complaint and its request, locked for this transaction (fresh from the database)."""
    locked = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("request", "request__office")
        .get(pk=complaint.pk)
    )
    ServiceRequest.objects.select_for_update().filter(pk=locked.request_id).first()
    locked.request.refresh_from_db()
    return locked


def _check(actor, complaint: Complaint, action: str) -> None:
    """Scope first (another office's complaint is "not found"), then authority."""
    require_office_in_scope(actor, complaint.office_id)
    require_perm(actor, CHANGE, action=action)


def holds_role(actor, office_id: int, roles) -> bool:
    """Whether the actor holds one of the SOP roles in the complaint's office."""
    if actor is None or not actor.is_authenticated:
        return False
    return Staff.objects.filter(
        user=actor, roles__code__in=list(roles), offices=office_id, user__is_active=True
    ).exists()


def _event(request, type, actor, now, *, internal="", public="", data=None) -> RequestEvent:
    return RequestEvent.objects.create(
        request=request,
        type=type,
        at=now,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        status_before=request.status,
        status_after=request.status,
        internal_note=internal,
        public_note=public,
        data=data or {},
    )


# --- Deadlines on the request -------------------------------------------------------------------


def _set_deadline(request, kind: str, key: str, start, policy: Policy) -> None:
    """Open (or move, while still open and not missed) the request's deadline of this kind."""
    value = policy.value(key)
    due = due_at(value.value, start)
    existing = _current_round(request, kind)
    if existing is None:
        Deadline.objects.create(
            request=request, kind=kind, policy_key=key, clause=value.rule.clause, due_at=due
        )
    elif existing.met_at is None and existing.missed_at is None:
        Deadline.objects.filter(pk=existing.pk).update(
            policy_key=key, clause=value.rule.clause, due_at=due, cancelled_at=None
        )


def _current_round(request, kind) -> Deadline | None:
    """The latest round of the request's limit of this kind (a reopened complaint has more)."""
    return Deadline.objects.filter(request=request, kind=kind).order_by("-round").first()


def _open_round(request, kind: str, key: str, start, policy: Policy) -> Deadline:
    """The limit once more after a reopening: a new round unless the current one still runs."""
    value = policy.value(key)
    return request_services.deadline_open_round(
        request=request,
        kind=kind,
        policy_key=key,
        clause=value.rule.clause,
        due_at=due_at(value.value, start),
        now=start,
    )


def _meet(request, kinds, now) -> None:
    Deadline.objects.filter(
        request=request, kind__in=list(kinds), met_at__isnull=True, cancelled_at__isnull=True
    ).update(met_at=now, next_escalation_at=None)


def _cancel(request, kinds, now) -> None:
    """End deadlines that no longer apply; one already missed stays missed."""
    still_open = Deadline.objects.filter(
        request=request, kind__in=list(kinds), met_at__isnull=True, cancelled_at__isnull=True
    )
    still_open.filter(missed_at__isnull=True).update(cancelled_at=now, next_escalation_at=None)
    still_open.filter(missed_at__isnull=False).update(next_escalation_at=None)


def _refresh_next_deadline(request) -> None:
    nearest = (
        Deadline.objects.filter(request=request, met_at__isnull=True, cancelled_at__isnull=True)
        .order_by("due_at")
        .values_list("due_at", flat=True)
        .first()
    )
    if request.status in (Status.CLOSED, Status.REFERRED, Status.CANCELLED):
        nearest = None
    ServiceRequest.objects.filter(pk=request.pk).update(next_deadline_at=nearest)
    request.next_deadline_at = nearest


def _open_severity_deadlines(complaint: Complaint, policy: Policy, start, now) -> None:
    wanted = SEVERITY_DEADLINES.get(complaint.severity, {}) if complaint.is_valid else {}
    if complaint.validity and not complaint.is_valid:
        wanted = {DeadlineKind.COMPLAINT_RESOLVE: "complaint.invalid_answer"}
    if complaint.severity == Severity.MAJOR and not complaint.validity:
        # An emergency or a collective complaint is 重大 from reception, before judging.
        wanted = SEVERITY_DEADLINES[Severity.MAJOR]
    _cancel(complaint.request, SEVERITY_KINDS - set(wanted), now)
    for kind, key in wanted.items():
        _set_deadline(complaint.request, kind, key, start, policy)


def _notify_severity(complaint: Complaint, now) -> None:
    """报告: 重大 ones go to the manager at once, 重要 ones to the supervisor (000 篇10 §4.4)."""
    key = HAND_OVER_ROLES.get(complaint.severity)
    if key is None:
        return
    request = complaint.request
    for role in _policy(complaint).roles(key):
        notify_role(
            office=request.office,
            role_code=role,
            subject=_("%(severity)s投诉:%(number)s")
            % {
                "severity": complaint.get_severity_display(),
                "number": request.number,
            },
            body=complaint.what_happened,
            link=f"/complaints/{complaint.pk}/",
            dedupe_key=f"complaint:{complaint.pk}:severity:{complaint.severity}",
            now=now,
        )


def _change_severity(complaint, severity, reason, actor, now, *, start, note="") -> None:
    """Write a new severity with its deadlines, timeline event and notification."""
    before = complaint.severity
    if before == severity and complaint.major_reason == reason:
        return
    complaint.severity = severity
    complaint.major_reason = reason if severity == Severity.MAJOR else ""
    complaint.save(update_fields=["severity", "major_reason"])
    _open_severity_deadlines(complaint, _policy(complaint), start, now)
    _refresh_next_deadline(complaint.request)
    if before != severity:
        _event(
            complaint.request,
            EventType.COMPLAINT_SEVERITY_CHANGED,
            actor,
            now,
            internal=note,
            data={"before": before, "after": severity, "reason": complaint.major_reason},
        )
        _notify_severity(complaint, now)


def _check_downgrade(actor, complaint: Complaint, new_severity: str) -> None:
    """An automatic 重大 (collective, emergency, unresolved a month) is only lowered by the
    role the policy names (complaint.downgrade_roles)."""
    if complaint.severity != Severity.MAJOR or not complaint.major_reason:
        return
    if new_severity == Severity.MAJOR:
        return
    roles = _policy(complaint).roles("complaint.downgrade_roles")
    if not holds_role(actor, complaint.office_id, roles):
        raise PermissionDeniedError(
            _("该投诉因“%(reason)s”自动判为重大,只有%(roles)s可以降级。")
            % {"reason": complaint.get_major_reason_display(), "roles": role_names(roles)},
            code="downgrade_needs_manager",
        )


# --- Reception ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComplaintData:
    what_happened: str
    event_at: datetime.datetime | None = None
    event_place: str = ""
    complained_party: str = ""
    complained_department: Department | None = None
    resident_demand: str = ""
    apologised: bool = False
    emergency: str = ""


@transaction.atomic
def complaint_record(*, actor, request: ServiceRequest, data: ComplaintData, now=None) -> Complaint:
    """Record the complaint procedure on a category c request (000 篇10 §4.3.1): time and place,
    who or which department, what happened, what the resident asks for. Opens the 15-minute
    dispatch-slip deadline (§4.4); an emergency is 重大 at once (002 篇1 §2(6))."""
    require_office_in_scope(actor, request.office_id)
    require_perm(actor, "complaints.add_complaint", action=_("登记投诉"))
    if request.category != Category.COMPLAINT:
        raise _error(_("只有“c 投诉”类求助才能按投诉规程处理"), code="not_a_complaint")
    if Complaint.objects.filter(request=request).exists():
        raise _error(_("该求助已登记投诉"), code="already_recorded")
    errors = {}
    if not data.what_happened.strip():
        errors["what_happened"] = [_("请填写事件经过")]
    if data.emergency and data.emergency not in Emergency.values:
        errors["emergency"] = [_("突发事件类型无效")]
    dept = data.complained_department
    if dept is not None and dept.office_id not in (None, request.office_id):
        errors["complained_department"] = [_("请选择本管理处的部门")]
    now = _now(now)
    if data.event_at is not None and data.event_at > now + datetime.timedelta(minutes=1):
        errors["event_at"] = [_("事件发生时间不能晚于现在")]
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], field_errors=errors)
    complaint = Complaint.objects.create(
        request=request,
        office_id=request.office_id,
        received_at=request.received_at,
        event_at=data.event_at,
        event_place=data.event_place.strip(),
        complained_party=data.complained_party.strip(),
        complained_department=dept,
        what_happened=data.what_happened.strip(),
        resident_demand=data.resident_demand.strip(),
        apologised=data.apologised,
        emergency=data.emergency,
        recorded_by=actor,
    )
    policy = _policy(complaint)
    _set_deadline(
        request, DeadlineKind.COMPLAINT_SLIP, "complaint.slip_send", request.received_at, policy
    )
    _event(
        request,
        EventType.COMPLAINT_RECORDED,
        actor,
        now,
        data={"emergency": data.emergency, "apologised": data.apologised},
    )
    _reception_is_first_reply(actor, complaint, policy, now)
    if data.emergency:
        _change_severity(
            complaint,
            Severity.MAJOR,
            MajorReason.EMERGENCY,
            None,
            now,
            start=request.received_at,
            note=_("突发事件:%(kind)s") % {"kind": Emergency(data.emergency).label},
        )
    _refresh_next_deadline(request)
    return complaint


@transaction.atomic
def complaint_intake(
    *, actor, office, intake: request_services.IntakeData, data: ComplaintData, now=None
) -> Complaint:
    """A new complaint in one step (SOP.md §3 reception): the category c request (the help
    desk's intake, its deadlines and register line) and the complaint record, in one
    transaction — a refusal of either writes nothing."""
    request = request_services.request_intake(
        actor=actor, office=office, data=replace(intake, category=Category.COMPLAINT), now=now
    )
    return complaint_record(actor=actor, request=request, data=data, now=now)


def _reception_is_first_reply(actor, complaint: Complaint, policy: Policy, now) -> None:
    """SOP.md §3 reception (004 篇4 §4.3): the receptionist apologises for the department and
    records the complaint at once — that is the resident's first reply (SOP.md §2 快速反应), so
    the request's 5-minute first-reply limit is met by the record, not left to run until the
    result (an invalid complaint would otherwise count late in the on-time rate). Policy
    `complaint.record_is_first_reply`; a request already answered keeps its reply."""
    request = complaint.request
    if request.first_replied_at is not None or request.status != Status.RECEIVED:
        return
    if not policy.value("complaint.record_is_first_reply").value:
        return
    reply = (
        _("已代表被投诉部门向您致歉。您的投诉已记录,我们将按投诉处理规程尽快处理并答复您。")
        if complaint.apologised
        else _("您的投诉已记录,我们将按投诉处理规程尽快处理并答复您。")
    )
    request_services.request_reply(
        actor=actor, request=request, version=request.version, reply=reply, now=now
    )
    rule = policy.value("complaint.record_is_first_reply").rule
    _event(
        request,
        EventType.NOTE_ADDED,
        actor,
        now,
        internal=_("接待时当场记录投诉%(apology)s,视为首次答复(%(clause)s)")
        % {"apology": _("并致歉") if complaint.apologised else "", "clause": rule.clause},
        data={"first_reply_by_record": True, "policy_key": rule.key},
    )


@transaction.atomic
def complaint_step_done(*, actor, complaint: Complaint, code: str, note: str = "", now=None):
    """Tick one step of 五清楚一报告 (002 篇1 §1), with who and when."""
    _check(actor, complaint, _("登记五清楚一报告"))
    if code not in ChecklistStep.values:
        raise _error(_("未知的步骤"), "code")
    if complaint.steps.filter(code=code).exists():
        raise _error(_("“%(step)s”已完成") % {"step": ChecklistStep(code).label}, "code")
    now = _now(now)
    step = ComplaintStep.objects.create(
        complaint=complaint, code=code, done_at=now, done_by=actor, note=note.strip()[:200]
    )
    _event(
        complaint.request,
        EventType.COMPLAINT_STEP_DONE,
        actor,
        now,
        internal=note.strip(),
        data={"step": code},
    )
    return step


# --- Judging ------------------------------------------------------------------------------------


@transaction.atomic
def complaint_judge(
    *,
    actor,
    complaint: Complaint,
    validity: str,
    valid_kind: str = "",
    severity: str = "",
    handling: str = "",
    explanation: str = "",
    violator=None,
    violation_sub_kind: str = "",
    now=None,
) -> Complaint:
    """Judge validity (000 篇10 §4.2.1; 003 §4.3) and severity (§4.2.2–4.2.4). Invalid ones,
    coordination matters and excessive demands get a handling and an answer within 3 days;
    valid ones get the time limits of their severity.

    The hand-offs are never only a label (SOP.md §3; 003 §4.3): "转开发商" fills in a
    物业返修联系单 to the office's developer after-sales department (reception), "转住户违章处理"
    registers a violation case against `violator` (violations) — in this transaction, so a
    refusal of either leaves nothing written."""
    _check(actor, complaint, _("界定投诉"))
    complaint = _lock(complaint)
    if complaint.closed_at:
        raise _error(_("投诉已关闭"), code="invalid_transition")
    errors = {}
    if validity not in Validity.values:
        errors["validity"] = [_("请选择投诉性质")]
    elif validity == Validity.VALID:
        if valid_kind not in ValidKind.values:
            errors["valid_kind"] = [_("有效投诉须选择物业管理服务或非物业管理服务投诉")]
        if severity not in Severity.values:
            errors["severity"] = [_("有效投诉须选择级别(重大、重要、轻微)")]
    else:
        if handling not in Handling.values:
            errors["handling"] = [_("无效投诉、协办事项和过高要求须选择处理方式,不能不了了之")]
        if not explanation.strip():
            errors["explanation"] = [_("请填写向住户的解释")]
    if handling and handling not in Handling.values:
        errors["handling"] = [_("处理方式无效")]
    if handling == Handling.VIOLATION_CASE:
        if violator is None:
            errors["violator"] = [_("转住户违章处理须选择违章住户")]
        elif violator.pk == complaint.request.household_id:
            errors["violator"] = [_("违章住户不能是投诉人本户")]
        if not violation_sub_kind:
            errors["violation_sub_kind"] = [_("转住户违章处理须选择违章现象")]
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], field_errors=errors)
    new_severity = severity if validity == Validity.VALID else ""
    _check_downgrade(actor, complaint, new_severity)
    now = _now(now)
    first = complaint.judged_at is None
    complaint.validity = validity
    complaint.valid_kind = valid_kind if validity == Validity.VALID else ""
    complaint.handling = handling
    complaint.explanation = explanation.strip()
    complaint.judged_at = now
    complaint.judged_by = actor
    complaint.save(
        update_fields=[
            "validity",
            "valid_kind",
            "handling",
            "explanation",
            "judged_at",
            "judged_by",
        ]
    )
    if validity != Validity.VALID:
        # No slip to a department: the office explains and answers within 3 days.
        _cancel(complaint.request, {DeadlineKind.COMPLAINT_SLIP}, now)
    # The SOP's limits count from reception; a later change of severity restarts them.
    start = complaint.received_at if first or not complaint.severity else now
    reason = complaint.major_reason if new_severity == Severity.MAJOR else ""
    if new_severity == complaint.severity:
        _open_severity_deadlines(complaint, _policy(complaint), start, now)
        _refresh_next_deadline(complaint.request)
    else:
        _change_severity(complaint, new_severity, reason, actor, now, start=start)
    links = _hand_off(actor, complaint, handling, violator, violation_sub_kind, now)
    _event(
        complaint.request,
        EventType.COMPLAINT_JUDGED,
        actor,
        now,
        internal=explanation.strip(),
        data={
            "validity": validity,
            "valid_kind": complaint.valid_kind,
            "severity": new_severity,
            "handling": handling,
            **links,
        },
    )
    return complaint


def developer_department(office) -> Department | None:
    """The developer after-sales department a 返修联系单 goes to: the office's own first, then
    a company-wide one."""
    return (
        Department.objects.filter(
            company_id=office.company_id,
            kind=DepartmentKind.DEVELOPER_AFTER_SALES,
            is_active=True,
        )
        .filter(Q(office=office) | Q(office__isnull=True))
        .order_by(F("office_id").desc(nulls_last=True), "pk")
        .first()
    )


def _hand_off(actor, complaint: Complaint, handling, violator, sub_kind, now) -> dict:
    """Open the developer's slip or the violation case the handling names; the complaint's
    timeline records the link (the slip and the case point back at the request)."""
    from reception.models import DeveloperRepairSlip
    from reception.services import slip_create
    from violations.services import CaseData, case_register

    request = complaint.request
    if handling == Handling.DEVELOPER:
        if DeveloperRepairSlip.objects.filter(
            service_request=request, closed_at__isnull=True
        ).exists():
            return {}
        developer = developer_department(request.office)
        if developer is None:
            raise _error(
                _(
                    "本管理处尚未设置“开发商售后”部门,无法转开发商。"
                    "请先在组织架构中添加开发商售后部门。"
                ),
                "handling",
                code="no_developer",
            )
        slip = slip_create(
            actor=actor, request=request, developer=developer, defect=_defect(complaint), now=now
        )
        return {"repair_slip": slip.pk, "repair_slip_number": slip.number}
    if handling == Handling.VIOLATION_CASE:
        if RequestEvent.objects.filter(request=request, data__has_key="violation_case").exists():
            return {}
        place = complaint.event_place or str(violator)
        case = case_register(
            actor=actor,
            office=request.office,
            data=CaseData(
                household=violator,
                sub_kind=sub_kind,
                place=place[:200],
                occurred_at=min(complaint.event_at or complaint.received_at, now),
                description=(
                    _("来自投诉%(number)s:%(text)s")
                    % {"number": request.number, "text": complaint.what_happened}
                )[:TEXT_MAX_LENGTH],
                reported_by=(_("投诉%(number)s") % {"number": request.number})[:50],
            ),
            now=now,
        )
        _event(
            request,
            EventType.NOTE_ADDED,
            actor,
            now,
            internal=_("已登记住户违章事件%(number)s") % {"number": case.number},
            data={"violation_case": case.pk},
        )
        return {"violation_case": case.pk, "violation_case_number": case.number}
    return {}


def _defect(complaint: Complaint) -> str:
    text = complaint.what_happened
    if complaint.event_place:
        text = f"{complaint.event_place}:{text}"
    if complaint.resident_demand:
        text += "\n" + _("住户要求:%(demand)s") % {"demand": complaint.resident_demand}
    return text[:TEXT_MAX_LENGTH]


@transaction.atomic
def complaint_set_severity(
    *, actor, complaint: Complaint, severity: str, reason: str, now=None
) -> Complaint:
    """Change the severity of a valid complaint, with the reason (a downgrade of an automatic
    重大 needs the office manager)."""
    _check(actor, complaint, _("调整投诉级别"))
    complaint = _lock(complaint)
    if severity not in Severity.values:
        raise _error(_("请选择级别"), "severity")
    if not complaint.is_valid and severity != Severity.MAJOR:
        raise _error(_("请先界定为有效投诉"), "severity", code="invalid_transition")
    if not reason.strip():
        raise _error(_("调整级别须填写原因"), "reason")
    if complaint.closed_at:
        raise _error(_("投诉已关闭"), code="invalid_transition")
    _check_downgrade(actor, complaint, severity)
    now = _now(now)
    keep = complaint.major_reason if severity == Severity.MAJOR else ""
    _change_severity(complaint, severity, keep, actor, now, start=now, note=reason.strip())
    return complaint


# --- Hand-over, dispatch slip, return, telling the resident -------------------------------------


@transaction.atomic
def complaint_hand_over(*, actor, complaint: Complaint, to_user, note: str = "", now=None):
    """呈送 a 重大 complaint to the office manager the same day, a 重要 one to the responsible
    supervisor within 2 h (000 篇10 §4.3.2, §4.4)."""
    _check(actor, complaint, _("呈送投诉"))
    complaint = _lock(complaint)
    key = HAND_OVER_ROLES.get(complaint.severity)
    if key is None:
        raise _error(_("只有重大和重要投诉需要呈送责任人"), code="invalid_transition")
    roles = _policy(complaint).roles(key)
    if to_user is None or not holds_role(to_user, complaint.office_id, roles):
        raise _error(
            _("%(severity)s投诉须呈送%(roles)s")
            % {
                "severity": complaint.get_severity_display(),
                "roles": role_names(roles),
            },
            "to_user",
        )
    now = _now(now)
    complaint.handed_over_at = now
    complaint.handed_over_to = to_user
    complaint.save(update_fields=["handed_over_at", "handed_over_to"])
    _meet(complaint.request, {DeadlineKind.COMPLAINT_HAND_OVER}, now)
    _refresh_next_deadline(complaint.request)
    _event(
        complaint.request,
        EventType.COMPLAINT_HANDED_OVER,
        actor,
        now,
        internal=note.strip(),
        data={"to": to_user.pk, "roles": list(roles)},
    )
    return complaint


@transaction.atomic
def complaint_send_slip(*, actor, complaint: Complaint, department, signed_by: str, now=None):
    """Send the 住户投诉意见表 to the department complained about within 15 minutes; the person
    who takes it signs (000 篇10 §4.4). The request is dispatched to that department."""
    _check(actor, complaint, _("发送投诉意见表"))
    complaint = _lock(complaint)
    if not complaint.needs_slip:
        raise _error(_("该投诉已界定为无需部门处理,请直接解释答复住户"), code="invalid_transition")
    if complaint.slip_sent_at and not complaint.slip_returned_at:
        raise _error(_("意见表已发送,等待部门交回"), code="invalid_transition")
    if complaint.closed_at:
        raise _error(_("投诉已关闭"), code="invalid_transition")
    if department is None:
        raise _error(_("请选择被投诉部门"), "department")
    if not signed_by.strip():
        raise _error(_("请填写领表人签收"), "signed_by")
    now = _now(now)
    request = complaint.request
    if request.status in request_services.BEFORE_RESOLUTION:
        request_services.request_dispatch(
            actor=actor,
            request=request,
            version=request.version,
            department=department,
            note=_("住户投诉意见表,领表人:%(name)s") % {"name": signed_by.strip()},
            now=now,
        )
    else:
        raise _error(
            _("求助当前状态为“%(status)s”,不能发送意见表")
            % {"status": request.get_status_display()},
            code="invalid_transition",
        )
    complaint.slip_department = department
    complaint.slip_sent_at = now
    complaint.slip_signed_by = signed_by.strip()[:50]
    complaint.save(update_fields=["slip_department", "slip_sent_at", "slip_signed_by"])
    _meet(request, {DeadlineKind.COMPLAINT_SLIP}, now)
    _refresh_next_deadline(request)
    _event(
        request,
        EventType.COMPLAINT_SLIP_SENT,
        actor,
        now,
        data={"department": department.name, "signed_by": complaint.slip_signed_by},
    )
    return complaint


@transaction.atomic
def complaint_return_slip(*, actor, complaint: Complaint, handling: str, now=None):
    """The department returns the slip with its handling on the day it finished (000 篇10
    §4.5.1); the centre must tell the resident the same day (§4.6)."""
    _check(actor, complaint, _("登记意见表交回"))
    complaint = _lock(complaint)
    if not complaint.slip_sent_at:
        raise _error(_("意见表尚未发送到部门"), code="invalid_transition")
    if complaint.slip_returned_at:
        raise _error(_("意见表已交回"), code="invalid_transition")
    if not handling.strip():
        raise _error(_("请填写部门处理记录"), "handling")
    now = _now(now)
    request = complaint.request
    request_services.request_resolve(
        actor=actor,
        request=request,
        version=request.version,
        result=handling.strip(),
        now=now,
        by_procedure=True,
    )
    complaint.slip_returned_at = now
    complaint.slip_handling = handling.strip()
    complaint.save(update_fields=["slip_returned_at", "slip_handling"])
    _meet(request, {DeadlineKind.COMPLAINT_RESOLVE}, now)
    # After a reopening the resident is told again the same day: a new round of the limit.
    _open_round(
        request,
        DeadlineKind.COMPLAINT_TELL_RESIDENT,
        "complaint.tell_resident",
        now,
        _policy(complaint),
    )
    _refresh_next_deadline(request)
    _event(request, EventType.COMPLAINT_SLIP_RETURNED, actor, now, internal=handling.strip())
    return complaint


@transaction.atomic
def complaint_tell_resident(*, actor, complaint: Complaint, channel: str, note: str, now=None):
    """Tell the resident (000 篇10 §4.6: by phone or a visit, the same day; a letter gets a
    written reply, §4.9). Before the department has returned the slip, only a 重大 complaint's
    clear answer (§4.10.3, within 2 days) can be recorded."""
    _check(actor, complaint, _("通报住户"))
    complaint = _lock(complaint)
    request = complaint.request
    if channel not in ToldChannel.values:
        raise _error(_("请选择通报方式"), "channel")
    if request.channel in WRITTEN_CHANNELS and channel != ToldChannel.WRITTEN:
        raise _error(_("书面投诉须书面回复"), "channel")
    if not note.strip():
        raise _error(_("请填写告知住户的内容"), "note")
    if complaint.told_at or complaint.closed_at:
        raise _error(_("已通报过住户"), code="invalid_transition")
    now = _now(now)
    if complaint.is_valid and not complaint.slip_returned_at:
        if complaint.severity == Severity.MAJOR and complaint.answered_at is None:
            complaint.answered_at = now
            complaint.save(update_fields=["answered_at"])
            _meet(request, {DeadlineKind.COMPLAINT_ANSWER}, now)
            _refresh_next_deadline(request)
            _event(
                request,
                EventType.COMPLAINT_RESIDENT_TOLD,
                actor,
                now,
                public=note.strip(),
                data={"channel": channel, "answer_only": True},
            )
            return complaint
        raise _error(_("部门尚未交回投诉意见表,不能通报处理结果"), code="not_resolved")
    if not complaint.validity:
        raise _error(_("请先界定投诉"), code="invalid_transition")
    if not complaint.is_valid:
        # The explanation is the answer (within 3 days): the request is resolved with it.
        if request.status in request_services.BEFORE_RESOLUTION:
            request_services.request_resolve(
                actor=actor,
                request=request,
                version=request.version,
                result=complaint.explanation,
                now=now,
                by_procedure=True,
            )
        _meet(request, {DeadlineKind.COMPLAINT_RESOLVE}, now)
    request_services.request_confirm(
        actor=actor,
        request=request,
        version=request.version,
        channel=TOLD_TO_CONFIRMATION[channel],
        note=note.strip(),
        now=now,
        by_procedure=True,
    )
    complaint.told_at = now
    complaint.told_channel = channel
    complaint.told_note = note.strip()
    complaint.told_by = actor
    fields = ["told_at", "told_channel", "told_note", "told_by"]
    if complaint.answered_at is None:
        complaint.answered_at = now
        fields.append("answered_at")
    complaint.save(update_fields=fields)
    _meet(request, {DeadlineKind.COMPLAINT_TELL_RESIDENT, DeadlineKind.COMPLAINT_ANSWER}, now)
    _event(
        request,
        EventType.COMPLAINT_RESIDENT_TOLD,
        actor,
        now,
        public=note.strip(),
        data={"channel": channel},
    )
    if follow_up_required(complaint):
        # 000 篇10 §4.7: the visit is arranged as soon as the handling is complete and told;
        # whoever told the resident knows the case and takes it unless reassigned.
        assignee = actor if is_office_staff(actor, complaint.office_id) else None
        _schedule_follow_up(complaint, assignee, actor, now)
    _refresh_next_deadline(request)
    return complaint


# --- Extensions ---------------------------------------------------------------------------------


@transaction.atomic
def complaint_request_extension(
    *, actor, complaint: Complaint, new_due_at: datetime.datetime, reason: str, now=None
) -> ComplaintExtension:
    """Ask the role the policy names to extend the resolve limit (000 篇10 §4.10.1–4.10.2:
    轻微 → the assistant, 重要 → the office manager). The old deadline stands until approved."""
    _check(actor, complaint, _("申请延期"))
    complaint = _lock(complaint)
    key = EXTENSION_ROLES.get(complaint.severity)
    if key is None or not complaint.is_valid:
        raise _error(
            _("只有重要和轻微投诉可以申请延期;重大投诉须在10日内解决(000 篇10 §4.10.3)"),
            code="no_extension",
        )
    deadline = _current_round(complaint.request, DeadlineKind.COMPLAINT_RESOLVE)
    if deadline is None or not deadline.is_open:
        raise _error(_("没有未完成的处理时限"), code="invalid_transition")
    now = _now(now)
    if deadline.missed_at is not None or deadline.due_at < now:
        raise _error(_("处理时限已过,不能再申请延期"), code="deadline_passed")
    if new_due_at <= deadline.due_at:
        raise _error(_("延期后的时间须晚于原时限"), "new_due_at")
    if not reason.strip():
        raise _error(_("请填写延期原因"), "reason")
    if complaint.extensions.filter(status=ExtensionStatus.PENDING).exists():
        raise _error(_("已有待审批的延期申请"), code="invalid_transition")
    roles = _policy(complaint).roles(key)
    extension = ComplaintExtension.objects.create(
        complaint=complaint,
        reason=reason.strip(),
        old_due_at=deadline.due_at,
        new_due_at=new_due_at,
        approver_role=roles[0] if roles else "",
        policy_key=key,
        requested_at=now,
        requested_by=actor,
    )
    _event(
        complaint.request,
        EventType.COMPLAINT_EXTENSION_REQUESTED,
        actor,
        now,
        internal=reason.strip(),
        data={"new_due_at": new_due_at.isoformat(), "roles": list(roles)},
    )
    for role in roles:
        notify_role(
            office=complaint.request.office,
            role_code=role,
            subject=_("投诉延期待审批:%(number)s") % {"number": complaint.request.number},
            body=reason.strip(),
            link=f"/complaints/{complaint.pk}/",
            dedupe_key=f"complaint:{complaint.pk}:extension:{extension.pk}",
            now=now,
        )
    return extension


@transaction.atomic
def complaint_decide_extension(
    *, actor, extension: ComplaintExtension, approve: bool, note: str = "", now=None
) -> ComplaintExtension:
    """Only the role the policy names decides; approval moves the resolve deadline."""
    complaint = extension.complaint
    require_office_in_scope(actor, complaint.office_id)
    complaint = _lock(complaint)
    extension = ComplaintExtension.objects.select_for_update().get(pk=extension.pk)
    roles = _policy(complaint).roles(extension.policy_key)
    if not holds_role(actor, complaint.office_id, roles):
        raise PermissionDeniedError(
            _("只有%(roles)s可以审批该投诉的延期申请。") % {"roles": role_names(roles)},
            code="wrong_approver",
        )
    if extension.status != ExtensionStatus.PENDING:
        raise _error(_("该延期申请已审批"), code="invalid_transition")
    now = _now(now)
    deadline = _current_round(complaint.request, DeadlineKind.COMPLAINT_RESOLVE)
    if approve:
        if deadline is None or not deadline.is_open or deadline.missed_at is not None:
            raise _error(_("原时限已逾期或已完成,延期申请不能再批准"), code="deadline_passed")
        Deadline.objects.filter(pk=deadline.pk).update(due_at=extension.new_due_at)
    extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    extension.decided_at = now
    extension.decided_by = actor
    extension.decision_note = note.strip()[:200]
    extension.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    _refresh_next_deadline(complaint.request)
    _event(
        complaint.request,
        EventType.COMPLAINT_EXTENSION_DECIDED,
        actor,
        now,
        internal=note.strip(),
        data={"approved": approve, "new_due_at": extension.new_due_at.isoformat()},
    )
    return extension


# --- Follow-up and closing ----------------------------------------------------------------------


def follow_up_required(complaint: Complaint) -> bool:
    """000 篇10 §4.7: 重大 and 重要 complaints get a follow-up visit; 轻微 ones may."""
    key = FOLLOW_UP_RULES.get(complaint.severity)
    return bool(key and complaint.is_valid and _policy(complaint).value(key).value)


def is_office_staff(user, office_id: int) -> bool:
    """An active staff member of the office (who may be given a follow-up visit)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return Staff.objects.filter(user=user, offices=office_id, user__is_active=True).exists()


def _staff_name(user) -> str:
    staff = Staff.objects.filter(user=user).only("name").first()
    return staff.name if staff else user.get_username()


def _schedule_follow_up(complaint: Complaint, assignee, actor, now) -> None:
    """Plan the visit (000 篇10 §4.7; 004 篇4 §4.9): a COMPLAINT_FOLLOW_UP deadline by
    `complaint.follow_up.within` from now (a new round after a reopening), the assignee, a
    timeline event and a notice to the assignee. The caller holds the lock and refreshes the
    request's next deadline."""
    request = complaint.request
    deadline = _open_round(
        request,
        DeadlineKind.COMPLAINT_FOLLOW_UP,
        "complaint.follow_up.within",
        now,
        _policy(complaint),
    )
    complaint.follow_up_by = assignee
    complaint.follow_up_due_at = deadline.due_at
    complaint.save(update_fields=["follow_up_by", "follow_up_due_at"])
    _event(
        request,
        EventType.COMPLAINT_FOLLOW_UP_SCHEDULED,
        actor,
        now,
        internal=_("安排回访:%(due)s前,回访负责人:%(who)s(%(clause)s)")
        % {
            "due": timezone.localtime(deadline.due_at).strftime("%Y-%m-%d %H:%M"),
            "who": _staff_name(assignee) if assignee else _("未指派"),
            "clause": deadline.clause,
        },
        data={
            "due_at": deadline.due_at.isoformat(),
            "assignee": getattr(assignee, "pk", None),
            "policy_key": deadline.policy_key,
            "round": deadline.round,
        },
    )
    if assignee is not None:
        _notify_visit(complaint, assignee, now)


def _notify_visit(complaint: Complaint, assignee, now) -> None:
    from notifications.services import notify_users

    request = complaint.request
    notify_users(
        office=request.office,
        users=[assignee],
        subject=_("回访任务:%(number)s,请于%(due)s前回访")
        % {
            "number": request.number,
            "due": timezone.localtime(complaint.follow_up_due_at).strftime("%Y-%m-%d %H:%M"),
        },
        body=complaint.what_happened,
        link=f"/complaints/{complaint.pk}/",
        dedupe_key=f"complaint:{complaint.pk}:visit:{complaint.follow_up_due_at.isoformat()}",
        now=now,
    )


@transaction.atomic
def complaint_follow_up_assign(*, actor, complaint: Complaint, assignee, now=None) -> Complaint:
    """Assign or reassign the follow-up visit to a staff member of the office (000 篇10 §4.7
    安排合适人员回访), with a timeline event and a notice to the new assignee. A complaint whose
    visit the policy does not require (轻微) gets one planned by the same rule when assigned."""
    _check(actor, complaint, _("安排回访"))
    complaint = _lock(complaint)
    if complaint.closed_at:
        raise _error(_("投诉已关闭"), code="invalid_transition")
    if not complaint.told_at:
        raise _error(_("投诉尚未处理完毕并通报住户,不能安排回访"), code="not_resolved")
    if complaint.follow_up_due_at is None and complaint.visited_at and complaint.satisfaction:
        raise _error(_("已回访,无需再安排"), code="invalid_transition")
    if not is_office_staff(assignee, complaint.office_id):
        raise _error(_("回访负责人须为本管理处在职员工"), "assignee")
    now = _now(now)
    if complaint.follow_up_due_at is None:
        _schedule_follow_up(complaint, assignee, actor, now)
        _refresh_next_deadline(complaint.request)
        return complaint
    if complaint.follow_up_by_id == assignee.pk:
        raise _error(_("回访已指派给%(name)s") % {"name": _staff_name(assignee)}, "assignee")
    before = complaint.follow_up_by
    complaint.follow_up_by = assignee
    complaint.save(update_fields=["follow_up_by"])
    _event(
        complaint.request,
        EventType.COMPLAINT_FOLLOW_UP_ASSIGNED,
        actor,
        now,
        internal=_("回访改由%(to)s负责(原:%(from)s)")
        % {
            "to": _staff_name(assignee),
            "from": _staff_name(before) if before else _("未指派"),
        },
        data={"from": getattr(before, "pk", None), "to": assignee.pk},
    )
    _notify_visit(complaint, assignee, now)
    return complaint


@transaction.atomic
def complaint_follow_up(
    *,
    actor,
    complaint: Complaint,
    satisfaction: str,
    comment: str = "",
    visited_by=None,
    visited_at=None,
    now=None,
) -> Complaint:
    """回访 after the resident was told the result (000 篇10 §4.7): who visited (default the
    one recording it; a staff member of the office), when (default now; not before the
    resident was told, not in the future), satisfied or not, comments. It meets the planned
    visit's deadline; an unsatisfied visit reopens the complaint (the department handles it
    again, the resident is told again and a new visit is planned)."""
    _check(actor, complaint, _("登记回访"))
    complaint = _lock(complaint)
    if complaint.closed_at:
        raise _error(_("投诉已关闭"), code="invalid_transition")
    if not complaint.told_at:
        raise _error(_("投诉尚未处理完毕并通报住户,不能回访"), code="not_resolved")
    if satisfaction not in Satisfaction.values:
        raise _error(_("请选择回访结果"), "satisfaction")
    now = _now(now)
    visitor = visited_by or actor
    if visited_by is not None and not is_office_staff(visited_by, complaint.office_id):
        raise _error(_("回访人须为本管理处在职员工"), "visited_by")
    when = visited_at or now
    if when > now + datetime.timedelta(minutes=1):
        raise _error(_("回访时间不能晚于现在"), "visited_at")
    if when < complaint.told_at:
        raise _error(_("回访时间不能早于通报住户的时间"), "visited_at")
    request = complaint.request
    request_services.request_follow_up(
        actor=actor,
        request=request,
        version=request.version,
        satisfaction=satisfaction,
        comment=comment,
        now=when,
        by_procedure=True,
    )
    _meet(request, {DeadlineKind.COMPLAINT_FOLLOW_UP}, when)
    complaint.visited_at = when
    complaint.visited_by = visitor
    complaint.satisfaction = satisfaction
    complaint.visit_comment = comment.strip()
    complaint.follow_up_due_at = None
    fields = ["visited_at", "visited_by", "satisfaction", "visit_comment", "follow_up_due_at"]
    if satisfaction == Satisfaction.UNSATISFIED:
        complaint.slip_returned_at = None
        complaint.told_at = None
        fields += ["slip_returned_at", "told_at"]
    complaint.save(update_fields=fields)
    if satisfaction == Satisfaction.UNSATISFIED:
        _reopen_resolve_deadline(complaint, actor, when, _("回访不满意,投诉重新处理"))
    else:
        _refresh_next_deadline(request)
    return complaint


def _reopen_resolve_deadline(complaint: Complaint, actor, now, why: str) -> None:
    """A reopened complaint gets a new resolve limit from now, by the same rule as the first one
    for its severity (invalid ones: the 3-day answer). It is a new round of the deadline: the
    earlier round keeps its met or missed record, and the new one is swept, escalated and
    counted in the on-time rate like any other (it can be missed again)."""
    if complaint.is_valid:
        key = SEVERITY_DEADLINES.get(complaint.severity, {}).get(DeadlineKind.COMPLAINT_RESOLVE)
    else:
        key = "complaint.invalid_answer" if complaint.validity else None
    if key is None:
        return
    request = complaint.request
    deadline = _open_round(request, DeadlineKind.COMPLAINT_RESOLVE, key, now, _policy(complaint))
    _refresh_next_deadline(request)
    _event(
        request,
        EventType.NOTE_ADDED,
        actor,
        now,
        internal=_("%(why)s;新的处理时限:%(due)s(%(clause)s)")
        % {
            "why": why,
            "due": timezone.localtime(deadline.due_at).strftime("%Y-%m-%d %H:%M"),
            "clause": deadline.clause,
        },
        data={
            "reopened": True,
            "resolve_due_at": deadline.due_at.isoformat(),
            "policy_key": key,
            "round": deadline.round,
        },
    )


@transaction.atomic
def complaint_close(*, actor, complaint: Complaint, note: str = "", now=None) -> Complaint:
    """Close once the resident was told (000 篇10 §4.6) and, where required, visited (§4.7)."""
    _check(actor, complaint, _("关闭投诉"))
    complaint = _lock(complaint)
    if complaint.closed_at:
        raise _error(_("投诉已关闭"), code="invalid_transition")
    if not complaint.told_at:
        raise _error(_("尚未将处理结果通报住户,不能关闭投诉"), code="resident_not_told")
    if follow_up_required(complaint) and complaint.satisfaction not in (
        Satisfaction.SATISFIED,
        Satisfaction.BASICALLY,
    ):
        raise _error(
            _("%(severity)s投诉须回访后才能关闭") % {"severity": complaint.get_severity_display()},
            code="follow_up_required",
        )
    now = _now(now)
    request = complaint.request
    request_services.request_close(
        actor=actor,
        request=request,
        version=request.version,
        note=note,
        now=now,
        by_procedure=True,
    )
    complaint.closed_at = now
    complaint.save(update_fields=["closed_at"])
    return complaint


def complaint_may_reopen(user, complaint: Complaint) -> bool:
    """Whether to offer 重新打开 on the complaint page (complaint_reopen decides for real)."""
    if not (complaint.told_at or complaint.closed_at) or not user.has_perm(CHANGE):
        return False
    return holds_role(user, complaint.office_id, _policy(complaint).roles("complaint.reopen_roles"))


@transaction.atomic
def complaint_reopen(*, actor, complaint: Complaint, reason: str, now=None) -> Complaint:
    """重新打开 a complaint whose result the resident was told (or that was closed): the resident
    is back with the same matter (000 篇10 §4.7 不满意的重新处理; 003 §4.3 经两次以上提出仍未解决).
    Only the roles of `complaint.reopen_roles` may. The request is in progress again
    (request_reopen_for_procedure: the generic reopen refuses a request with a complaint); the
    department handles it again on the slip it holds, the resident is told again and, where
    required, visited again; the complaint gets a new round of its resolve limit from now by its
    severity's rule (invalid ones: the 3-day answer). The earlier telling and visit stay on the
    timeline; a planned visit not yet made is cancelled (a new one follows the next telling)."""
    _check(actor, complaint, _("重新打开投诉"))
    complaint = _lock(complaint)
    roles = _policy(complaint).roles("complaint.reopen_roles")
    if not holds_role(actor, complaint.office_id, roles):
        raise PermissionDeniedError(
            _("只有%(roles)s可以重新打开投诉。") % {"roles": role_names(roles)},
            code="wrong_role",
        )
    if not complaint.told_at and not complaint.closed_at:
        raise _error(
            _("投诉仍在处理中(尚未通报住户处理结果),无需重新打开"), code="invalid_transition"
        )
    if not reason.strip():
        raise _error(_("请填写重新打开的原因"), "reason")
    now = _now(now)
    request = complaint.request
    request_services.request_reopen_for_procedure(
        actor=actor, request=request, version=request.version, reason=reason, now=now
    )
    _cancel(request, {DeadlineKind.COMPLAINT_FOLLOW_UP, DeadlineKind.COMPLAINT_TELL_RESIDENT}, now)
    complaint.slip_returned_at = None
    complaint.told_at = None
    complaint.closed_at = None
    complaint.follow_up_due_at = None
    complaint.visited_at = None
    complaint.visited_by = None
    complaint.satisfaction = ""
    complaint.visit_comment = ""
    complaint.save(
        update_fields=[
            "slip_returned_at",
            "told_at",
            "closed_at",
            "follow_up_due_at",
            "visited_at",
            "visited_by",
            "satisfaction",
            "visit_comment",
        ]
    )
    _reopen_resolve_deadline(
        complaint, actor, now, _("投诉重新打开:%(reason)s") % {"reason": reason.strip()}
    )
    return complaint


# --- Collective complaints and the automatic 重大 rules --------------------------------------


@transaction.atomic
def complaint_link(*, actor, main: Complaint, others: list[Complaint], now=None) -> Complaint:
    """Link complaints about the same matter into one collective complaint; when they come from
    at least `complaint.collective_households` households, every one is 重大 (002 篇1 §2(6))."""
    _check(actor, main, _("合并集体投诉"))
    main = _lock(main)
    if main.collective_of_id:
        raise _error(_("请选择集体投诉的主投诉,而不是已并入的投诉"), "others")
    if not others:
        raise _error(_("请选择要并入的投诉"), "others")
    for other in others:
        if other.office_id != main.office_id:
            raise ObjectNotFoundError()
        if other.pk == main.pk or other.collective_of_id not in (None, main.pk):
            raise _error(
                _("%(number)s已并入其他集体投诉") % {"number": other.request.number}, "others"
            )
        if other.members.exists():
            raise _error(_("%(number)s本身是集体投诉") % {"number": other.request.number}, "others")
    now = _now(now)
    Complaint.objects.filter(pk__in=[o.pk for o in others]).update(collective_of=main)
    members = [
        main,
        *Complaint.objects.filter(collective_of=main).select_related("request__office"),
    ]
    households = {m.request.household_id for m in members if m.request.household_id}
    for other in others:
        _event(
            other.request, EventType.COMPLAINT_LINKED, actor, now, data={"collective_of": main.pk}
        )
    _event(
        main.request,
        EventType.COMPLAINT_LINKED,
        actor,
        now,
        data={"members": [o.pk for o in others], "households": len(households)},
    )
    threshold = _policy(main).integer("complaint.collective_households")
    if len(households) >= threshold:
        for member in members:
            if member.severity != Severity.MAJOR and not member.closed_at:
                _change_severity(
                    member,
                    Severity.MAJOR,
                    MajorReason.COLLECTIVE,
                    None,
                    now,
                    start=now,
                    note=_("%(n)s户集体投诉") % {"n": len(households)},
                )
    return main


@dataclass
class UpgradeResult:
    upgraded: int = 0


def complaints_upgrade_unresolved(*, now=None, batch_size: int = 500) -> UpgradeResult:
    """The worker's rule: a valid complaint not resolved within `complaint.major_after` (one
    month) becomes 重大 (000 篇10 §4.2.2 3); 004 篇4 §4.2.2 c), with a timeline event by the
    system. Already 重大 ones are skipped, so a second run changes nothing.

    One run handles every due complaint, `batch_size` at a time, each batch in its own
    transaction; a batch locks its complaints with SKIP LOCKED, so several workers on
    PostgreSQL share the work and never upgrade one twice. The scan walks forward by
    (received_at, id), so a candidate its own policy does not yet make due is read once."""
    now = _now(now)
    result = UpgradeResult()
    policies: dict = {}
    due = _upgrade_bound(now, policies)
    if due is None:
        return result
    after = None
    while True:
        with transaction.atomic():
            batch = _upgrade_batch(due, after, batch_size)
            for complaint in batch:
                limit = policies[complaint.request.policy_version_id]
                if limit.after(complaint.received_at) > now:
                    continue
                _change_severity(
                    complaint,
                    Severity.MAJOR,
                    MajorReason.UNRESOLVED,
                    None,
                    now,
                    start=now,
                    note=_("有效投诉超过%(limit)s未解决,自动升为重大投诉") % {"limit": limit},
                )
                result.upgraded += 1
        if len(batch) < batch_size:
            return result
        after = (batch[-1].received_at, batch[-1].pk)


def _upgrade_candidates():
    return Complaint.objects.filter(
        validity=Validity.VALID, closed_at__isnull=True, slip_returned_at__isnull=True
    ).exclude(severity=Severity.MAJOR)


def _upgrade_bound(now, policies: dict) -> Q | None:
    """Per policy version of the open candidates, the latest reception that can be due now
    (a working-day limit is at least as many calendar days, so the bound never misses one)."""
    versions = (
        _upgrade_candidates()
        .order_by()
        .values_list("request__policy_version_id", flat=True)
        .distinct()
    )
    bound = None
    for version in versions:
        limit = policies[version] = policy_version_get(version).duration("complaint.major_after")
        span = {
            "minutes": datetime.timedelta(minutes=limit.value),
            "hours": datetime.timedelta(hours=limit.value),
        }.get(limit.unit, datetime.timedelta(days=limit.value))
        q = Q(request__policy_version_id=version, received_at__lte=now - span)
        bound = q if bound is None else bound | q
    return bound


def _upgrade_batch(due: Q, after, batch_size: int) -> list[Complaint]:
    """The next batch of candidates after `after`, locked (rows another worker holds are
    skipped) until the batch commits."""
    qs = _upgrade_candidates().filter(due)
    if after is not None:
        received_at, pk = after
        qs = qs.filter(Q(received_at__gt=received_at) | Q(received_at=received_at, pk__gt=pk))
    return list(
        qs.select_for_update(skip_locked=True, of=("self",))
        .select_related("request__office")
        .order_by("received_at", "pk")[:batch_size]
    )
