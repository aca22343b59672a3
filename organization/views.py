"""Console pages for departments and staff: thin — form → service → redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from core.forms import apply_application_error
from organization import selectors, services
from organization.forms import DepartmentForm, StaffCreateForm, StaffEditForm


@login_required
@permission_required("organization.view_department", raise_exception=True)
def department_list(request):
    return render(
        request,
        "organization/department_list.html",
        {"departments": selectors.department_list(user=request.user)},
    )


@login_required
@permission_required("organization.add_department", raise_exception=True)
def department_create(request):
    form = DepartmentForm(request.POST or None, offices=selectors.office_list(user=request.user))
    if request.method == "POST" and form.is_valid():
        try:
            department = services.department_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("已新建部门“%(name)s”。") % {"name": department.name})
            return redirect("organization:department_list")
    return render(
        request, "organization/form.html", {"form": form, "title": _("新建部门或外部单位")}
    )


@login_required
@permission_required("organization.view_staff", raise_exception=True)
def staff_list(request):
    page = Paginator(selectors.staff_list(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "organization/staff_list.html", {"page": page})


def _staff_form_kwargs(user):
    return {
        "departments": selectors.department_list(user=user).filter(is_active=True),
        "offices": selectors.office_list(user=user),
    }


def _staff_data(cleaned) -> services.StaffData:
    return services.StaffData(
        name=cleaned["name"],
        phone=cleaned["phone"],
        employee_no=cleaned["employee_no"],
        department=cleaned["department"],
        roles=tuple(cleaned["roles"]),
        offices=tuple(cleaned["offices"]),
        reachable_after_hours=cleaned["reachable_after_hours"],
    )


@login_required
@permission_required("organization.add_staff", raise_exception=True)
def staff_create(request):
    form = StaffCreateForm(request.POST or None, **_staff_form_kwargs(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            staff = services.staff_create(
                actor=request.user,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                data=_staff_data(form.cleaned_data),
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("已为%(name)s开通账号。") % {"name": staff.name})
            return redirect("organization:staff_list")
    return render(request, "organization/form.html", {"form": form, "title": _("新增员工")})


@login_required
@permission_required("organization.change_staff", raise_exception=True)
def staff_edit(request, pk):
    try:
        staff = selectors.staff_list(user=request.user).get(pk=pk)
    except (ValueError, selectors.Staff.DoesNotExist):
        raise Http404 from None
    initial = {
        "name": staff.name,
        "employee_no": staff.employee_no,
        "phone": staff.phone,
        "department": staff.department_id,
        "roles": list(staff.roles.all()),
        "offices": list(staff.offices.all()),
        "reachable_after_hours": staff.reachable_after_hours,
        "is_active": staff.user.is_active,
    }
    form = StaffEditForm(request.POST or None, initial=initial, **_staff_form_kwargs(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_update(
                actor=request.user,
                staff=staff,
                data=_staff_data(form.cleaned_data),
                is_active=form.cleaned_data["is_active"],
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("已保存%(name)s的资料。") % {"name": staff.name})
            return redirect("organization:staff_list")
    return render(
        request,
        "organization/form.html",
        {"form": form, "title": _("编辑员工:%(name)s") % {"name": staff.name}},
    )
