"""Console pages of duty and handover (SOP.md §6): thin — form → service → redirect."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.exceptions import ApplicationError
from core.forms import apply_application_error
from core.periods import period_from_request
from duty import forms, selectors, services
from duty.chain import verify_chain
from duty.choices import ENTRY_BADGE, ChangeStatus
from organization.selectors import office_list

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _office(request):
    offices = office_list(user=request.user)
    office_id = request.GET.get("office") or request.POST.get("office")
    office = offices.filter(pk=office_id).first() if office_id else offices.first()
    if office is None:
        raise Http404
    return office, offices


def _month(request) -> datetime.date:
    try:
        return datetime.date.fromisoformat(f"{request.GET.get('month', '')}-01")
    except ValueError:
        today = timezone.localdate()
        return (today.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _back(request, fallback: str):
    target = request.POST.get("next") or fallback
    return redirect(target if target.startswith("/") else fallback)


def _run(request, call, success: str):
    try:
        result = call()
    except ApplicationError as error:
        messages.error(request, error.message)
        return None
    messages.success(request, success)
    return result or True


@login_required
@permission_required("duty.view_shift", raise_exception=True)
def index(request):
    office, offices = _office(request)
    now = timezone.now()
    can_sign = request.user.has_perm("duty.sign_duty_log")
    return render(
        request,
        "duty/index.html",
        {
            "office": office,
            "offices": offices,
            "current": selectors.current_shift(office, now),
            "warning": selectors.roster_missing_warning(office, timezone.localdate(now)),
            "contacts": selectors.after_hours_contacts(office),
            "unsigned": selectors.unsigned_shifts(user=request.user, office=office, now=now)[:10]
            if can_sign
            else [],
            "my_shifts": selectors.my_shifts(user=request.user, office=office, now=now),
            "handovers": selectors.handover_list(user=request.user, office=office)[:10],
        },
    )


def _roster_context(request):
    office, offices = _office(request)
    month = _month(request)
    roster = selectors.roster_for_month(user=request.user, office=office, month=month)
    shifts = list(selectors.roster_shifts(roster)) if roster else []
    return office, offices, month, roster, shifts


@login_required
@permission_required("duty.view_roster", raise_exception=True)
def roster(request):
    office, offices, month, roster_, shifts = _roster_context(request)
    return render(
        request,
        "duty/roster.html",
        {
            "office": office,
            "offices": offices,
            "month": month,
            "prev_month": (month - datetime.timedelta(days=1)).replace(day=1),
            "next_month": (month + datetime.timedelta(days=32)).replace(day=1),
            "roster": roster_,
            "shifts": shifts,
            "staff": selectors.office_staff(office),
            "changes": selectors.roster_changes(user=request.user, office=office)[:30],
            "pending": ChangeStatus.PENDING,
            "warning": selectors.roster_missing_warning(office, timezone.localdate()),
        },
    )


@login_required
@permission_required("duty.view_roster", raise_exception=True)
def roster_print(request):
    office, _offices, month, roster_, shifts = _roster_context(request)
    return render(
        request,
        "duty/roster_print.html",
        {"office": office, "month": month, "roster": roster_, "shifts": shifts},
    )


@login_required
@permission_required("duty.view_roster", raise_exception=True)
def roster_xlsx(request):
    from reception.exports import Column, build_workbook

    office, _offices, month, roster_, shifts = _roster_context(request)
    columns = (
        Column("日期", 12),
        Column("星期", 8),
        Column("班次", 14),
        Column("节日", 12),
        Column("开始", 18),
        Column("结束", 18),
        Column("值班人员", 14),
        Column("手机", 16),
    )
    weekdays = "一二三四五六日"
    rows = [
        (
            s.date.isoformat(),
            weekdays[s.date.weekday()],
            s.get_kind_display(),
            s.day_name,
            s.starts_at,
            s.ends_at,
            s.assignee.staff.name if s.assignee_id else "",
            s.assignee.staff.phone if s.assignee_id else "",
        )
        for s in shifts
    ]
    content = build_workbook(
        title="住户服务中心值班安排表",
        subtitle=f"{office.name} {month:%Y-%m}"
        + ("" if roster_ and roster_.is_published else "(未发布)"),
        columns=columns,
        rows=rows,
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        True, f"值班安排表-{office.code}-{month:%Y-%m}.xlsx"
    )
    return response


@login_required
@require_POST
def roster_generate(request):
    office, _offices = _office(request)
    month = _month(request)
    _run(
        request,
        lambda: services.roster_generate(actor=request.user, office=office, month=month),
        _("已生成%(month)s的班次") % {"month": f"{month:%Y-%m}"},
    )
    return redirect(f"{reverse('duty:roster')}?office={office.pk}&month={month:%Y-%m}")


@login_required
@require_POST
def roster_publish(request):
    office, _offices = _office(request)
    month = _month(request)
    roster_ = selectors.roster_for_month(user=request.user, office=office, month=month)
    if roster_ is None:
        raise Http404
    _run(
        request,
        lambda: services.roster_publish(actor=request.user, roster=roster_),
        _("值班安排表已发布"),
    )
    return redirect(f"{reverse('duty:roster')}?office={office.pk}&month={month:%Y-%m}")


@login_required
@require_POST
def shift_assign(request, pk):
    shift = selectors.shift_get(user=request.user, pk=pk)
    assignee = None
    if request.POST.get("assignee"):
        assignee = selectors.office_staff(shift.office).filter(pk=request.POST["assignee"]).first()
    _run(
        request,
        lambda: services.shift_assign(actor=request.user, shift=shift, assignee=assignee),
        _("已安排%(date)s的值班人员") % {"date": shift.date},
    )
    return redirect(f"{reverse('duty:roster')}?office={shift.office_id}&month={shift.date:%Y-%m}")


@login_required
def change_request(request, pk):
    shift = selectors.shift_get(user=request.user, pk=pk)
    others = shift.roster.shifts.exclude(pk=shift.pk).filter(assignee__isnull=False)
    form = forms.ChangeRequestForm(request.POST or None, shifts=others)
    if request.method == "POST" and form.is_valid():
        try:
            services.roster_change_request(
                actor=request.user,
                shift=shift,
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
                swap_with=form.cleaned_data["swap_with"],
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("申请已提交,待主管审批"))
            return redirect(
                f"{reverse('duty:roster')}?office={shift.office_id}&month={shift.date:%Y-%m}"
            )
    return render(
        request,
        "duty/form.html",
        {"form": form, "title": _("请假/调班申请:%(date)s") % {"date": shift.date}},
    )


@login_required
def change_decide(request, pk):
    change = selectors.change_get(user=request.user, pk=pk)
    form = forms.DecideForm(request.POST or None, staff=selectors.office_staff(change.office))
    if request.method == "POST" and form.is_valid():
        try:
            services.roster_change_decide(
                actor=request.user,
                change=change,
                approve=form.cleaned_data["approve"],
                replacement=form.cleaned_data["replacement"],
                note=form.cleaned_data["note"],
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("已审批"))
            return redirect(
                f"{reverse('duty:roster')}?office={change.office_id}"
                f"&month={change.shift.date:%Y-%m}"
            )
    return render(
        request,
        "duty/form.html",
        {
            "form": form,
            "title": f"{change.get_kind_display()} {change.shift.date}",
            "change": change,
        },
    )


# --- The log -----------------------------------------------------------------------------------


@login_required
@permission_required("duty.view_logentry", raise_exception=True)
def log(request):
    office, offices = _office(request)
    form = forms.LogEntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        service_request = None
        try:
            if data["request_number"]:
                from service_requests.selectors import request_queryset

                # The number is QZ<date>-<id> (ServiceRequest.number); the id finds it.
                tail = data["request_number"].strip().rsplit("-", 1)[-1]
                service_request = (
                    request_queryset(user=request.user)
                    .filter(office=office, pk=int(tail) if tail.isdigit() else 0)
                    .first()
                )
                if service_request is None:
                    raise ApplicationError(
                        _("未找到该求助编号"),
                        field_errors={"request_number": [_("未找到该求助编号")]},
                    )
            services.log_entry_add(
                actor=request.user,
                office=office,
                text=data["text"],
                at=data["at"],
                service_request=service_request,
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("已记入值班记录"))
            return redirect(f"{request.path}?office={office.pk}")
    page = Paginator(selectors.log_list(user=request.user, office=office), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "duty/log.html",
        {
            "office": office,
            "offices": offices,
            "page": page,
            "form": form,
            "badges": ENTRY_BADGE,
            "query_string": f"office={office.pk}",
        },
    )


@login_required
def log_correct(request, pk):
    entry = selectors.log_entry_get(user=request.user, pk=pk)
    form = forms.CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.log_entry_correct(
                actor=request.user, entry=entry, text=form.cleaned_data["text"]
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("已写入更正记录,原记录保留"))
            return redirect(f"{reverse('duty:log')}?office={entry.office_id}")
    return render(
        request,
        "duty/form.html",
        {"form": form, "title": _("更正第%(seq)s条记录") % {"seq": entry.seq}, "entry": entry},
    )


@login_required
def missed_call(request):
    office, _offices = _office(request)
    form = forms.MissedCallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.missed_call_record(
                actor=request.user,
                office=office,
                at=data["at"],
                rings=data["rings"],
                caller=data["caller"],
                note=data["note"],
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("已登记"))
            return redirect(f"{reverse('duty:log')}?office={office.pk}")
    return render(request, "duty/form.html", {"form": form, "title": _("登记未及时接听的来电")})


@login_required
@permission_required("duty.verify_duty_log", raise_exception=True)
def log_verify(request):
    office, offices = _office(request)
    report = verify_chain(office.pk)
    return render(
        request,
        "duty/verify.html",
        {"office": office, "offices": offices, "report": report},
    )


@login_required
@permission_required("duty.sign_duty_log", raise_exception=True)
def unsigned(request):
    office, offices = _office(request)
    shifts = selectors.unsigned_shifts(user=request.user, office=office, now=timezone.now())
    return render(
        request,
        "duty/unsigned.html",
        {"office": office, "offices": offices, "shifts": shifts[:200]},
    )


@login_required
@require_POST
def shift_sign(request, pk):
    shift = selectors.shift_get(user=request.user, pk=pk)
    # The signer is the signed-in user; any "signer" in the form is ignored.
    _run(
        request,
        lambda: services.shift_log_sign(
            actor=request.user, shift=shift, note=request.POST.get("note", "")
        ),
        _("已签阅%(date)s的值班记录") % {"date": shift.date},
    )
    return _back(request, f"{reverse('duty:unsigned')}?office={shift.office_id}")


@login_required
@permission_required("duty.view_logentry", raise_exception=True)
def missed_call_report(request):
    """Missed calls of a period (default: this month so far); a reversed or unreadable period
    is refused with its message (400) and nothing is counted (core.periods)."""
    office, offices = _office(request)
    today = timezone.localdate()
    period = period_from_request(request, default_from=today.replace(day=1), default_to=today)
    rows, total = [], 0
    if not period.error:
        rows, total = selectors.missed_call_report(
            user=request.user, office=office, date_from=period.date_from, date_to=period.date_to
        )
    return render(
        request,
        "duty/missed_calls.html",
        {
            "office": office,
            "offices": offices,
            "rows": rows,
            "total": total,
            "period": period,
            "date_from": period.date_from,
            "date_to": period.date_to,
        },
        status=400 if period.error else 200,
    )


# --- Handover ------------------------------------------------------------------------------------


@login_required
@require_POST
def handover_start(request, pk):
    shift = selectors.shift_get(user=request.user, pk=pk)
    handover = _run(
        request,
        lambda: services.handover_start(actor=request.user, shift=shift),
        _("已记录到岗,开始交接"),
    )
    if handover and handover is not True:
        return redirect("duty:handover_detail", handover.pk)
    return redirect(f"{reverse('duty:index')}?office={shift.office_id}")


@login_required
@permission_required("duty.view_handover", raise_exception=True)
def handover_detail(request, pk):
    handover = selectors.handover_get(user=request.user, pk=pk)
    items = list(handover.post.items.all()) if handover.post else []
    return render(
        request,
        "duty/handover.html",
        {
            "handover": handover,
            "count_form": forms.CountForm(items=items),
            "area_form": forms.AreaCheckForm(),
            "note_form": forms.NoteForm(),
            "reason_form": forms.ReasonForm(),
            "counts": handover.counts.select_related("item"),
            "carried": handover.carried.select_related("service_request"),
            "blocking": services.important_open_items(handover),
            "checklist_opens": services.checklist_opens_at(handover),
            "is_incoming": request.user.pk == handover.incoming_id,
            "is_outgoing": request.user.pk == handover.outgoing_id,
        },
    )


@login_required
@require_POST
def handover_step(request, pk, step):
    handover = selectors.handover_get(user=request.user, pk=pk)
    user = request.user
    post = request.POST
    if step == "count":
        items = list(handover.post.items.all()) if handover.post else []
        form = forms.CountForm(post, items=items)
        counts = form.counts() if form.is_valid() else {}
        call = lambda: services.handover_count(actor=user, handover=handover, counts=counts)  # noqa: E731
    elif step == "read":
        call = lambda: services.handover_log_read(actor=user, handover=handover)  # noqa: E731
    elif step == "area":
        call = lambda: services.handover_area_check(  # noqa: E731
            actor=user,
            handover=handover,
            abnormal=bool(post.get("abnormal")),
            note=post.get("note", ""),
        )
    elif step == "checklist":
        call = lambda: services.handover_outgoing_checklist(  # noqa: E731
            actor=user, handover=handover, note=post.get("note", "")
        )
    elif step == "exception":
        call = lambda: services.handover_exception_approve(  # noqa: E731
            actor=user, handover=handover, reason=post.get("reason", "")
        )
    elif step == "sign":
        call = lambda: services.handover_sign(actor=user, handover=handover)  # noqa: E731
    else:
        raise Http404
    _run(request, call, _("已保存"))
    return redirect("duty:handover_detail", handover.pk)
