from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.shortcuts import render

from organization.selectors import department_list as select_departments
from organization.selectors import staff_list as select_staff


@login_required
@permission_required("organization.view_department", raise_exception=True)
def department_list(request):
    return render(
        request,
        "organization/department_list.html",
        {"departments": select_departments(user=request.user)},
    )


@login_required
@permission_required("organization.view_staff", raise_exception=True)
def staff_list(request):
    page = Paginator(select_staff(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "organization/staff_list.html", {"page": page})
