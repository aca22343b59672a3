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
from service_requests.choices import EventType
from service_requests.models import EmergencyStep, RequestEvent, ServiceRequest

# EmergencyStep.detail's length.
DETAIL_MAX_LENGTH = 200
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


@transaction.atomic
def emergency_step_done(*, actor, step: EmergencyStep, detail: str = "", now=None) -> EmergencyStep:
    """Tick a step. A step that asks for a detail (who escorted, which relative stayed) is not
    done without it: a carer is never alone with the patient (000 篇3 §4.2.1 c)."""
    from service_requests.services import _get_in_scope, _require_worker

    request = step.request
    _get_in_scope(actor, request)
    _require_worker(actor, request, _("登记急救步骤"))
    if step.done_at is not None:
        raise ApplicationError(_("该步骤已完成"), code="invalid_transition")
    definition = _step_definition(step.branch, step.code)
    detail = detail.strip()
    if definition.needs_detail and not detail:
        message = _("请填写:%(what)s") % {"what": definition.needs_detail}
        raise ApplicationError(message, field_errors={"detail": [message]})
    if len(detail) > DETAIL_MAX_LENGTH:
        message = _("记录不能超过%(n)s字,现有%(len)s字") % {
            "n": DETAIL_MAX_LENGTH,
            "len": len(detail),
        }
        raise ApplicationError(message, field_errors={"detail": [message]})
    names = {name for name in NAME_SEPARATORS.split(detail) if name}
    if len(names) < definition.min_names:
        # 000 篇3 §4.2.1(a): security sends two people to escort the patient.
        message = _("须安排%(n)s人:请填写%(n)s人的姓名,用顿号分隔(如:张三、李四)") % {
            "n": definition.min_names
        }
        raise ApplicationError(message, field_errors={"detail": [message]})
    now = now or timezone.now()
    ticked = EmergencyStep.objects.filter(pk=step.pk, done_at__isnull=True).update(
        done_at=now, done_by=actor, detail=detail
    )
    if ticked != 1:  # someone ticked it a moment ago
        raise ApplicationError(_("该步骤已完成"), code="invalid_transition")
    step.done_at, step.done_by, step.detail = now, actor, detail
    RequestEvent.objects.create(
        request=request,
        type=EventType.EMERGENCY_STEP_DONE,
        actor=actor,
        at=now,
        status_before=request.status,
        status_after=request.status,
        internal_note=detail,
        data={"branch": step.branch, "step": step.code, "label": step.label},
    )
    return step
