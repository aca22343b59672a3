"""Console pages for places (estates, buildings, rooms): thin — form → service → redirect."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from core.exceptions import ApplicationError
from core.forms import apply_application_error
from estates import selectors, services
from estates.choices import OccupancyStatus
from organization.selectors import office_list


class EstateForm(forms.Form):
    office = forms.ModelChoiceField(label=_lazy("管理处"), queryset=None)
    name = forms.CharField(label=_lazy("小区名称"), max_length=100)
    address = forms.CharField(label=_lazy("地址"), max_length=200, required=False)

    def __init__(self, *args, offices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = offices
        if offices.count() == 1:
            self.fields["office"].initial = offices.first()


class BuildingForm(forms.Form):
    number = forms.CharField(label=_lazy("楼号"), max_length=20, help_text=_lazy("如 3(即3栋)"))
    name = forms.CharField(label=_lazy("楼栋名称"), max_length=50, required=False)
    floors = forms.IntegerField(label=_lazy("层数"), min_value=1, max_value=200, required=False)


class UnitForm(forms.Form):
    entrance = forms.CharField(label=_lazy("单元"), max_length=10, required=False)
    floor = forms.IntegerField(label=_lazy("楼层"), min_value=-10, max_value=200)
    room_number = forms.CharField(label=_lazy("房号"), max_length=20)
    area = forms.DecimalField(
        label=_lazy("建筑面积(㎡)"), max_digits=8, decimal_places=2, min_value=0, required=False
    )
    occupancy = forms.ChoiceField(
        label=_lazy("使用状态"), choices=OccupancyStatus.choices, initial=OccupancyStatus.VACANT
    )


def _form_page(request, form, title):
    return render(request, "estates/master_form.html", {"form": form, "title": title})


@login_required
@permission_required("estates.add_estate", raise_exception=True)
def estate_create(request):
    form = EstateForm(request.POST or None, offices=office_list(user=request.user))
    if request.method == "POST" and form.is_valid():
        try:
            estate = services.estate_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("已新建小区“%(name)s”。") % {"name": estate.name})
            return redirect("estates:estate_detail", pk=estate.pk)
    return _form_page(request, form, _("新建小区"))


@login_required
@permission_required("estates.add_building", raise_exception=True)
def building_create(request, pk):
    estate = selectors.estate_get(user=request.user, pk=pk)
    form = BuildingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            building = services.building_create(
                actor=request.user, estate=estate, **form.cleaned_data
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("已新建%(name)s。") % {"name": building.display_name})
            return redirect("estates:estate_detail", pk=estate.pk)
    return _form_page(request, form, _("%(estate)s · 新建楼栋") % {"estate": estate.name})


@login_required
@permission_required("estates.add_household", raise_exception=True)
def unit_create(request, pk):
    building = selectors.building_get(user=request.user, pk=pk)
    form = UnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            household = services.unit_create_with_household(
                actor=request.user, building=building, **form.cleaned_data
            )
        except ApplicationError as error:
            apply_application_error(form, error)
        else:
            messages.success(request, _("已新增房屋%(label)s。") % {"label": household.unit.label})
            return redirect("estates:household_detail", pk=household.pk)
    return _form_page(
        request,
        form,
        _("%(estate)s %(building)s · 新增房屋")
        % {"estate": building.estate.name, "building": building.display_name},
    )
