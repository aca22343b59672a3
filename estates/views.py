"""Console views for places and people: thin — form → service → redirect or partial."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from core.forms import apply_application_error
from core.validators import mask_id_number
from estates import importer, selectors, services
from estates.choices import OCCUPANCY_BADGE, OccupancyStatus
from estates.forms import ImportForm, MoveInForm, MoveOutForm, PersonForm
from estates.models import Resident
from organization.selectors import office_list

HOUSEHOLD_PAGE_SIZE = 30


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@permission_required("estates.view_household", raise_exception=True)
def household_list(request):
    """The receptionist's search: room, name or phone, live as they type (htmx)."""
    query = request.GET.get("q", "").strip()[:50]
    filters = {
        "estate_id": _int_or_none(request.GET.get("estate")),
        "building_id": _int_or_none(request.GET.get("building")),
        "occupancy": request.GET.get("occupancy") or None,
    }
    households = selectors.household_list(user=request.user, query=query, **filters)
    page = Paginator(households, HOUSEHOLD_PAGE_SIZE).get_page(request.GET.get("page"))
    query_string = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    context = {
        "page": page,
        "query": query,
        "parsed": selectors.parse_household_query(query),
        "query_string": query_string,
        "badges": OCCUPANCY_BADGE,
        "occupancy_choices": OccupancyStatus.choices,
        "filters": filters,
        "estates": selectors.estate_list(user=request.user),
        "buildings": selectors.building_list(user=request.user, estate_id=filters["estate_id"])
        if filters["estate_id"]
        else [],
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "results":
        return render(request, "estates/_household_results.html", context)
    return render(request, "estates/household_list.html", context)


def _resident_rows(user, residents):
    can_see_id = user.has_perm("estates.view_resident_id_number")
    return [
        {
            "resident": r,
            "id_number": r.id_number if can_see_id else mask_id_number(r.id_number),
        }
        for r in residents
    ]


@login_required
@permission_required("estates.view_household", raise_exception=True)
def household_detail(request, pk):
    household = selectors.household_get(user=request.user, pk=pk)
    residents = selectors.household_residents(household=household)
    return render(
        request,
        "estates/household_detail.html",
        {
            "household": household,
            "resident_rows": _resident_rows(request.user, residents),
            "move_ins": selectors.household_move_ins(household=household),
            "badges": OCCUPANCY_BADGE,
            "can_see_id": request.user.has_perm("estates.view_resident_id_number"),
        },
    )


@login_required
@permission_required("estates.add_movein", raise_exception=True)
def move_in_create(request, pk):
    household = selectors.household_get(user=request.user, pk=pk)
    current = [r for r in selectors.household_residents(household=household) if r.is_current]
    form = MoveInForm(request.POST or None, residents=current)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        resident = None
        new_person = None
        if data["resident"]:
            resident = next((r for r in current if r.pk == data["resident"]), None)
            if resident is None:
                raise Http404
        else:
            new_person = services.PersonData(
                name=data["new_name"],
                relation=data["new_relation"],
                phone=data["new_phone"],
                id_type=data["new_id_type"] or "resident_id_card",
                id_number=data["new_id_number"],
                moved_in_on=data["moved_in_on"],
            )
        try:
            move_in = services.move_in_register(
                actor=request.user,
                household=household,
                resident=resident,
                new_person=new_person,
                data=services.MoveInData(
                    moved_in_on=data["moved_in_on"],
                    registration_form_received=data["registration_form_received"],
                    access_card_numbers=services.parse_card_numbers(data["access_card_numbers"]),
                    key_count=data["key_count"],
                    key_description=data["key_description"],
                    lease_checked=data["lease_checked"],
                    lease_start=data["lease_start"],
                    lease_end=data["lease_end"],
                    notes=data["notes"],
                ),
            )
        except ApplicationError as error:
            apply_application_error(form, error, prefix="new_")
        else:
            messages.success(
                request,
                _("已为%(name)s办理入住手续:门禁卡%(cards)s张,钥匙%(keys)s把。")
                % {
                    "name": move_in.resident.name,
                    "cards": move_in.access_card_count,
                    "keys": move_in.key_count,
                },
            )
            return redirect("estates:household_detail", pk=household.pk)
    return render(request, "estates/move_in_form.html", {"household": household, "form": form})


@login_required
@permission_required("estates.add_resident", raise_exception=True)
def resident_create(request, pk):
    household = selectors.household_get(user=request.user, pk=pk)
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            resident = services.resident_add(
                actor=request.user,
                household=household,
                person=services.PersonData(**form.cleaned_data),
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("已登记住户成员%(name)s。") % {"name": resident.name})
            return redirect("estates:household_detail", pk=household.pk)
    return render(request, "estates/resident_form.html", {"household": household, "form": form})


@login_required
@permission_required("estates.change_resident", raise_exception=True)
def resident_move_out(request, pk):
    try:
        resident = selectors.resident_queryset(user=request.user).get(pk=pk)
    except Resident.DoesNotExist:
        raise Http404 from None
    form = MoveOutForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.resident_move_out(
                actor=request.user,
                resident=resident,
                moved_out_on=form.cleaned_data["moved_out_on"],
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("已办理%(name)s迁出。") % {"name": resident.name})
            return redirect("estates:household_detail", pk=resident.household_id)
    return render(request, "estates/move_out_form.html", {"resident": resident, "form": form})


@login_required
@permission_required("estates.view_building", raise_exception=True)
def estate_list(request):
    return render(
        request, "estates/estate_list.html", {"estates": selectors.estate_list(user=request.user)}
    )


@login_required
@permission_required("estates.view_building", raise_exception=True)
def estate_detail(request, pk):
    estate = selectors.estate_get(user=request.user, pk=pk)
    return render(
        request,
        "estates/estate_detail.html",
        {
            "estate": estate,
            "buildings": selectors.building_list(user=request.user, estate_id=estate.pk),
        },
    )


@login_required
@permission_required("estates.import_households", raise_exception=True)
def import_upload(request):
    """资料导入: a filled template in, all or nothing (estates.importer, docs/import.md)."""
    offices = office_list(user=request.user)
    form = ImportForm(request.POST or None, request.FILES or None, offices=offices)
    result = error = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = importer.import_households(
                actor=request.user,
                office=form.cleaned_data["office"],
                file_name=upload.name,
                # One byte over the limit is enough for the importer to refuse a file too large.
                content=upload.read(importer.MAX_FILE_BYTES + 1),
            )
        except ApplicationError as exc:
            error = exc
        else:
            form = ImportForm(offices=offices)
    return render(
        request,
        "estates/import.html",
        {"form": form, "result": result, "error": error},
        status=error.status_code if error else 200,
    )


@login_required
@permission_required("estates.import_households", raise_exception=True)
def import_template(request):
    response = HttpResponse(
        importer.build_import_template(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename="住户资料导入模板.xlsx"
    )
    return response
