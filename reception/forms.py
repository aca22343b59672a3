"""Console forms of the registers: they parse input only; the services validate."""

from django import forms
from django.utils.translation import gettext_lazy as _

from reception.choices import IncidentKind, NoteKind

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXTAREA = forms.Textarea(attrs={"rows": 3})


class OfficeChoiceMixin:
    """An office drop-down only when the user works for more than one office."""

    def __init__(self, *args, offices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.offices = list(offices)
        if len(self.offices) > 1:
            self.fields["office"] = forms.TypedChoiceField(
                label=_("管理处"), choices=[(o.pk, o.name) for o in self.offices], coerce=int
            )
            self.order_fields(["office"])

    def office(self):
        if len(self.offices) == 1:
            return self.offices[0]
        wanted = self.cleaned_data.get("office")
        return next((o for o in self.offices if o.pk == wanted), None)


class LostItemForm(OfficeChoiceMixin, forms.Form):
    found_at = forms.DateTimeField(label=_("拾获时间"), widget=DATETIME, required=False)
    found_place = forms.CharField(label=_("拾获地点"), required=False)
    found_by = forms.CharField(label=_("拾获人"), required=False)
    found_by_phone = forms.CharField(label=_("拾获人电话"), required=False)
    description = forms.CharField(label=_("物品描述"), widget=TEXTAREA, required=False)
    storage_place = forms.CharField(label=_("存放地点"), required=False)
    notes = forms.CharField(label=_("备注"), required=False)


class ClaimForm(forms.Form):
    claimant_name = forms.CharField(label=_("认领人"), required=False)
    claimant_phone = forms.CharField(label=_("认领人电话"), required=False)
    id_checked = forms.BooleanField(label=_("已核对认领人身份证件"), required=False)


class IncidentForm(OfficeChoiceMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=IncidentKind.choices)
    occurred_at = forms.DateTimeField(label=_("发生时间"), widget=DATETIME, required=False)
    place = forms.CharField(label=_("地点"), required=False)
    summary = forms.CharField(label=_("事件经过"), widget=TEXTAREA, required=False)
    reported_by = forms.CharField(label=_("报告人/来访单位"), required=False)
    measures = forms.CharField(label=_("采取措施"), widget=TEXTAREA, required=False)
    people_notified = forms.CharField(label=_("已通知人员"), required=False)
    service_request = forms.IntegerField(
        label=_("关联求助编号"), required=False, help_text=_("可选:求助的系统编号")
    )


class ResultForm(forms.Form):
    result = forms.CharField(label=_("处理结果"), widget=TEXTAREA, required=False)


class SlipForm(forms.Form):
    developer = forms.TypedChoiceField(label=_("开发商售后部门"), coerce=int)
    defect = forms.CharField(label=_("返修内容"), widget=TEXTAREA, required=False)

    def __init__(self, *args, developers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["developer"].choices = [(d.pk, d.name) for d in developers]


class SendForm(forms.Form):
    received_by = forms.CharField(label=_("售后签收人"), required=False)


class ChaseForm(forms.Form):
    note = forms.CharField(label=_("督促情况"), widget=TEXTAREA, required=False)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("售后答复"), widget=TEXTAREA, required=False)
    promised_on = forms.DateField(label=_("承诺完成日期"), widget=DATE, required=False)


class NoteForm(OfficeChoiceMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=NoteKind.choices)
    received_at = forms.DateTimeField(label=_("接待时间"), widget=DATETIME, required=False)
    from_name = forms.CharField(label=_("业主/住户"), required=False)
    content = forms.CharField(label=_("内容"), widget=TEXTAREA, required=False)
    staff_praised = forms.TypedChoiceField(
        label=_("被表扬员工"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff_praised"].choices = [("", "—")] + [(s.pk, s.name) for s in staff]


class VerifyForm(forms.Form):
    verified_true = forms.BooleanField(label=_("查证属实"), required=False)
    outcome = forms.CharField(label=_("查证情况及奖励"), widget=TEXTAREA, required=False)


class ForwardForm(forms.Form):
    manager = forms.TypedChoiceField(label=_("上报项目经理"), coerce=int)

    def __init__(self, *args, managers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].choices = [(u.pk, u.staff.name) for u in managers]


class OutcomeForm(forms.Form):
    outcome = forms.CharField(label=_("落实情况"), widget=TEXTAREA, required=False)


class HelpRegisterArchiveForm(forms.Form):
    """住户求助登记表归档: the finished year to file (the service refuses anything else)."""

    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=9999)
