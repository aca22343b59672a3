"""Medical-emergency checklists (SOP.md §2; 000 篇3 §4.2.1 a–c): the requester's choice opens
the steps of each branch; each step is ticked with who and when, and some need a detail
(who escorted, which relative stayed) before they count as done."""

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import ApplicationError
from service_requests.choices import FINAL_STATUSES, Category, EventType
from service_requests.models import EmergencyStep, RequestEvent, ServiceRequest

# EmergencyStep.detail's length, and skip_reason's.
DETAIL_MAX_LENGTH = 200
SKIP_REASON_MAX_LENGTH = 200
# The policy rule that keeps a medical emergency open while its checklist is (SOP.md §2 急救).
CHECKLIST_RULE = "emergency.checklist_before_resolve"
STEPS_OPEN = "emergency_steps_open"
# How names are separated in a step's detail: 张三、李四 / 张三,李四 / 张三 李四 (not 和 or 及,
# which are also in names: 李和平).
NAME_SEPARATORS = re.compile(r"[、,,;;/\s]+")


@dataclass(frozen=True)
class Step:
    code: str
    label: str
    needs_detail: str = ""  # the question whose answer must be recorded with the step
    min_names: int = 0  # how many people the detail must name (the escort's two guards)


BRANCHES: dict[str, tuple[str, tuple[Step, ...]]] = {
    "escort": (
        gettext_lazy("送医院"),
        (
            Step(
                "two_guards",
                gettext_lazy("通知保安部安排两名人员待命"),
                gettext_lazy("护送人员姓名(两人)"),
                min_names=2,
            ),
            Step("vehicle", gettext_lazy("安排车辆到住户楼下"), gettext_lazy("车辆")),
            Step("resident_along", gettext_lazy("请住户同往并准备必备用品")),
            Step("hospital_help", gettext_lazy("协助挂号、找医生、取药")),
            Step("asked_more_help", gettext_lazy("询问住户是否还需要帮助")),
            Step("reported_back", gettext_lazy("返回后向保安值班干部或客服中心反馈")),
        ),
    ),
    "call_120": (
        gettext_lazy("拨打120"),
        (
            Step("called_120", gettext_lazy("了解病情后帮助拨打120(必要时确认)")),
            Step("told_resident", gettext_lazy("告知住户管理处将在小区入口接应")),
            Step("shift_leader_notified", gettext_lazy("立即通知保安部值班班长")),
            Step("gate_ready", gettext_lazy("小区入口值班保安做好接应准备")),
            Step("ambulance_guided", gettext_lazy("急救车到达后指引至住户楼下")),
            Step("leader_reported", gettext_lazy("保安班长任务完毕后反馈客服中心")),
        ),
    ),
    "nursing": (
        gettext_lazy("短时护理"),
        (
            Step(
                "carer_assigned", gettext_lazy("保安班长安排护理人员"), gettext_lazy("护理人员姓名")
            ),
            Step(
                "relative_present",
                gettext_lazy("病人亲属在场陪同(护理人员不得单独与病人在一起)"),
                gettext_lazy("陪同亲属姓名"),
            ),
            Step("duty_officer_inspected", gettext_lazy("保安值班干部到场巡查(必要时)")),
        ),
    ),
}


def open_checklist(*, request: ServiceRequest, branches, actor, now) -> list[EmergencyStep]:
    steps = []
    for branch in dict.fromkeys(branches):
        _label, branch_steps = BRANCHES[branch]
        for position, step in enumerate(branch_steps):
            steps.append(
                EmergencyStep(
                    request=request,
                    branch=branch,
                    code=step.code,
                    label=str(step.label),
                    position=position,
                )
            )
    return EmergencyStep.objects.bulk_create(steps)


def _step_definition(branch: str, code: str) -> Step:
    for step in BRANCHES[branch][1]:
        if step.code == code:
            return step
    raise KeyError(code)


def _step_label(step: EmergencyStep) -> str:
    """The step's label in the current language (the stored one is the intake's)."""
    try:
        return str(_step_definition(step.branch, step.code).label)
    except KeyError:
        return step.label


def _refuse_finished_request(request: ServiceRequest) -> None:
    """A closed, referred or cancelled request's checklist is what it was when it ended: the
    record is kept, not added to afterwards (SOP.md §2 记录)."""
    if request.status in FINAL_STATUSES:
        raise ApplicationError(
            _("求助已%(status)s,不能再登记急救步骤") % {"status": request.get_status_display()},
            code="invalid_transition",
        )


def _refuse_closed_step(step: EmergencyStep) -> None:
    if step.done_at is not None:
        raise ApplicationError(_("该步骤已完成"), code="invalid_transition")
    if step.skipped_at is not None:
        raise ApplicationError(_("该步骤已登记为不需要"), code="invalid_transition")


def checklist_open_steps(request: ServiceRequest) -> list[EmergencyStep]:
    """The steps neither done nor recorded as not needed, in the checklist's order."""
    if request.category != Category.MEDICAL_EMERGENCY:
        return []
    order = list(BRANCHES)
    steps = request.emergency_steps.filter(done_at__isnull=True, skipped_at__isnull=True)
    return sorted(steps, key=lambda s: (order.index(s.branch), s.position))


def require_checklist_complete(*, request: ServiceRequest, policy, action: str) -> None:
    """A medical emergency is not finished (resolved, closed, referred) while a step of its
    checklist is open: every step is recorded (SOP.md §2 急救; 000 篇3 §4.2.1), and for
    short-term nursing a relative stays, a carer is never alone with the patient (§4.2.1 c).
    A step the case did not need is recorded as such with its reason (emergency_step_skip).
    The office may turn the rule off (policy `emergency.checklist_before_resolve`). Refused
    with the open steps named; nothing is written."""
    if request.category != Category.MEDICAL_EMERGENCY:
        return
    rule = policy.value(CHECKLIST_RULE)
    if not rule.value:
        return
    open_steps = checklist_open_steps(request)
    if not open_steps:
        return
    names = ";".join(
        _("%(branch)s:%(step)s") % {"branch": BRANCHES[step.branch][0], "step": _step_label(step)}
        for step in open_steps
    )
    raise ApplicationError(
        _(
            "急救步骤尚未完成,不能%(action)s。未完成:%(steps)s。请逐项完成,"
            "或对不需要的步骤登记“不需要”及原因(%(clause)s)。"
        )
        % {"action": action, "steps": names, "clause": rule.rule.clause},
        code=STEPS_OPEN,
        extra={
            "open_steps": [
                {
                    "id": step.pk,
                    "branch": step.branch,
                    "code": step.code,
                    "label": _step_label(step),
                }
                for step in open_steps
            ],
            "policy": CHECKLIST_RULE,
            "clause": rule.rule.clause,
        },
    )


def _recordable(actor, step: EmergencyStep) -> ServiceRequest:
    """The step's request, once the actor may record its steps (scope, the desk or the
    department working on it) and the step and its request are still open."""
    from service_requests.services import _get_in_scope, _require_worker

    request = step.request
    _get_in_scope(actor, request)
    _require_worker(actor, request, _("登记急救步骤"))
    _refuse_finished_request(request)
    _refuse_closed_step(step)
    return request


def _record(actor, step: EmergencyStep, *, event: str, note: str, now, **fields) -> EmergencyStep:
    """Write the step's record (done or not needed) unless someone recorded it a moment ago,
    and its timeline event."""
    recorded = EmergencyStep.objects.filter(
        pk=step.pk, done_at__isnull=True, skipped_at__isnull=True
    ).update(**fields)
    if recorded != 1:  # someone ticked it (or recorded it as not needed) a moment ago
        step.refresh_from_db()
        _refuse_closed_step(step)
    for name, value in fields.items():
        setattr(step, name, value)
    request = step.request
    RequestEvent.objects.create(
        request=request,
        type=event,
        actor=actor,
        at=now,
        status_before=request.status,
        status_after=request.status,
        internal_note=note,
        data={"branch": step.branch, "step": step.code, "label": step.label},
    )
    return step


@transaction.atomic
def emergency_step_done(*, actor, step: EmergencyStep, detail: str = "", now=None) -> EmergencyStep:
    """Tick a step. A step that asks for a detail (who escorted, which relative stayed) is not
    done without it: a carer is never alone with the patient (000 篇3 §4.2.1 c)."""
    from service_requests.services import _limited

    _recordable(actor, step)
    definition = _step_definition(step.branch, step.code)
    detail = detail.strip()
    if definition.needs_detail and not detail:
        message = _("请填写:%(what)s") % {"what": definition.needs_detail}
        raise ApplicationError(message, field_errors={"detail": [message]})
    detail = _limited(detail, field="detail", label=_("记录"), limit=DETAIL_MAX_LENGTH)
    names = {name for name in NAME_SEPARATORS.split(detail) if name}
    if len(names) < definition.min_names:
        # 000 篇3 §4.2.1(a): security sends two people to escort the patient.
        message = _("须安排%(n)s人:请填写%(n)s人的姓名,用顿号分隔(如:张三、李四)") % {
            "n": definition.min_names
        }
        raise ApplicationError(message, field_errors={"detail": [message]})
    now = now or timezone.now()
    return _record(
        actor,
        step,
        event=EventType.EMERGENCY_STEP_DONE,
        note=detail,
        now=now,
        done_at=now,
        done_by=actor,
        detail=detail,
    )


@transaction.atomic
def emergency_step_skip(*, actor, step: EmergencyStep, reason: str, now=None) -> EmergencyStep:
    """Record that this case did not need a step (the ambulance took the patient before a carer
    came, no inspection was necessary), with why: by whoever may tick steps, on the timeline.
    The checklist is complete when each step is done or recorded as not needed
    (require_checklist_complete; SOP.md §2 急救, every step recorded, 000 篇3 §4.2.1)."""
    from service_requests.services import _limited

    _recordable(actor, step)
    reason = _limited(reason, field="reason", label=_("原因"), limit=SKIP_REASON_MAX_LENGTH)
    if not reason:
        message = _("请填写不需要此步骤的原因")
        raise ApplicationError(message, field_errors={"reason": [message]})
    now = now or timezone.now()
    return _record(
        actor,
        step,
        event=EventType.EMERGENCY_STEP_SKIPPED,
        note=reason,
        now=now,
        skipped_at=now,
        skipped_by=actor,
        skip_reason=reason,
    )
