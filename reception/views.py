"""Console pages of the reception registers (SOP.md §4) and the help register (§2, §11):
thin — form → service → redirect; lists share one filter definition with their Excel export."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from core.forms import apply_application_error
from core.periods import Period, period_from_request
from organization.choices import DepartmentKind
from organization.models import Staff
from organization.selectors import department_list, office_list
from reception import exports, forms, selectors, services
from reception.choices import SLIP_BADGE, IncidentKind, NoteKind
from service_requests.reports import request_is_on_time
from service_requests.selectors import RequestFilters, request_get

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _filters(request) -> tuple[selectors.RegisterFilters, Period]:
    """The register's filters and its period; a refused period (a date that cannot be read, a
    start after the end) has `error` set and lists nothing (core.periods)."""
    period = period_from_request(request)
    filters = selectors.RegisterFilters(
        office_id=_int(request.GET.get("office")),
        date_from=period.date_from,
        date_to=period.date_to,
        state=request.GET.get("state", ""),
        kind=request.GET.get("kind", ""),
        query=request.GET.get("q", "").strip()[:50],
    )
    return filters, period


def _status(period: Period) -> int:
    return 400 if period.error else 200


def _list_context(request, qs, filters, period: Period, **extra):
    if period.error:
        qs = qs.none()  # the message instead of an empty or unfiltered register
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query_string = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return {
        "page": page,
        "filters": filters,
        "period": period,
        "query_string": query_string,
        "offices": office_list(user=request.user),
        **extra,
    }


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _act(request, form, call, success: str, target):
    """Run a service from a posted form; on refusal the form shows the message."""
    if request.method == "POST" and form.is_valid():
        try:
            call(form.cleaned_data)
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, success)
            return redirect(target)
    return None


@login_required
def index(request):
    return render(request, "reception/index.html")


# --- 住户求助登记表 ------------------------------------------------------------------------------


def _help_register_query(request):
    offices = list(office_list(user=request.user))
    if not offices:
        raise Http404
    office_id = _int(request.GET.get("office"))
    office = next((o for o in offices if o.pk == office_id), offices[0])
    today = timezone.localdate()
    # Default: this month so far. A refused period lists nothing and says why.
    period = period_from_request(request, default_from=today.replace(day=1), default_to=today)
    filters = RequestFilters(
        queue="all",
        category=request.GET.get("category", ""),
        status=request.GET.get("status", ""),
        department_id=_int(request.GET.get("department")),
        received_from=period.date_from,
        received_to=period.date_to,
        special_only=bool(request.GET.get("special")),
        query=request.GET.get("q", "").strip()[:50],
    )
    qs = selectors.help_register(user=request.user, filters=filters, office=office)
    if period.error:
        qs = qs.none()
    return offices, office, filters, qs, period


@login_required
@permission_required("reception.view_help_register", raise_exception=True)
def help_register(request):
    """住户求助登记表 (SOP.md §2 记录; 000 篇3 §4.10) of a period; a reversed or unreadable
    period is refused with its message (400), never shown as an empty register."""
    from service_requests.choices import Category

    offices, office, filters, qs, period = _help_register_query(request)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    start = (page.number - 1) * PAGE_SIZE
    rows = [
        exports.help_register_row(start + i, r, request_is_on_time(r, now))
        for i, r in enumerate(page.object_list, start=1)
    ]
    return render(
        request,
        "reception/help_register.html",
        {
            "offices": offices,
            "office": office,
            "filters": filters,
            "page": page,
            "rows": rows,
            "headers": [c.header for c in exports.HELP_REGISTER_COLUMNS],
            "categories": Category.choices,
            "query_string": urlencode({k: v for k, v in request.GET.items() if k != "page" and v}),
            "period": period,
            "period_text": exports.period_text(filters.received_from, filters.received_to),
            "max_rows": exports.MAX_EXPORT_ROWS,
        },
        status=_status(period),
    )


@login_required
@permission_required("reception.view_help_register", raise_exception=True)
def help_register_xlsx(request):
    _offices, office, filters, qs, period = _help_register_query(request)
    if period.error:  # nothing exported: the register's page with the message
        return help_register(request)
    requests = list(qs[: exports.MAX_EXPORT_ROWS + 1])
    if len(requests) > exports.MAX_EXPORT_ROWS:
        messages.error(
            request,
            _("所选期间超过%(n)s条记录,请缩短期间后分次导出。") % {"n": exports.MAX_EXPORT_ROWS},
        )
        return redirect(f"{reverse('reception:help_register')}?{request.GET.urlencode()}")
    now = timezone.now()
    content = exports.build_workbook(
        title=f"{office.name} {exports.HELP_REGISTER_TITLE}",
        subtitle=exports.period_text(filters.received_from, filters.received_to),
        columns=exports.HELP_REGISTER_COLUMNS,
        rows=(
            exports.help_register_row(i, r, request_is_on_time(r, now))
            for i, r in enumerate(requests, start=1)
        ),
    )
    name = f"住户求助登记表_{filters.received_from}_{filters.received_to}.xlsx"
    return _xlsx(content, name)


# --- 住户求助登记表归档 (000 篇3 §4.10) ----------------------------------------------------------


@login_required
@permission_required("reception.view_helpregisterarchive", raise_exception=True)
def archive_list(request):
    """An office's archived years with their files; the office manager files a finished year
    here through the same service as `manage.py archive_help_register`."""
    from reception import archive

    offices = list(office_list(user=request.user))
    if not offices:
        raise Http404
    office_id = _int(request.GET.get("office") or request.POST.get("office"))
    office = next((o for o in offices if o.pk == office_id), offices[0])
    today = timezone.localdate()
    may_archive = request.user.has_perm("reception.add_helpregisterarchive")
    form = forms.HelpRegisterArchiveForm(request.POST or None, initial={"year": today.year - 1})
    if request.method == "POST":
        if not may_archive:
            raise _forbidden()
        target = f"{reverse('reception:archive_list')}?office={office.pk}"
        done = _act(
            request,
            form,
            lambda data: services.help_register_archive(
                actor=request.user, office=office, year=data["year"]
            ),
            _("已归档住户求助登记表。"),
            target,
        )
        if done:
            return done
    archives = list(selectors.help_register_archive_list(user=request.user, office_id=office.pk))
    verified = bool(request.GET.get("verify"))
    for row in archives:
        checks = {c.name: c for c in archive.verify(row)} if verified else {}
        row.file_rows = [(kind, name, sha, checks.get(name)) for kind, name, sha in row.files]
    return render(
        request,
        "reception/archive_list.html",
        {
            "offices": offices,
            "office": office,
            "archives": archives,
            "verified": verified,
            "today": today,
            "form": form if may_archive else None,
        },
    )


@login_required
@permission_required("reception.view_helpregisterarchive", raise_exception=True)
def archive_download(request, pk, kind):
    """One archived file, to a user who may see the office (another office's: 404)."""
    from django.http import FileResponse

    from reception import archive

    row = selectors.help_register_archive_get(user=request.user, pk=pk)
    names = {k: name for k, name, _sha in row.files}
    if kind not in names:
        raise Http404
    path = archive.file_path(row, names[kind])
    if not path.is_file():
        raise Http404
    shown = {
        "register": f"{row.office.name}_住户求助登记表_{row.year}.xlsx",
        "data": f"{row.office.name}_住户求助登记表_{row.year}.json",
    }[kind]
    return FileResponse(path.open("rb"), as_attachment=True, filename=shown)


# --- 失物招领登记表 ------------------------------------------------------------------------------


@login_required
@permission_required("reception.view_lostitem", raise_exception=True)
def lost_item_list(request):
    filters, period = _filters(request)
    qs = selectors.lost_item_list(user=request.user, filters=filters)
    return render(
        request,
        "reception/lost_item_list.html",
        _list_context(request, qs, filters, period),
        status=_status(period),
    )


@login_required
@permission_required("reception.view_lostitem", raise_exception=True)
def lost_item_xlsx(request):
    filters, period = _filters(request)
    if period.error:  # nothing exported: the register's page with the message
        return lost_item_list(request)
    items = list(
        selectors.lost_item_list(user=request.user, filters=filters).order_by("found_at", "id")[
            : exports.MAX_EXPORT_ROWS + 1
        ]
    )
    if len(items) > exports.MAX_EXPORT_ROWS:
        messages.error(
            request,
            _("所选期间超过%(n)s条记录,请缩短期间后分次导出。") % {"n": exports.MAX_EXPORT_ROWS},
        )
        return redirect(f"{reverse('reception:lost_item_list')}?{request.GET.urlencode()}")
    offices = {i.office.name for i in items}
    content = exports.build_workbook(
        title=f"{'、'.join(sorted(offices))} {exports.LOST_ITEM_TITLE}".strip(),
        subtitle=exports.period_text(filters.date_from, filters.date_to),
        columns=exports.LOST_ITEM_COLUMNS,
        rows=(exports.lost_item_row(n, item) for n, item in enumerate(items, start=1)),
    )
    return _xlsx(content, "失物招领登记表.xlsx")


@login_required
@permission_required("reception.add_lostitem", raise_exception=True)
def lost_item_create(request):
    form = forms.LostItemForm(request.POST or None, offices=office_list(user=request.user))

    def call(data):
        office = form.office()
        if office is None:
            raise Http404
        services.lost_item_register(
            actor=request.user,
            office=office,
            data=services.LostItemData(**{k: v for k, v in data.items() if k != "office"}),
        )

    done = _act(request, form, call, _("已登记拾获物品。"), "reception:lost_item_list")
    return done or render(
        request, "reception/form.html", {"form": form, "title": _("登记拾获物品")}
    )


@login_required
@permission_required("reception.view_lostitem", raise_exception=True)
def lost_item_detail(request, pk):
    item = selectors.lost_item_get(user=request.user, pk=pk)
    form = forms.ClaimForm(request.POST or None)
    if request.method == "POST" and not request.user.has_perm("reception.change_lostitem"):
        raise _forbidden()

    def call(data):
        services.lost_item_claim(actor=request.user, item=item, **data)

    done = _act(request, form, call, _("已办理认领。"), request.path)
    return done or render(
        request,
        "reception/lost_item_detail.html",
        {"item": item, "form": form, "events": selectors.register_events(item)},
    )


def _forbidden():
    from django.core.exceptions import PermissionDenied

    return PermissionDenied()


# --- 重大(突发)事件处理记录表 ------------------------------------------------------------------


@login_required
@permission_required("reception.view_majorincident", raise_exception=True)
def incident_list(request):
    filters, period = _filters(request)
    qs = selectors.incident_list(user=request.user, filters=filters)
    return render(
        request,
        "reception/incident_list.html",
        _list_context(request, qs, filters, period, kinds=IncidentKind.choices),
        status=_status(period),
    )


@login_required
@permission_required("reception.add_majorincident", raise_exception=True)
def incident_create(request):
    form = forms.IncidentForm(request.POST or None, offices=office_list(user=request.user))

    def call(data):
        office = form.office()
        if office is None:
            raise Http404
        linked = None
        if data["service_request"]:
            linked = request_get(user=request.user, pk=data["service_request"])
        fields = {k: v for k, v in data.items() if k not in ("office", "service_request")}
        services.incident_record(
            actor=request.user,
            office=office,
            data=services.IncidentData(service_request=linked, **fields),
        )

    done = _act(request, form, call, _("已登记重大(突发)事件。"), "reception:incident_list")
    return done or render(
        request, "reception/form.html", {"form": form, "title": _("登记重大(突发)事件")}
    )


@login_required
@permission_required("reception.view_majorincident", raise_exception=True)
def incident_detail(request, pk):
    incident = selectors.incident_get(user=request.user, pk=pk)
    form = forms.ResultForm(request.POST or None)
    if request.method == "POST" and not request.user.has_perm("reception.change_majorincident"):
        raise _forbidden()
    done = _act(
        request,
        form,
        lambda data: services.incident_close(
            actor=request.user, incident=incident, result=data["result"]
        ),
        _("已记录处理结果。"),
        request.path,
    )
    return done or render(
        request,
        "reception/incident_detail.html",
        {"incident": incident, "form": form, "events": selectors.register_events(incident)},
    )


# --- 物业返修联系单 -------------------------------------------------------------------------------


@login_required
@permission_required("reception.view_developerrepairslip", raise_exception=True)
def slip_list(request):
    now = timezone.now()
    filters, period = _filters(request)
    qs = selectors.slip_list(user=request.user, filters=filters, now=now)
    context = _list_context(request, qs, filters, period, badges=SLIP_BADGE)
    context["overdue_ids"] = {
        s.pk for s in context["page"].object_list if selectors.slip_is_overdue(s, now)
    }
    return render(request, "reception/slip_list.html", context, status=_status(period))


@login_required
@permission_required("reception.add_developerrepairslip", raise_exception=True)
def slip_create(request, request_pk):
    service_request = request_get(user=request.user, pk=request_pk)
    developers = [
        d
        for d in department_list(user=request.user)
        if d.kind == DepartmentKind.DEVELOPER_AFTER_SALES
        and d.is_active
        and d.office_id in (None, service_request.office_id)
    ]
    form = forms.SlipForm(
        request.POST or None,
        developers=developers,
        initial={"defect": service_request.description},
    )
    created = {}

    def call(data):
        developer = next((d for d in developers if d.pk == data["developer"]), None)
        created["slip"] = services.slip_create(
            actor=request.user, request=service_request, developer=developer, defect=data["defect"]
        )

    if request.method == "POST" and form.is_valid():
        try:
            call(form.cleaned_data)
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("已填写物业返修联系单,请于当天送交开发商售后。"))
            return redirect("reception:slip_detail", pk=created["slip"].pk)
    return render(
        request,
        "reception/form.html",
        {
            "form": form,
            "title": _("填写物业返修联系单 · %(number)s") % {"number": service_request.number},
        },
    )


SLIP_ACTIONS = {
    "send": (forms.SendForm, services.slip_send, _("已登记送出。")),
    "chase": (forms.ChaseForm, services.slip_chase, _("已登记督促。")),
    "answer": (forms.AnswerForm, services.slip_record_answer, _("已登记售后答复。")),
    "close": (forms.ResultForm, services.slip_close, _("返修联系单已完结。")),
}


def _slip_page(request, slip, action=None, bound=None):
    now = timezone.now()
    action_forms = {
        name: (bound if name == action else form_class())
        for name, (form_class, _service, _message) in SLIP_ACTIONS.items()
    }
    return render(
        request,
        "reception/slip_detail.html",
        {
            "slip": slip,
            "forms": action_forms,
            "badges": SLIP_BADGE,
            "overdue": selectors.slip_is_overdue(slip, now),
            "events": selectors.register_events(slip),
            "can_change": request.user.has_perm("reception.change_developerrepairslip"),
        },
    )


@login_required
@permission_required("reception.view_developerrepairslip", raise_exception=True)
def slip_detail(request, pk):
    return _slip_page(request, selectors.slip_get(user=request.user, pk=pk))


@login_required
@permission_required("reception.change_developerrepairslip", raise_exception=True)
def slip_action(request, pk, action):
    slip = selectors.slip_get(user=request.user, pk=pk)
    if action not in SLIP_ACTIONS or request.method != "POST":
        raise Http404
    form_class, service, success = SLIP_ACTIONS[action]
    form = form_class(request.POST)
    done = _act(
        request,
        form,
        lambda data: service(actor=request.user, slip=slip, **data),
        success,
        f"/reception/slips/{slip.pk}/",
    )
    return done or _slip_page(request, slip, action, form)


# --- 表扬与建议 ---------------------------------------------------------------------------------


def _office_staff(offices):
    return Staff.objects.filter(offices__in=offices).distinct().order_by("name")


@login_required
@permission_required("reception.view_receptionnote", raise_exception=True)
def note_list(request):
    filters, period = _filters(request)
    qs = selectors.note_list(user=request.user, filters=filters)
    return render(
        request,
        "reception/note_list.html",
        _list_context(request, qs, filters, period, kinds=NoteKind.choices),
        status=_status(period),
    )


def _note_initial(request) -> dict:
    """A praise or suggestion received as a help request (reception label 表扬/建议, SOP.md §4):
    the register's form starts from that call (`?request=<id>`, a request the user may see)."""
    from service_requests.choices import ReceptionLabel

    pk = _int(request.GET.get("request"))
    if pk is None or not request.user.has_perm("service_requests.view_servicerequest"):
        return {}
    sr = request_get(user=request.user, pk=pk)  # 404 outside the user's scope
    kinds = {ReceptionLabel.PRAISE: NoteKind.PRAISE, ReceptionLabel.SUGGESTION: NoteKind.SUGGESTION}
    return {
        "kind": kinds.get(sr.reception_label, ""),
        "received_at": timezone.localtime(sr.received_at).replace(second=0, microsecond=0),
        "from_name": sr.contact_name,
        "content": sr.description,
        "office": sr.office_id,
    }


@login_required
@permission_required("reception.add_receptionnote", raise_exception=True)
def note_create(request):
    offices = list(office_list(user=request.user))
    staff = list(_office_staff(offices))
    initial = _note_initial(request) if request.method == "GET" else {}
    form = forms.NoteForm(request.POST or None, offices=offices, staff=staff, initial=initial)

    def call(data):
        office = form.office()
        if office is None:
            raise Http404
        praised = next((s for s in staff if s.pk == data["staff_praised"]), None)
        fields = {k: v for k, v in data.items() if k not in ("office", "staff_praised")}
        services.note_record(
            actor=request.user,
            office=office,
            data=services.NoteData(staff_praised=praised, **fields),
        )

    done = _act(request, form, call, _("已登记。"), "reception:note_list")
    return done or render(
        request, "reception/form.html", {"form": form, "title": _("登记表扬/建议")}
    )


def _managers(note):
    return [
        s.user
        for s in Staff.objects.filter(offices=note.office_id, roles__code="office_manager")
        .select_related("user")
        .distinct()
    ]


@login_required
@permission_required("reception.view_receptionnote", raise_exception=True)
def note_detail(request, pk):
    note = selectors.note_get(user=request.user, pk=pk)
    managers = _managers(note)
    action = request.POST.get("action") if request.method == "POST" else None
    verify = forms.VerifyForm(request.POST if action == "verify" else None)
    forward = forms.ForwardForm(request.POST if action == "forward" else None, managers=managers)
    close = forms.OutcomeForm(request.POST if action == "close" else None)
    if action and not request.user.has_perm("reception.change_receptionnote"):
        raise _forbidden()
    calls = {
        "verify": (
            verify,
            lambda d: services.praise_verify(actor=request.user, note=note, **d),
        ),
        "forward": (
            forward,
            lambda d: services.suggestion_forward(
                actor=request.user,
                note=note,
                manager=next((u for u in managers if u.pk == d["manager"]), None),
            ),
        ),
        "close": (close, lambda d: services.note_close(actor=request.user, note=note, **d)),
    }
    if action in calls:
        form, call = calls[action]
        done = _act(request, form, call, _("已保存。"), request.path)
        if done:
            return done
    return render(
        request,
        "reception/note_detail.html",
        {
            "note": note,
            "verify": verify,
            "forward": forward,
            "close": close,
            "events": selectors.register_events(note),
        },
    )
