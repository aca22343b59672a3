"""Console pages of resident violations (SOP.md §8): thin — form → service → redirect. The case
page offers only the actions the user may take (selectors.measures_offered uses the same
authority check as the services, which refuse anyway)."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from core.forms import apply_application_error
from core.periods import period_from_request
from estates.selectors import estate_list, household_get, household_list
from organization.selectors import office_list
from policies.selectors import policy_for_office
from service_requests.attachments import attachment_response
from violations import exports, forms, notices, pdf, selectors, services
from violations.choices import (
    PERSUASION_MEASURES,
    Kind,
    Measure,
    NoticeKind,
    Outcome,
    Severity,
    Status,
    ladder_for,
)
from violations.models import ChargeBatch, NoticeTemplate

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _filters(request) -> selectors.CaseFilters:
    return selectors.CaseFilters(
        office_id=_int(request.GET.get("office")),
        status=request.GET.get("status", ""),
        severity=request.GET.get("severity", ""),
        kind=request.GET.get("kind", ""),
        query=request.GET.get("q", "").strip()[:50],
        archived=request.GET.get("archived") == "1",
    )


@login_required
@permission_required("violations.view_violationcase", raise_exception=True)
def case_list(request):
    filters = _filters(request)
    qs = selectors.case_list(user=request.user, filters=filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query_string = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return render(
        request,
        "violations/case_list.html",
        {
            "page": page,
            "filters": filters,
            "query_string": query_string,
            "offices": office_list(user=request.user),
            "kinds": Kind.choices,
            "severities": Severity.choices,
            "statuses": Status.choices,
        },
    )


def _household_from_room(user, room: str, office):
    room = (room or "").strip()
    if not room:
        raise ApplicationError(_("请填写房号"), field_errors={"room": [_("请填写房号")]})
    matches = list(household_list(user=user, query=room).filter(office=office)[:2])
    if len(matches) != 1:
        message = (
            _("找不到房号“%(room)s”")
            if not matches
            else _("“%(room)s”有多户匹配,请写全楼栋-单元-房号")
        ) % {"room": room}
        raise ApplicationError(message, field_errors={"room": [message]})
    return matches[0]


@login_required
@permission_required("violations.add_violationcase", raise_exception=True)
def case_create(request):
    offices = list(office_list(user=request.user))
    if not offices:
        raise Http404
    office = next((o for o in offices if o.pk == _int(request.GET.get("office"))), offices[0])
    initial = {"occurred_at": timezone.localtime().replace(second=0, microsecond=0)}
    if request.GET.get("household"):
        household = household_get(user=request.user, pk=request.GET["household"])
        office = household.office
        initial["room"] = household.unit.short_code
    form = forms.CaseForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            household = _household_from_room(request.user, data["room"], office)
            slip = None
            if data["slip_to"] or data["slip_content"]:
                slip = services.SlipData(data["slip_to"], data["slip_content"])
            case = services.case_register(
                actor=request.user,
                office=office,
                data=services.CaseData(
                    household=household,
                    sub_kind=data["sub_kind"],
                    place=data["place"],
                    occurred_at=data["occurred_at"],
                    description=data["description"],
                    reported_by=data["reported_by"],
                    harms_residents=data["harms_residents"],
                    harms_office_finances=data["harms_office_finances"],
                    harms_public_safety=data["harms_public_safety"],
                    persuaded_on_site=data["persuaded_on_site"],
                    arrears_amount=data["arrears_amount"],
                ),
                photos=data["photos"],
                slip=slip,
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(
                request,
                _("已登记%(number)s(%(severity)s)")
                % {"number": case.number, "severity": case.get_severity_display()},
            )
            return redirect("violations:case_detail", pk=case.pk)
    return render(
        request,
        "violations/form.html",
        {"form": form, "title": _("登记住户违章"), "office": office, "multipart": True},
        status=400 if form.errors else 200,
    )


def _detail_context(request, case, bound=None):
    measures = list(case.measures.select_related("decided_by__staff", "notice"))
    policy = policy_for_office(case.office)
    offered = selectors.measures_offered(request.user, case, policy)
    penalties = [(k, label) for k, label in offered if k not in PERSUASION_MEASURES]
    case_notices = list(case.notices.all())
    cut_notices = [n for n in case_notices if n.kind == NoticeKind.UTILITY_CUT]
    bound = bound or {}
    first = ladder_for(case.kind)[0]
    return {
        "case": case,
        "measures": measures,
        "ladder": selectors.ladder(case, measures, policy),
        "next_step": selectors.next_step(case, measures, policy),
        "events": selectors.case_timeline(case),
        "photos": list(case.photos.all()),
        "notices": case_notices,
        "slip": getattr(case, "coordination_slip", None),
        "cuts": [m for m in measures if m.cut_in_force],
        "cut_notices": cut_notices,
        "can_persuade": any(k == first for k, _label in offered),
        "persuasion_label": Measure(first).label,
        "can_cut_notice": any(k == Measure.UTILITY_CUT for k, _label in penalties),
        "persuade_form": bound.get("persuade") or forms.PersuasionForm(prefix="persuade"),
        "measure_form": bound.get("measure")
        or (forms.MeasureForm(prefix="measure", kinds=penalties) if penalties else None),
        "cut_form": bound.get("cut-notice") or forms.CutNoticeForm(prefix="cut"),
        "delivery_form": bound.get("deliver") or forms.DeliveryForm(prefix="deliver"),
        "visit_form": bound.get("visit") or forms.VisitForm(prefix="visit"),
        "committee_form": bound.get("committee") or forms.NoteForm(prefix="committee"),
        "followup_form": bound.get("followup") or forms.NoteForm(prefix="followup"),
        "restore_form": bound.get("restore") or forms.NoteForm(prefix="restore"),
        "slip_form": bound.get("slip") or forms.SlipForm(prefix="slip"),
        "close_form": bound.get("close") or forms.CloseForm(prefix="close"),
        "photo_form": bound.get("photos") or forms.PhotoForm(prefix="photos"),
    }


@login_required
@permission_required("violations.view_violationcase", raise_exception=True)
def case_detail(request, pk):
    case = selectors.case_get(user=request.user, pk=pk)
    return render(request, "violations/case_detail.html", _detail_context(request, case))


def _action_form(action, request, case):
    """(form, call) for a posted action; call(cleaned_data) runs the service."""
    user = request.user
    post, files = request.POST, request.FILES
    if action == "persuade":
        kind = ladder_for(case.kind)[0]
        return forms.PersuasionForm(post, prefix="persuade"), lambda d: services.measure_record(
            actor=user,
            case=case,
            data=services.MeasureData(kind=kind, reason=d["reason"], outcome=d["outcome"]),
        )
    if action == "measure":
        offered = selectors.measures_offered(user, case)
        kinds = [(k, label) for k, label in offered if k not in PERSUASION_MEASURES]
        return forms.MeasureForm(
            post, prefix="measure", kinds=kinds
        ), lambda d: services.measure_record(
            actor=user,
            case=case,
            data=services.MeasureData(
                kind=d["kind"],
                reason=d["reason"],
                outcome=d["outcome"],
                deadline=d["deadline"],
                amount=d["amount"],
            ),
        )
    if action == "cut-notice":
        return forms.CutNoticeForm(post, prefix="cut"), lambda d: services.utility_cut_notice_issue(
            actor=user, case=case, cut_at=d["cut_at"], utility=d["utility"]
        )
    if action in ("deliver", "visit"):
        notice = next((n for n in case.notices.all() if n.pk == _int(post.get("notice"))), None)
        if notice is None:
            raise Http404
        if action == "deliver":
            return forms.DeliveryForm(post, prefix="deliver"), lambda d: services.notice_deliver(
                actor=user,
                notice=notice,
                delivered_at=d["delivered_at"],
                delivered_to=d["delivered_to"],
            )
        return forms.VisitForm(post, prefix="visit"), lambda d: services.utility_visit_record(
            actor=user, notice=notice, visited_at=d["visited_at"]
        )
    if action == "restore":
        measure = selectors.measure_get(user=user, pk=post.get("measure"))
        if measure.case_id != case.pk:
            raise Http404
        return forms.NoteForm(post, prefix="restore"), lambda d: services.supply_restore(
            actor=user, measure=measure, note=d["note"]
        )
    simple = {
        "committee": (forms.NoteForm, services.committee_support_record, "note"),
        "followup": (forms.NoteForm, services.followup_record, "note"),
    }
    if action in simple:
        form_class, service, _field = simple[action]
        return form_class(post, prefix=action), lambda d: service(
            actor=user, case=case, note=d["note"]
        )
    if action == "slip":
        return forms.SlipForm(post, prefix="slip"), lambda d: services.slip_issue(
            actor=user, case=case, addressed_to=d["addressed_to"], content=d["content"]
        )
    if action == "close":
        return forms.CloseForm(post, prefix="close"), lambda d: services.case_close(
            actor=user, case=case, outcome=d["outcome"], note=d["note"]
        )
    if action == "photos":
        return forms.PhotoForm(post, files, prefix="photos"), lambda d: services.case_add_photos(
            actor=user, case=case, photos=d["photos"]
        )
    raise Http404


@login_required
@permission_required("violations.view_violationcase", raise_exception=True)
def case_action(request, pk, action):
    case = selectors.case_get(user=request.user, pk=pk)
    if request.method != "POST":
        return redirect("violations:case_detail", pk=case.pk)
    form, call = _action_form(action, request, case)
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except ApplicationError as error:
            if error.status_code == 404:
                raise Http404 from None
            apply_application_error(form, error)
        else:
            messages.success(request, _("已保存"))
            return redirect("violations:case_detail", pk=case.pk)
    context = _detail_context(request, case, bound={action: form})
    context["failed_action"] = action
    return render(request, "violations/case_detail.html", context, status=400)


@login_required
@permission_required("violations.view_violationcase", raise_exception=True)
def photo_download(request, pk, photo_pk):
    return attachment_response(selectors.photo_get(user=request.user, case_pk=pk, pk=photo_pk))


# --- Notices -------------------------------------------------------------------------------------


@login_required
@permission_required("violations.view_violationcase", raise_exception=True)
def notice_print(request, pk):
    notice = selectors.notice_get(user=request.user, pk=pk)
    services.notice_print_record(actor=request.user, notice=notice, format="html")
    return render(request, "violations/notice_print.html", {"notice": notice})


@login_required
@permission_required("violations.view_violationcase", raise_exception=True)
def notice_pdf(request, pk):
    notice = selectors.notice_get(user=request.user, pk=pk)
    content = pdf.notice_pdf(notice)
    services.notice_print_record(actor=request.user, notice=notice, format="pdf")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        False, f"{notice.title}-{notice.number}.pdf"
    )
    return response


def _one_office(request):
    offices = list(office_list(user=request.user))
    if not offices:
        raise Http404
    return next((o for o in offices if o.pk == _int(request.GET.get("office"))), offices[0])


@login_required
@permission_required("violations.manage_notice_templates", raise_exception=True)
def template_list(request):
    office = _one_office(request)
    saved = {t.kind: t for t in NoticeTemplate.objects.filter(office=office)}
    rows = []
    for kind, label in NoticeKind.choices:
        title, body = notices.template_for(office, kind)
        rows.append(
            {"kind": kind, "label": label, "title": title, "body": body, "custom": kind in saved}
        )
    form = None
    if request.method == "POST":
        form = forms.TemplateForm(request.POST)
        if form.is_valid():
            try:
                services.notice_template_save(
                    actor=request.user,
                    office=office,
                    kind=form.cleaned_data["kind"],
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                )
            except ApplicationError as error:
                apply_application_error(form, error)
            else:
                messages.success(request, _("模板已保存"))
                return redirect(f"{request.path}?office={office.pk}")
    for row in rows:
        if form is not None and form.data.get("kind") == row["kind"]:
            row["form"] = form
        else:
            row["form"] = forms.TemplateForm(initial=row)
    return render(
        request,
        "violations/templates.html",
        {"office": office, "rows": rows, "placeholders": notices.PLACEHOLDERS},
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@permission_required("violations.view_violationcase", raise_exception=True)
def covenant_list(request):
    estates = list(estate_list(user=request.user))
    form = forms.CovenantForm(request.POST or None, estates=estates)
    if request.method == "POST" and form.is_valid():
        estate = next(e for e in estates if e.pk == form.cleaned_data["estate"])
        try:
            services.covenant_clause_record(
                actor=request.user,
                estate=estate,
                text=form.cleaned_data["text"],
                allows_utility_cut=form.cleaned_data["allows_utility_cut"],
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("已登记业主公约条款"))
            return redirect("violations:covenant_list")
    return render(
        request,
        "violations/covenant_list.html",
        {"clauses": selectors.covenant_list(user=request.user), "form": form},
        status=400 if form.errors else 200,
    )


# --- Registers, finance and statistics -----------------------------------------------------------


@login_required
@permission_required("violations.view_violationcase", raise_exception=True)
def case_xlsx(request):
    filters = _filters(request)
    cases = list(selectors.case_list(user=request.user, filters=filters)[: exports.MAX_ROWS + 1])
    if len(cases) > exports.MAX_ROWS:
        messages.error(request, _("超过%(n)s行,请缩小范围") % {"n": exports.MAX_ROWS})
        return redirect("violations:case_list")
    return _xlsx(exports.case_register_workbook(cases), "住户违章事件记录表.xlsx")


@login_required
@permission_required("violations.view_violationcase", raise_exception=True)
def slip_register(request):
    slips = selectors.slip_register(user=request.user, office_id=_int(request.GET.get("office")))
    if request.GET.get("format") == "xlsx":
        return _xlsx(
            exports.slip_register_workbook(list(slips[: exports.MAX_ROWS])), "协调单登记表.xlsx"
        )
    return render(request, "violations/slip_register.html", {"slips": slips[:200]})


def _month(request):
    raw = request.GET.get("month") or request.POST.get("month") or ""
    try:
        return datetime.date.fromisoformat(raw + "-01") if len(raw) == 7 else None
    except ValueError:
        return None


@login_required
@permission_required("violations.send_violation_charges", raise_exception=True)
def charges(request):
    office = _one_office(request)
    month = _month(request) or timezone.localdate().replace(day=1)
    if request.method == "POST":
        try:
            batch = services.charges_send(actor=request.user, office=office, month=month)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("已报财务:%(month)s,合计%(total)s元")
                % {"month": f"{month:%Y-%m}", "total": batch.total},
            )
            return redirect("violations:charge_batch", pk=batch.pk)
    pending = list(services.charges_for_month(office=office, month=month))
    batches = ChargeBatch.objects.filter(office=office).select_related("sent_by__staff")[:24]
    return render(
        request,
        "violations/charges.html",
        {"office": office, "month": month, "pending": pending, "batches": batches},
    )


@login_required
@permission_required("violations.send_violation_charges", raise_exception=True)
def charge_batch(request, pk):
    """The copy the centre kept of a list sent to finance, as sent."""
    batch = ChargeBatch.objects.filter(pk=pk, office__in=office_list(user=request.user)).first()
    if batch is None:
        raise Http404
    try:
        content = batch.copy.open("rb").read()
    except FileNotFoundError:
        raise Http404 from None
    return _xlsx(content, f"违章费用扣款清单-{batch.month:%Y-%m}.xlsx")


@login_required
@permission_required("violations.view_violation_statistics", raise_exception=True)
def statistics(request):
    """Counts of a period (default: all cases); a reversed or unreadable period is refused
    with its message (400) and nothing is counted (core.periods)."""
    period = period_from_request(request)
    stats = None
    if not period.error:
        stats = selectors.statistics(
            user=request.user,
            office_id=_int(request.GET.get("office")),
            date_from=period.date_from,
            date_to=period.date_to,
        )
    labels = {**dict(Kind.choices), **dict(Measure.choices)}
    return render(
        request,
        "violations/statistics.html",
        {
            "stats": stats,
            "period": period,
            "labels": labels,
            "outcomes": dict(Outcome.choices),
            "offices": office_list(user=request.user),
        },
        status=400 if period.error else 200,
    )
