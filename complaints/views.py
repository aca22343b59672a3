"""Console pages of complaints: form → service → redirect; a refusal is shown and changes
nothing (the services are atomic)."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints import forms, services
from complaints.choices import Handling, Severity, Validity
from complaints.selectors import (
    VISIT_TABS,
    ComplaintFilters,
    complaint_for_request,
    complaint_get,
    complaint_list,
    complaint_queryset,
    follow_up_list,
)
from core.authz import ObjectNotFoundError
from core.decorators import staff_console
from core.exceptions import ApplicationError, PermissionDeniedError
from core.forms import apply_application_error
from organization.models import EXTERNAL_DEPARTMENT_KINDS, Department
from policies.selectors import policy_version_get
from service_requests.choices import Category
from service_requests.selectors import request_get
from violations.views import _household_from_room

PAGE_SIZE = 50

# The complaint page's action forms by action name (also each form's prefix).
FORMS = {
    "step": forms.StepForm,
    "judge": forms.JudgeForm,
    "severity": forms.SeverityForm,
    "hand_over": forms.HandOverForm,
    "slip": forms.SlipForm,
    "return": forms.ReturnForm,
    "tell": forms.TellForm,
    "extension": forms.ExtensionForm,
    "decide": forms.DecideForm,
    "follow_up": forms.FollowUpForm,
    "visit_assign": forms.VisitAssignForm,
    "close": forms.CloseForm,
    "reopen": forms.ReopenForm,
    "link": forms.LinkForm,
}


def _departments(office_id):
    return Department.objects.filter(office_id=office_id, is_active=True).exclude(
        kind__in=EXTERNAL_DEPARTMENT_KINDS
    )


def _hand_over_users(complaint):
    from django.contrib.auth import get_user_model

    key = services.HAND_OVER_ROLES.get(complaint.severity)
    roles = policy_version_get(complaint.request.policy_version_id).roles(key) if key else ()
    return (
        get_user_model()
        .objects.filter(
            staff__roles__code__in=roles, staff__offices=complaint.office_id, is_active=True
        )
        .select_related("staff")
        .distinct()
    )


@login_required
@permission_required("complaints.view_complaint", raise_exception=True)
@staff_console
def complaint_list_view(request):
    filters = ComplaintFilters(
        open_only=request.GET.get("all") != "1",
        severity=request.GET.get("severity", ""),
        validity=request.GET.get("validity", ""),
        query=request.GET.get("q", "").strip(),
    )
    rows = list(complaint_list(user=request.user, filters=filters)[:PAGE_SIZE])
    return render(
        request,
        "complaints/list.html",
        {
            "rows": rows,
            "filters": filters,
            "severities": Severity.choices,
            "validities": Validity.choices,
        },
    )


@login_required
@permission_required("complaints.view_complaint", raise_exception=True)
@staff_console
def follow_up_list_view(request):
    """我的回访: the planned visits assigned to the user (or unassigned, or all), soonest first."""
    tab = request.GET.get("tab", "mine")
    if tab not in VISIT_TABS:
        tab = "mine"
    rows = list(follow_up_list(user=request.user, tab=tab)[:PAGE_SIZE])
    tabs = [("mine", _("我的回访")), ("unassigned", _("未指派")), ("all", _("全部待回访"))]
    return render(
        request,
        "complaints/visits.html",
        {"rows": rows, "tab": tab, "tabs": tabs, "now": timezone.now()},
    )


def _office_users(office_id):
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(staff__offices=office_id, is_active=True)
        .select_related("staff")
        .order_by("staff__name")
        .distinct()
    )


@login_required
@permission_required("complaints.view_complaint", raise_exception=True)
@staff_console
def complaint_for_request_view(request, request_pk):
    """From the request page: the complaint page, or the reception form for a new one."""
    sr = request_get(user=request.user, pk=request_pk)
    if sr.category != Category.COMPLAINT:
        raise Http404
    existing = complaint_for_request(request_id=sr.pk)
    if existing is not None:
        return redirect("complaints:detail", existing.pk)
    form = forms.RecordForm(request.POST or None, departments=_departments(sr.office_id))
    if request.method == "POST" and form.is_valid():
        data = services.ComplaintData(**form.cleaned_data)
        try:
            complaint = services.complaint_record(actor=request.user, request=sr, data=data)
        except PermissionDeniedError as error:
            raise PermissionDenied(error.message) from error
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("投诉已登记"))
            return redirect("complaints:detail", complaint.pk)
    return render(request, "complaints/record.html", {"sr": sr, "form": form})


def _forms(complaint, data=None, name=None):
    """The action forms of the page, each with its action's name as prefix (the page holds them
    all: without it two forms' `note` fields would share one HTML id); `data` binds the one named
    `name`."""
    departments = _departments(complaint.office_id)
    users = _office_users(complaint.office_id)
    hand_over_users = _hand_over_users(complaint)
    kwargs = {
        "judge": {
            "initial": {
                "validity": complaint.validity,
                "valid_kind": complaint.valid_kind,
                "severity": complaint.severity,
                "handling": complaint.handling,
                "explanation": complaint.explanation,
            }
        },
        "severity": {"initial": {"severity": complaint.severity}},
        "hand_over": {"users": hand_over_users},
        "slip": {
            "departments": departments,
            "initial": {"department": complaint.complained_department_id},
        },
        "follow_up": {"users": users},
        "visit_assign": {"users": users, "initial": {"assignee": complaint.follow_up_by_id}},
    }
    built = {}
    for action, form_class in FORMS.items():
        options = dict(kwargs.get(action, {}), prefix=action)
        if action == name:
            options.pop("initial", None)
            built[action] = form_class(data, **options)
        else:
            built[action] = form_class(**options)
    return built


def _run(name, actor, complaint, data):
    if name == "step":
        services.complaint_step_done(actor=actor, complaint=complaint, **data)
    elif name == "judge":
        room = data.pop("violator", "")
        violator = None
        if data.get("handling") == Handling.VIOLATION_CASE and room.strip():
            violator = _household_from_room(actor, room, complaint.request.office)
        services.complaint_judge(actor=actor, complaint=complaint, violator=violator, **data)
    elif name == "severity":
        services.complaint_set_severity(actor=actor, complaint=complaint, **data)
    elif name == "hand_over":
        services.complaint_hand_over(actor=actor, complaint=complaint, **data)
    elif name == "slip":
        services.complaint_send_slip(actor=actor, complaint=complaint, **data)
    elif name == "return":
        services.complaint_return_slip(actor=actor, complaint=complaint, **data)
    elif name == "tell":
        services.complaint_tell_resident(actor=actor, complaint=complaint, **data)
    elif name == "extension":
        services.complaint_request_extension(actor=actor, complaint=complaint, **data)
    elif name == "decide":
        extension = complaint.extensions.filter(pk=data["extension"]).first()
        if extension is None:
            raise ObjectNotFoundError()
        services.complaint_decide_extension(
            actor=actor, extension=extension, approve=data["approve"], note=data["note"]
        )
    elif name == "follow_up":
        services.complaint_follow_up(actor=actor, complaint=complaint, **data)
    elif name == "visit_assign":
        services.complaint_follow_up_assign(actor=actor, complaint=complaint, **data)
    elif name == "close":
        services.complaint_close(actor=actor, complaint=complaint, **data)
    elif name == "reopen":
        services.complaint_reopen(actor=actor, complaint=complaint, **data)
    elif name == "link":
        pks = [int(n) for n in re.findall(r"\d+", data["numbers"])]
        others = list(complaint_queryset(user=actor).filter(pk__in=pks).select_related("request"))
        if len(others) != len(set(pks)):
            raise ApplicationError(
                _("未找到部分投诉编号"), field_errors={"numbers": [_("未找到部分投诉编号")]}
            )
        services.complaint_link(actor=actor, main=complaint, others=others)


def _page(request, complaint, action_forms, refusal="", status=200):
    deadlines = list(complaint.request.deadlines.all())
    steps = {s.code: s for s in complaint.steps.all()}
    return render(
        request,
        "complaints/detail.html",
        {
            "c": complaint,
            "sr": complaint.request,
            "forms": action_forms,
            "deadlines": deadlines,
            "checklist": [(label, steps.get(code)) for code, label in forms.ChecklistStep.choices],
            "follow_up_required": services.follow_up_required(complaint),
            "may_reopen": services.complaint_may_reopen(request.user, complaint),
            "refusal": refusal,
        },
        status=status,
    )


@login_required
@permission_required("complaints.view_complaint", raise_exception=True)
@staff_console
def complaint_detail_view(request, pk):
    complaint = complaint_get(user=request.user, pk=pk)
    return _page(request, complaint, _forms(complaint))


ACTIONS = tuple(FORMS)


@login_required
@permission_required("complaints.view_complaint", raise_exception=True)
@require_POST
@staff_console
def complaint_action_view(request, pk, name):
    if name not in ACTIONS:
        raise Http404
    complaint = complaint_get(user=request.user, pk=pk)
    action_forms = _forms(complaint, request.POST, name)
    form = action_forms[name]
    if not form.is_valid():
        return _page(request, complaint, action_forms)
    try:
        _run(name, request.user, complaint, form.cleaned_data)
    except ObjectNotFoundError as error:
        raise Http404 from error
    except ApplicationError as error:
        # Nothing was written: show the page again, fresh, with the refusal.
        complaint = complaint_get(user=request.user, pk=pk)
        action_forms = _forms(complaint, request.POST, name)
        apply_application_error(action_forms[name], error)
        status = 403 if isinstance(error, PermissionDeniedError) else 200
        return _page(request, complaint, action_forms, refusal=error.message, status=status)
    messages.success(request, _("已保存"))
    return redirect("complaints:detail", pk)
