from django import forms
from django.utils.translation import gettext_lazy as _

from organization.choices import DepartmentKind, RoleScope
from organization.models import Role


class StaffForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    employee_no = forms.CharField(label=_("工号"), max_length=30, required=False)
    phone = forms.CharField(label=_("手机"), max_length=30, required=False)
    department = forms.ModelChoiceField(label=_("部门"), queryset=None, required=False)
    roles = forms.ModelMultipleChoiceField(
        label=_("岗位角色"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    offices = forms.ModelMultipleChoiceField(
        label=_("所属管理处"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    reachable_after_hours = forms.BooleanField(
        label=_("下班后保持联络"),
        required=False,
        help_text=_("SOP §6:管理处经理、主管下班后须保持通讯畅通"),
    )

    def __init__(self, *args, departments, offices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["roles"].queryset = Role.objects.exclude(scope=RoleScope.HOUSEHOLD)
        self.fields["offices"].queryset = offices


class StaffCreateForm(StaffForm):
    username = forms.CharField(label=_("登录用户名"), max_length=150)
    password = forms.CharField(
        label=_("初始密码"), widget=forms.PasswordInput(render_value=False), strip=False
    )
    field_order = ["username", "password"]


class StaffEditForm(StaffForm):
    is_active = forms.BooleanField(label=_("在职(可登录)"), required=False, initial=True)


class DepartmentForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类别"), choices=DepartmentKind.choices)
    office = forms.ModelChoiceField(
        label=_("管理处"),
        queryset=None,
        required=False,
        help_text=_("留空表示全公司共用(仅公司领导可建)"),
    )
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)

    def __init__(self, *args, offices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].queryset = offices
