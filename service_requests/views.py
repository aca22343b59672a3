"""Console of the help and report desk (issue #3; SOP.md §2, §4): intake, the request's page
with its deadlines, timeline and actions, and the work queues. Thin: form → service →
redirect; the services are the real check of authority, scope and lifecycle."""

import functools
import hashlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core import caching
from core.authz import ObjectNotFoundError
from core.context_processors import page_csrf_token
from core.decorators import staff_console
from core.exceptions import ApplicationError, PermissionDeniedError
from core.forms import apply_application_error
from core.urlcache import cached_url
from estates.selectors import household_list, household_queryset
from organization.choices import role_names
from organization.scoping import staff_card
from organization.selectors import office_list
from policies.selectors import current_policy, policy_of
from service_requests import (
    attachments,
    console_selectors,
    detail_html,
    forms,
    queue_rows,
    services,
)
from service_requests.choices import (
    CATEGORY_HELP,
    FINAL_STATUSES,
    OPEN_STATUSES,
    SPECIAL_CATEGORIES,
    STATUS_BADGE,
    Category,
    EventType,
    Status,
)
from service_requests.emergency import BRANCHES, emergency_step_done, emergency_step_skip
from service_requests.hooks import StepOwner, procedure_owner
from service_requests.queue_rows import choice_labels
from service_requests.selectors import RequestFilters, request_get

QUEUE_PAGE_SIZE = 30


ASSIGNEE = queue_rows.ROW_COLUMNS.index("assignee_id")
HOUSEHOLD_PICK_LIMIT = 8

CATEGORY_KEYS = {value: value[0] for value in Category.values}  # "b_repair" -> "b"


# --- Intake ------------------------------------------------------------------------------------


def _intake_office(user, form_office_id, household):
    """The household's office; for a public area, the chosen one of the user's offices."""
    if household is not None:
        return household.office
    offices = office_list(user=user)
    if form_office_id:
        office = offices.filter(pk=form_office_id).first()
    else:
        office = offices.first() if offices.count() == 1 else None
    return office


def _category_help(offices) -> dict[str, str]:
    """The intake's hint per category, from the office's policy, never a number or a role in
    the code: a repair's longest promise (repair.promised_date_max; SOP.md §4, 003 §5.2 一般
    不超过三天), everyday help's completion limit (request.completion_max, 003 §5.2), who
    answers a written consultation and within what (consultation.written_reply_roles and
    .written_reply; SOP.md §2 咨询). With several offices to choose from it names the rules."""
    helps = {value: str(text) for value, text in CATEGORY_HELP.items()}
    if len(offices) == 1:
        policy = current_policy(offices[0])
        limit = policy.duration("repair.promised_date_max")
        helps[Category.REPAIR] = helps[Category.REPAIR] % {"limit": limit}
        helps[Category.OTHER] = _(
            "其他生活或工作上的正常求助,力所能及地提供帮助;不能当场解决的,告知住户解决时间,"
            "一般不超过%(limit)s"
        ) % {"limit": policy.duration("request.completion_max")}
        helps[Category.CONSULTATION] = _(
            "口头咨询即时答复;书面咨询由%(roles)s在%(limit)s内书面答复"
        ) % {
            "roles": role_names(policy.roles("consultation.written_reply_roles")),
            "limit": policy.duration("consultation.written_reply"),
        }
    else:
        helps[Category.REPAIR] = _(
            "与住户约定完成时间,一般不超过本管理处策略“维修承诺完成日期最长”"
        )
        helps[Category.OTHER] = _(
            "其他生活或工作上的正常求助,力所能及地提供帮助;不能当场解决的,告知住户解决时间,"
            "一般不超过本管理处策略“一般求助处理完毕时限”"
        )
        helps[Category.CONSULTATION] = _(
            "口头咨询即时答复;书面咨询由本管理处策略“书面咨询书面答复岗位”所列岗位书面答复"
        )
    return helps


def _contact_of(household) -> tuple[str, str]:
    """The first current resident with a phone (owners first), else the first one."""
    residents = getattr(household, "current_residents", [])
    for resident in residents:
        if resident.phone:
            return resident.name, resident.phone
    return (residents[0].name, "") if residents else ("", "")


@login_required
@permission_required("service_requests.add_servicerequest", raise_exception=True)
def request_new(request):
    form = forms.IntakeForm(request.POST or None, request.FILES or None)
    household = None
    offices = list(office_list(user=request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["household"]:
            household = (
                household_queryset(user=request.user)
                .select_related("office", "unit__building__estate")
                .filter(pk=data["household"])
                .first()
            )
            if household is None:
                form.add_error("household", _("未找到该住户,请重新查找"))
        office = _intake_office(request.user, data["office"], household)
        if office is None and not form.errors:
            form.add_error("office", _("请选择管理处"))
        if not form.errors:
            try:
                created = attachments.request_intake_with_attachments(
                    actor=request.user,
                    office=office,
                    files=data["file"],
                    data=services.IntakeData(
                        category=data["category"],
                        channel=data["channel"],
                        description=data["description"],
                        household=household,
                        location=data["location"],
                        contact_name=data["contact_name"],
                        contact_phone=data["contact_phone"],
                        is_paid_service=data["is_paid_service"],
                        is_major=data["is_major"],
                        reported_now=data["reported_now"],
                        reception_label=data["reception_label"],
                        received_at=data["received_at"],
                        reply_now=data["reply_now"],
                        emergency_help=tuple(data["emergency_help"]),
                    ),
                )
            except PermissionDeniedError as error:
                raise PermissionDenied(error.message) from None
            except ObjectNotFoundError:
                raise Http404 from None
            except ApplicationError as error:
                apply_application_error(form, error)
            else:
                messages.success(request, _intake_message(created))
                return redirect("service_requests:request_detail", pk=created.pk)
    elif request.method == "POST" and form.cleaned_data.get("household"):
        household = (
            household_queryset(user=request.user)
            .filter(pk=form.cleaned_data["household"])
            .select_related("unit__building__estate")
            .first()
        )
    chosen = form["category"].value() if form.is_bound else ""
    helps = _category_help([household.office] if household is not None else offices)
    return render(
        request,
        "service_requests/request_new.html",
        {
            "form": form,
            "household": household,
            "offices": offices,
            "categories": [
                {
                    "value": value,
                    "label": label,
                    "key": CATEGORY_KEYS[value],
                    "help": helps[value],
                    "special": value in SPECIAL_CATEGORIES,
                    "checked": value == chosen,
                }
                for value, label in Category.choices
            ],
            "chosen_special": chosen in SPECIAL_CATEGORIES,
            "chosen_medical": chosen == Category.MEDICAL_EMERGENCY,
            "chosen_help": helps.get(chosen, ""),
        },
    )


def _intake_message(created) -> str:
    deadline = min(
        (d for d in created.deadlines.all() if d.is_open), key=lambda d: d.due_at, default=None
    )
    if deadline is None:
        return _("已受理,登记号 %(number)s。") % {"number": created.number}
    return _("已受理,登记号 %(number)s。下一时限:%(kind)s,%(due)s 前。") % {
        "number": created.number,
        "kind": deadline.get_kind_display(),
        "due": timezone.localtime(deadline.due_at).strftime("%Y-%m-%d %H:%M"),
    }


@login_required
@permission_required("service_requests.add_servicerequest", raise_exception=True)
def household_pick(request):
    """The intake's inline household search (htmx): room 3-2-1502, name, phone or last four."""
    query = request.GET.get("hq", "").strip()[:50]
    rows = []
    if query:
        for household in household_list(user=request.user, query=query)[:HOUSEHOLD_PICK_LIMIT]:
            name, phone = _contact_of(household)
            rows.append({"household": household, "contact_name": name, "contact_phone": phone})
    return render(request, "service_requests/_household_pick.html", {"rows": rows, "query": query})


# --- Detail and actions ------------------------------------------------------------------------


def _works_on(user, sr) -> bool:
    staff = getattr(user, "staff", None)
    return sr.assignee_id == user.pk or (
        staff is not None
        and sr.assigned_department_id is not None
        and staff.department_id == sr.assigned_department_id
    )


@dataclass(frozen=True)
class Action:
    """One thing a user may do to a request: which form, when it is offered, which service."""

    name: str
    label: str
    form_class: type
    statuses: frozenset
    who: str  # "handle", "work", "cancel"
    run: Callable  # (user, sr, cleaned_data, extra) -> None
    button: str = ""
    danger: bool = False


def _run_reply(user, sr, d, _extra):
    services.request_reply(actor=user, request=sr, version=d["version"], reply=d["reply"])


def _run_dispatch(user, sr, d, extra):
    department = next((x for x in extra["departments"] if x.pk == d["department"]), None)
    if department is None:
        raise ApplicationError(
            _("请选择本管理处在用的部门"),
            field_errors={"department": [_("请选择本管理处在用的部门")]},
        )
    assignee = None
    if d["assignee"]:
        staff = next((s for s in extra["assignees"] if s.user_id == d["assignee"]), None)
        if staff is None:
            raise ApplicationError(
                _("处理人须为本管理处员工"),
                field_errors={"assignee": [_("处理人须为本管理处员工")]},
            )
        assignee = staff.user
    services.request_dispatch(
        actor=user,
        request=sr,
        version=d["version"],
        department=department,
        assignee=assignee,
        note=d["note"],
    )


def _run_refer(user, sr, d, extra):
    party = next((x for x in extra["parties"] if x.pk == d["party"]), None)
    if party is None:
        raise ApplicationError(_("请选择外部单位"), field_errors={"party": [_("请选择外部单位")]})
    services.request_refer(
        actor=user, request=sr, version=d["version"], party=party, resident_told=d["resident_told"]
    )


BEFORE_RESOLUTION = services.BEFORE_RESOLUTION
NOT_FINAL = frozenset(OPEN_STATUSES)

ACTIONS = OrderedDict(
    (a.name, a)
    for a in [
        Action(
            "reply",
            gettext_lazy("答复住户"),
            forms.ReplyForm,
            frozenset(OPEN_STATUSES - {Status.RESOLVED, Status.CONFIRMED, Status.VISITED}),
            "handle",
            _run_reply,
        ),
        Action(
            "dispatch",
            gettext_lazy("派工"),
            forms.DispatchForm,
            BEFORE_RESOLUTION,
            "handle",
            _run_dispatch,
        ),
        Action(
            "acknowledge",
            gettext_lazy("接单"),
            forms.PlainActionForm,
            frozenset({Status.DISPATCHED}),
            "work",
            lambda user, sr, d, _e: services.request_acknowledge(
                actor=user, request=sr, version=d["version"]
            ),
        ),
        Action(
            "start",
            gettext_lazy("开始处理"),
            forms.PlainActionForm,
            frozenset({Status.REPLIED, Status.DISPATCHED, Status.ACKNOWLEDGED}),
            "work",
            lambda user, sr, d, _e: services.request_start(
                actor=user, request=sr, version=d["version"]
            ),
        ),
        Action(
            "appointment",
            gettext_lazy("约定完成时间"),
            forms.AppointmentForm,
            BEFORE_RESOLUTION,
            "work",
            lambda user, sr, d, _e: services.request_set_appointment(
                actor=user,
                request=sr,
                version=d["version"],
                promised_at=d["promised_at"],
                reason=d["reason"],
            ),
        ),
        Action(
            "resolve",
            gettext_lazy("登记处理结果"),
            forms.ResolveForm,
            BEFORE_RESOLUTION,
            "work",
            lambda user, sr, d, _e: services.request_resolve(
                actor=user,
                request=sr,
                version=d["version"],
                result=d["result"],
                public_note=d["public_note"],
            ),
        ),
        Action(
            "confirm",
            gettext_lazy("登记住户确认"),
            forms.ConfirmForm,
            frozenset({Status.RESOLVED}),
            "handle",
            lambda user, sr, d, _e: services.request_confirm(
                actor=user, request=sr, version=d["version"], channel=d["channel"], note=d["note"]
            ),
        ),
        Action(
            "follow_up",
            gettext_lazy("登记回访"),
            forms.FollowUpForm,
            frozenset({Status.RESOLVED, Status.CONFIRMED}),
            "handle",
            lambda user, sr, d, _e: services.request_follow_up(
                actor=user,
                request=sr,
                version=d["version"],
                satisfaction=d["satisfaction"],
                comment=d["comment"],
            ),
        ),
        Action(
            "close",
            gettext_lazy("关闭"),
            forms.CloseForm,
            frozenset({Status.CONFIRMED, Status.VISITED}),
            "handle",
            lambda user, sr, d, _e: services.request_close(
                actor=user, request=sr, version=d["version"], note=d["note"]
            ),
        ),
        Action(
            "refer",
            gettext_lazy("转介外部单位"),
            forms.ReferForm,
            BEFORE_RESOLUTION,
            "handle",
            _run_refer,
        ),
        Action(
            "report",
            gettext_lazy("报告主管"),
            forms.SupervisorReportForm,
            NOT_FINAL,
            "work",
            lambda user, sr, d, _e: services.request_report_to_supervisor(
                actor=user, request=sr, note=d["note"]
            ),
        ),
        Action(
            "note",
            gettext_lazy("添加备注"),
            forms.NoteForm,
            frozenset(Status.values),
            "work",
            lambda user, sr, d, _e: services.request_add_note(
                actor=user,
                request=sr,
                internal_note=d["internal_note"],
                public_note=d["public_note"],
            ),
        ),
        Action(
            "reopen",
            gettext_lazy("重新打开"),
            forms.ReasonForm,
            frozenset(
                {Status.RESOLVED, Status.CONFIRMED, Status.VISITED, Status.CLOSED, Status.REFERRED}
            ),
            "handle",
            lambda user, sr, d, _e: services.request_reopen(
                actor=user, request=sr, version=d["version"], reason=d["reason"]
            ),
        ),
        Action(
            "cancel",
            gettext_lazy("撤销"),
            forms.ReasonForm,
            BEFORE_RESOLUTION,
            "cancel",
            lambda user, sr, d, _e: services.request_cancel(
                actor=user, request=sr, version=d["version"], reason=d["reason"]
            ),
            danger=True,
        ),
    ]
)


def _may(user, sr, action: Action, owner: StepOwner | None, may_write) -> bool:
    """Whether to offer the action (the service decides for real). A step the procedure on top
    of the request takes itself (`owner`, service_requests.hooks) is not offered here."""
    if sr.status not in action.statuses:
        return False
    if owner is not None and owner.owns(action.name):
        return False
    if action.who == "cancel":
        return user.has_perm("service_requests.cancel_servicerequest")
    written = services.is_written_consultation(sr)
    if action.name == "reply" and written:
        # The written reply is given by the roles the office's policy names (SOP.md §2 咨询;
        # 000 篇12 三.1 相关主管人员), who may hold no other help-desk permission.
        return sr.first_replied_at is None and may_write()
    # Ending an unanswered letter answers it: the same roles (services.request_resolve).
    unanswered_letter = written and sr.first_replied_at is None
    if action.name in ("resolve", "refer") and unanswered_letter:
        return may_write() and user.has_perm("service_requests.change_servicerequest")
    if user.has_perm("service_requests.change_servicerequest"):
        if action.name == "reply":
            return sr.first_replied_at is None
        return True
    return (
        action.who == "work"
        and user.has_perm("service_requests.work_on_request")
        and _works_on(user, sr)
    )


def _written_reply_note(sr, offered) -> str:
    """Who gives the written reply to a written consultation still waiting for it, under the
    request's policy version (consultation.written_reply_roles; SOP.md §2 咨询, 000 篇3 §4.3.1):
    the front desk is not offered the step, so the page says whom to pass the letter to."""
    reply = ACTIONS["reply"]
    if not (
        services.is_written_consultation(sr)
        and sr.first_replied_at is None
        and sr.status in reply.statuses
    ):
        return ""
    rule_value = policy_of(sr).value("consultation.written_reply_roles")
    roles = role_names(rule_value.value)
    note = _("书面咨询由%(roles)s书面答复(策略“%(rule)s”,%(clause)s)。") % {
        "roles": roles,
        "rule": rule_value.rule.label,
        "clause": rule_value.rule.clause,
    }
    if reply not in offered:
        note += _("您的岗位不能登记书面答复,请将书面咨询报%(roles)s。") % {"roles": roles}
    return note


def _form_extra(user, sr, names, *, fresh=False) -> dict:
    """The dispatch and referral choices: cached per office for showing the page, read afresh
    (`fresh`) when a form is submitted, since the service checks the chosen objects."""
    extra = {}
    if "dispatch" in names:
        extra["departments"] = console_selectors.dispatch_departments(
            user=user, request=sr, fresh=fresh
        )
        extra["assignees"] = console_selectors.dispatch_assignees(
            user=user, request=sr, fresh=fresh
        )
    if "refer" in names:
        extra["parties"] = console_selectors.referral_parties(user=user, request=sr, fresh=fresh)
    return extra


def _make_form(action: Action, sr, extra, data=None):
    kwargs = {"prefix": action.name, "initial": {"version": sr.version}}
    if action.name == "dispatch":
        kwargs.update(departments=extra["departments"], assignees=extra["assignees"])
    elif action.name == "refer":
        kwargs["parties"] = extra["parties"]
    return action.form_class(data, **kwargs)


_ACTION_SLOT = "action-name-slot"  # reversed once per page; each form's URL names its action


def _detail_context(
    user, sr, *, failed: tuple[str, object] | None = None, step_errors=None, attachment_form=None
):
    now = timezone.now()
    form_cache_seconds = caching.timeout("CONSOLE_CHOICES_CACHE_SECONDS")
    owner = procedure_owner(sr)  # e.g. a complaint: its steps are taken on its own page
    # Whether the user gives written replies (a written consultation only): asked once a page.
    may_write = functools.cache(lambda: services.may_reply_in_writing(user, sr))
    offered = [a for a in ACTIONS.values() if _may(user, sr, a, owner, may_write)]
    # The dispatch and referral choices (cached lists of model rows) are only read when a
    # form is built, and an unbound form is only built when its cached HTML has expired.
    extra = SimpleLazyObject(lambda: _form_extra(user, sr, {a.name for a in offered}))
    action_forms = []
    # An unbound action form's fields are the same for every request of the office at the
    # same version: rendered once (their widgets are most of the page's rendering time).
    form_key = f"{console_selectors.choices_key(user)}:{sr.office_id}:{sr.version}"
    action_url = reverse("service_requests:request_action", args=[sr.pk, _ACTION_SLOT])
    for action in offered:
        is_failed = bool(failed and failed[0] == action.name)
        form = (
            failed[1]
            if is_failed
            else SimpleLazyObject(functools.partial(_make_form, action, sr, extra))
        )
        action_forms.append(
            {
                "action": action,
                "form": form,
                "open": is_failed,
                "cache_key": f"{form_key}:{action.name}:{'bound' if is_failed else 'unbound'}",
                "url": action_url.replace(_ACTION_SLOT, action.name),
                "cache_seconds": 0 if is_failed else form_cache_seconds,
            }
        )
    events = console_selectors.request_events(sr)
    deadline_list = console_selectors.request_deadlines(sr)
    # Only a medical emergency has a checklist (intake refuses help choices on any other
    # category), and every upload writes its ATTACHMENT_ADDED event in the same transaction:
    # most pages need neither query.
    steps = (
        list(sr.emergency_steps.order_by("branch", "position"))
        if sr.category == Category.MEDICAL_EMERGENCY
        else []
    )
    has_files = any(e.type == EventType.ATTACHMENT_ADDED for e in events)
    files = attachments.attachment_list(request=sr) if has_files else []
    names = console_selectors.people_names(
        user,
        [e.actor_id for e in events]
        + [s.done_by_id for s in steps]
        + [s.skipped_by_id for s in steps]
        + [a.uploaded_by_id for a in files]
        + [sr.entered_by_id, sr.assignee_id],
    )
    can_work = user.has_perm("service_requests.change_servicerequest") or (
        user.has_perm("service_requests.work_on_request") and _works_on(user, sr)
    )
    can_attach = can_work or attachment_form is not None
    checklist = []
    for branch, (label, definitions) in BRANCHES.items():
        branch_steps = [s for s in steps if s.branch == branch]
        if not branch_steps:
            continue
        needs = {d.code: d.needs_detail for d in definitions}
        checklist.append(
            {
                "label": label,
                "steps": [
                    {
                        "step": s,
                        "needs_detail": needs.get(s.code, ""),
                        "done_by": names.get(s.done_by_id, ""),
                        "skipped_by": names.get(s.skipped_by_id, ""),
                        "error": (step_errors or {}).get(s.pk),
                    }
                    for s in branch_steps
                ],
            }
        )
    statuses = choice_labels(Status)
    system = _("系统")
    timeline = [
        {
            "event": e,
            "actor": names.get(e.actor_id, "") if e.actor_id else system,
            "before": statuses.get(e.status_before, ""),
            "after": statuses.get(e.status_after, ""),
        }
        for e in events
    ]
    deadlines = console_selectors.deadline_rows(deadline_list, now)
    return {
        "sr": sr,
        "now": now,
        "badge": STATUS_BADGE.get(sr.status, ""),
        "is_final": sr.status in FINAL_STATUSES,
        "deadlines_html": detail_html.deadlines_html(deadlines),
        "category_label": choice_labels(Category).get(sr.category, sr.category),
        "status_label": statuses.get(sr.status, sr.status),
        "facts_html": detail_html.facts_html(
            sr,
            entered_by=names.get(sr.entered_by_id, ""),
            assignee=names.get(sr.assignee_id, "") if sr.assignee_id else "",
            household_url=reverse("estates:household_detail", args=[sr.household_id])
            if sr.household_id
            else "",
        ),
        "next_deadline_html": detail_html.next_deadline_html(
            console_selectors.next_deadline(sr, deadline_list, now), now
        ),
        "timeline_html": detail_html.timeline_html(timeline),
        "checklist": checklist,
        "written_reply_note": _written_reply_note(sr, offered),
        "can_work": can_work,
        "action_forms": action_forms,
        "procedure_owner": owner,
        "procedure_link": owner is not None
        and (not owner.view_permission or user.has_perm(owner.view_permission)),
        "attachments": [
            {
                "attachment": a,
                "uploaded_by": names.get(a.uploaded_by_id, ""),
                "thumbnail": a.content_type in attachments.THUMBNAIL_TYPES,
            }
            for a in files
        ],
        # The upload form is the same for every request without attachments: its fields are
        # rendered once per language (with attachments, once per request and last upload).
        "can_attach": can_attach,
        "attachment_fields_html": detail_html.attachment_fields_html(
            attachment_form
            or SimpleLazyObject(lambda: forms.AttachmentForm(prefix="attach", attachments=files)),
            key=(
                f"bound:{id(attachment_form)}"
                if attachment_form is not None
                else f"{sr.pk}:{files[-1].pk}"
                if files
                else "none"
            ),
            seconds=0 if attachment_form is not None else form_cache_seconds,
            with_supersedes=bool(files),
        )
        if can_attach
        else "",
    }


@login_required
@permission_required("service_requests.view_servicerequest", raise_exception=True)
@staff_console
def request_detail(request, pk):
    sr = console_selectors.request_page_get(user=request.user, pk=pk)
    return _render_detail(request, _detail_context(request.user, sr))


def _render_detail(request, context, status=200):
    """The request's page; its action forms are written by detail_html (the csrf token is
    the one every form of the page shares)."""
    context["actions_html"] = detail_html.actions_html(
        context["action_forms"], page_csrf_token(request)
    )
    return render(request, "service_requests/request_detail.html", context, status=status)


def _refusal(request, pk, error: ApplicationError, **context_kwargs):
    """Show the page again with the refusal; nothing was written (the service is atomic)."""
    if isinstance(error, PermissionDeniedError):
        raise PermissionDenied(error.message)
    if isinstance(error, ObjectNotFoundError):
        raise Http404
    sr = request_get(user=request.user, pk=pk)  # fresh: someone else may have changed it
    context = _detail_context(request.user, sr, **context_kwargs)
    context["refusal"] = error.message
    status = error.status_code if isinstance(error, services.StaleUpdateError) else 200
    return _render_detail(request, context, status=status)


@login_required
@permission_required("service_requests.view_servicerequest", raise_exception=True)
@require_POST
@staff_console
def request_action(request, pk, name):
    action = ACTIONS.get(name)
    if action is None:
        raise Http404
    sr = request_get(user=request.user, pk=pk)
    extra = _form_extra(request.user, sr, {name}, fresh=True)
    form = _make_form(action, sr, extra, data=request.POST)
    if not form.is_valid():
        context = _detail_context(request.user, sr, failed=(name, form))
        return _render_detail(request, context)
    try:
        action.run(request.user, sr, form.cleaned_data, extra)
    except services.StaleUpdateError as error:
        return _refusal(request, pk, error)
    except ApplicationError as error:
        if isinstance(error, (PermissionDeniedError, ObjectNotFoundError)):
            return _refusal(request, pk, error)
        apply_application_error(form, error)
        return _refusal(request, pk, error, failed=(name, form))
    messages.success(
        request,
        _("%(number)s:%(action)s已登记。") % {"number": sr.number, "action": action.label},
    )
    return redirect("service_requests:request_detail", pk=sr.pk)


@login_required
@permission_required("service_requests.view_servicerequest", raise_exception=True)
@require_POST
@staff_console
def attachment_upload(request, pk):
    sr = request_get(user=request.user, pk=pk)
    form = forms.AttachmentForm(
        request.POST,
        request.FILES,
        prefix="attach",
        attachments=attachments.attachment_list(request=sr),
    )
    form.is_valid()  # every rule is the service's; the form only parses
    data = form.cleaned_data
    corrected = data.get("supersedes")  # one of this request's attachments (the choices)
    try:
        attachments.request_attach(
            actor=request.user,
            request=sr,
            file=data.get("file"),
            caption=data.get("caption", ""),
            supersedes=attachments.attachment_get(user=request.user, request_pk=sr.pk, pk=corrected)
            if corrected
            else None,
        )
    except ApplicationError as error:
        if isinstance(error, (PermissionDeniedError, ObjectNotFoundError)):
            return _refusal(request, pk, error)
        apply_application_error(form, error)
        return _refusal(request, pk, error, attachment_form=form)
    messages.success(request, _("%(number)s:附件已上传。") % {"number": sr.number})
    return redirect("service_requests:request_detail", pk=sr.pk)


@login_required
@permission_required("service_requests.view_servicerequest", raise_exception=True)
@staff_console
def attachment_download(request, pk, attachment_pk):
    """The file, only for a user who may see the request (MEDIA is never served publicly)."""
    attachment = attachments.attachment_get(user=request.user, request_pk=pk, pk=attachment_pk)
    return attachments.attachment_response(attachment)


def _record_emergency_step(request, pk, step_pk, form_class, record, done: str):
    """Post one record of a checklist step (done, or not needed) through `record(step, data)`;
    a refusal is shown next to the step. `done` is the message, with %(label)s."""
    sr = request_get(user=request.user, pk=pk)
    step = next((s for s in sr.emergency_steps.all() if s.pk == step_pk), None)
    if step is None:
        raise Http404
    form = form_class(request.POST)
    form.is_valid()
    try:
        record(step, form.cleaned_data)
    except ApplicationError as error:
        return _refusal(request, pk, error, step_errors={step.pk: error.message})
    messages.success(request, done % {"label": step.label})
    return redirect("service_requests:request_detail", pk=sr.pk)


@login_required
@permission_required("service_requests.view_servicerequest", raise_exception=True)
@require_POST
@staff_console
def emergency_step(request, pk, step_pk):
    return _record_emergency_step(
        request,
        pk,
        step_pk,
        forms.EmergencyStepForm,
        lambda step, data: emergency_step_done(
            actor=request.user, step=step, detail=data.get("detail", "")
        ),
        _("已登记:%(label)s"),
    )


@login_required
@permission_required("service_requests.view_servicerequest", raise_exception=True)
@require_POST
@staff_console
def emergency_step_not_needed(request, pk, step_pk):
    """Record that the case did not need a step, with why (SOP.md §2 急救)."""
    return _record_emergency_step(
        request,
        pk,
        step_pk,
        forms.EmergencyStepSkipForm,
        lambda step, data: emergency_step_skip(
            actor=request.user, step=step, reason=data.get("reason", "")
        ),
        _("已登记不需要:%(label)s"),
    )


# --- Queues ------------------------------------------------------------------------------------

QUEUES = [
    ("mine", gettext_lazy("我的待办")),
    ("my_department", gettext_lazy("本部门")),
    ("all_open", gettext_lazy("全部未完成")),
    ("overdue", gettext_lazy("已逾期")),
    ("all", gettext_lazy("全部")),
]


def _default_tab(user) -> str:
    """The desk works from every open request, nearest deadline first; a department's worker
    (技工: may work on what is dispatched to them, not run the desk) from their department's
    jobs — a job sent to the whole department is theirs to take (接单) — or, without a
    department, their own."""
    if user.has_perm("service_requests.change_servicerequest"):
        return "all_open"
    card = staff_card(user)
    return "my_department" if card is not None and card.department_id else "mine"


@login_required
@permission_required("service_requests.view_servicerequest", raise_exception=True)
@staff_console
def request_queue(request):
    user = request.user
    queue = request.GET.get("tab") or _default_tab(user)
    if queue not in dict(QUEUES):
        queue = "all_open"
    choices = console_selectors.queue_choices(user=user)  # cached per office

    def filter_form():
        form = forms.QueueFilterForm(request.GET, statuses=[(s.value, s.label) for s in Status])
        form.fields["building"].choices = [*form.fields["building"].choices, *choices.buildings]
        form.fields["staff"].choices = [*form.fields["staff"].choices, *choices.staff]
        form.fields["department"].choices = [
            *form.fields["department"].choices,
            *choices.departments,
        ]
        form.is_valid()  # a bad value is dropped, never an error page
        return form

    filter_params = {k: v for k, v in request.GET.items() if k not in ("page", "tab") and v}
    if filter_params:
        form = filter_form()
        data = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    else:
        # No filter: nothing to validate, and the form is only built when its cached HTML
        # has expired (its choices cost more than the rest of the view).
        form, data = SimpleLazyObject(filter_form), {}
    filters = RequestFilters(
        queue=queue,
        category=data.get("category") or "",
        status=data.get("status") or "",
        building_id=data.get("building"),
        staff_id=data.get("staff"),
        department_id=data.get("department"),
        received_from=data.get("received_from"),
        received_to=data.get("received_to"),
        special_only=bool(data.get("special")),
        query=(data.get("q") or "").strip(),
    )
    now = timezone.now()
    counts = console_selectors.queue_counts(
        user=user, filters=filters, tabs=[name for name, _label in QUEUES], now=now
    )
    # The pages are counted from the tab's count (no second COUNT(*)); the rows of the page
    # come from queue_page.
    paginator = Paginator(range(counts[queue]), QUEUE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    tuples = console_selectors.queue_page(
        user=user,
        filters=filters,
        now=now,
        offset=(page.number - 1) * QUEUE_PAGE_SIZE,
        limit=QUEUE_PAGE_SIZE,
    )
    names = console_selectors.people_names(user, [t[ASSIGNEE] for t in tuples])
    rows = queue_rows.build_rows(tuples, names, now)
    query_string = urlencode({**filter_params, "tab": queue})
    tabs = [
        {
            "name": name,
            "label": label,
            "count": counts[name],
            "query": urlencode({**filter_params, "tab": name}),
        }
        for name, label in QUEUES
    ]
    return render(
        request,
        "service_requests/request_queue.html",
        {
            "form": form,
            "queue": queue,
            "tabs": tabs,
            "tabs_html": queue_rows.tabs_html(tabs, queue),
            "page": page,
            "rows": rows,
            "rows_html": queue_rows.rows_html(rows),
            "pagination_html": queue_rows.pagination_html(page, query_string),
            "may_add": user.has_perm("service_requests.add_servicerequest"),
            "new_url": cached_url("service_requests:request_new"),
            "query_string": query_string,
            "now": now,
            # The filter form is rendered once per office, language and filter values (its
            # choices take most of the page's rendering time).
            "filter_form_key": console_selectors.choices_key(user)
            + ":"
            + hashlib.sha1(urlencode(sorted(request.GET.items())).encode()).hexdigest(),
            "filter_form_seconds": caching.timeout("CONSOLE_CHOICES_CACHE_SECONDS"),
        },
    )
