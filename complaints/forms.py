"""Console forms of the complaint page: they parse input only; services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.choices import (
    SEVERITY_HELP,
    ChecklistStep,
    Emergency,
    Handling,
    Severity,
    ToldChannel,
    Validity,
    ValidKind,
)
from service_requests.choices import Satisfaction
from violations.choices import SubKind


def _blank(choices):
    return [("", "—"), *choices]


class RecordForm(forms.Form):
    event_at = forms.DateTimeField(label=_("事件发生时间"), required=False)
    event_place = forms.CharField(label=_("事件发生地点"), max_length=200, required=False)
    complained_party = forms.CharField(label=_("被投诉人"), max_length=100, required=False)
    complained_department = forms.ModelChoiceField(
        label=_("被投诉部门"), queryset=None, required=False
    )
    what_happened = forms.CharField(label=_("事件经过"), widget=forms.Textarea(attrs={"rows": 3}))
    resident_demand = forms.CharField(label=_("住户要求"), required=False)
    apologised = forms.BooleanField(label=_("已代表被投诉部门向住户致歉"), required=False)
    emergency = forms.ChoiceField(
        label=_("突发事件(自动判为重大)"), choices=_blank(Emergency.choices), required=False
    )

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["complained_department"].queryset = departments


class StepForm(forms.Form):
    code = forms.ChoiceField(label=_("步骤"), choices=ChecklistStep.choices)
    note = forms.CharField(label=_("记录"), max_length=200, required=False)


class JudgeForm(forms.Form):
    validity = forms.ChoiceField(label=_("投诉性质"), choices=_blank(Validity.choices))
    valid_kind = forms.ChoiceField(
        label=_("有效投诉类别"), choices=_blank(ValidKind.choices), required=False
    )
    severity = forms.ChoiceField(
        label=_("级别"),
        choices=_blank(Severity.choices),
        required=False,
        help_text=" ".join(f"{k.label}:{v}" for k, v in SEVERITY_HELP.items()),
    )
    handling = forms.ChoiceField(
        label=_("处理方式"), choices=_blank(Handling.choices), required=False
    )
    explanation = forms.CharField(
        label=_("解释/答复内容"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    violator = forms.CharField(
        label=_("违章住户房号"),
        required=False,
        help_text=_("转住户违章处理时填写,如 3-2-1602;转开发商时自动送本处开发商售后部门"),
    )
    violation_sub_kind = forms.ChoiceField(
        label=_("违章现象"), choices=_blank(SubKind.choices), required=False
    )


class SeverityForm(forms.Form):
    severity = forms.ChoiceField(label=_("级别"), choices=Severity.choices)
    reason = forms.CharField(label=_("原因"), max_length=200)


class HandOverForm(forms.Form):
    to_user = forms.ModelChoiceField(label=_("呈送给"), queryset=None)
    note = forms.CharField(label=_("说明"), required=False)

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user"].queryset = users
        self.fields["to_user"].label_from_instance = lambda u: getattr(
            getattr(u, "staff", None), "name", u.username
        )


class SlipForm(forms.Form):
    department = forms.ModelChoiceField(label=_("被投诉部门"), queryset=None)
    signed_by = forms.CharField(label=_("领表人签收"), max_length=50)

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments


class ReturnForm(forms.Form):
    handling = forms.CharField(label=_("部门处理记录"), widget=forms.Textarea(attrs={"rows": 2}))


class TellForm(forms.Form):
    channel = forms.ChoiceField(label=_("通报方式"), choices=ToldChannel.choices)
    note = forms.CharField(label=_("告知住户的内容"), widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionForm(forms.Form):
    new_due_at = forms.DateTimeField(label=_("申请延至"))
    reason = forms.CharField(label=_("延期原因"))


class DecideForm(forms.Form):
    extension = forms.IntegerField(widget=forms.HiddenInput)
    approve = forms.TypedChoiceField(
        label=_("审批"),
        choices=[("1", _("批准")), ("0", _("不批准"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(label=_("审批意见"), required=False)


def _staff_label(user):
    return getattr(getattr(user, "staff", None), "name", user.username)


class FollowUpForm(forms.Form):
    satisfaction = forms.ChoiceField(label=_("回访结果"), choices=Satisfaction.choices)
    comment = forms.CharField(label=_("回访意见"), required=False)
    visited_by = forms.ModelChoiceField(
        label=_("回访人"), queryset=None, required=False, help_text=_("不选则为本人")
    )
    visited_at = forms.DateTimeField(
        label=_("回访时间"), required=False, help_text=_("不填则为现在")
    )

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visited_by"].queryset = users
        self.fields["visited_by"].label_from_instance = _staff_label


class VisitAssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("回访负责人"), queryset=None)

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = users
        self.fields["assignee"].label_from_instance = _staff_label


class CloseForm(forms.Form):
    note = forms.CharField(label=_("备注"), required=False)


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("重新打开的原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("如:住户再次来电反映问题未解决"),
    )


class LinkForm(forms.Form):
    numbers = forms.CharField(
        label=_("并入的投诉编号"), help_text=_("投诉页编号,用逗号分隔,如 12,15")
    )
