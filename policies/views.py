"""Console: an office's policy — every SOP rule with its value and clause — and its history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from organization.selectors import office_list
from policies import selectors, services
from policies.forms import PolicyForm


def _office(request):
    offices = office_list(user=request.user)
    office_id = request.GET.get("office")
    office = offices.filter(pk=office_id).first() if office_id else offices.first()
    if office is None:
        raise Http404
    return office, offices


@login_required
@permission_required("policies.view_policyversion", raise_exception=True)
def policy_detail(request):
    office, offices = _office(request)
    return render(
        request,
        "policies/policy_detail.html",
        {
            "office": office,
            "offices": offices,
            "policy": selectors.policy_for_office(office),
            "history": selectors.policy_history(office)[:20],
        },
    )


@login_required
@permission_required("policies.edit_office_policy", raise_exception=True)
def policy_edit(request):
    office, _offices = _office(request)
    policy = selectors.policy_for_office(office)
    form = PolicyForm(request.POST or None, policy=policy)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.policy_update(
                actor=request.user,
                office=office,
                changes=form.changes(),
                note=form.cleaned_data["note"],
                base_number=form.cleaned_data["base_version"],
            )
        except ApplicationError as error:
            if not error.field_errors:
                form.add_error(None, error.message)
            for key, msgs in error.field_errors.items():
                target = key if key in form.fields else None
                for fname in form.fields:
                    if fname.startswith(f"{key}__"):
                        target = fname
                        break
                for msg in msgs:
                    form.add_error(target, msg)
        else:
            messages.success(
                request, _("已保存为第%(n)s版,新受理的事项按新版执行。") % {"n": version.number}
            )
            return redirect(f"{request.path.rsplit('edit/', 1)[0]}?office={office.pk}")
    return render(request, "policies/policy_edit.html", {"office": office, "form": form})
