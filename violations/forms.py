"""Console forms of the violations area: they parse input only; the services validate."""

from django import forms
from django.utils.translation import gettext_lazy as _

from violations.choices import NoticeKind, Outcome, SubKind, Utility

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXTAREA = forms.Textarea(attrs={"rows": 3})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        if isinstance(data, list | tuple):
            return list(data)
        return [data]


class CaseForm(forms.Form):
    room = forms.CharField(
        label=_("房号"), required=False, help_text=_("如 3-2-1502(楼栋-单元-房号)")
    )
    sub_kind = forms.ChoiceField(label=_("违章现象"), choices=[("", "—"), *SubKind.choices])
    place = forms.CharField(label=_("地点"), required=False)
    occurred_at = forms.DateTimeField(label=_("发现时间"), widget=DATETIME, required=False)
    description = forms.CharField(label=_("违章情况"), widget=TEXTAREA, required=False)
    reported_by = forms.CharField(label=_("报告人"), required=False)
    persuaded_on_site = forms.BooleanField(label=_("发现人已当场劝导,住户未理会"), required=False)
    harms_residents = forms.BooleanField(label=_("是否损害了其他住户的利益?"), required=False)
    harms_office_finances = forms.BooleanField(label=_("是否造成管理处经济损失?"), required=False)
    harms_public_safety = forms.BooleanField(
        label=_("是否对小区公共安全造成威胁?"),
        required=False,
        help_text=_("三项均为“否”的为一般违章,否则为重大违章(000 篇8 §4.3.7)"),
    )
    arrears_amount = forms.DecimalField(
        label=_("欠费金额(元)"), required=False, help_text=_("拒交管理服务费时填写")
    )
    photos = MultipleFileField(label=_("现场照片"), required=False)
    slip_to = forms.CharField(
        label=_("协调单:协调部门/对象"), required=False, help_text=_("使用协调单的管理处填写")
    )
    slip_content = forms.CharField(label=_("协调单:协调事项"), widget=TEXTAREA, required=False)


class PersuasionForm(forms.Form):
    reason = forms.CharField(label=_("劝导情况"), widget=TEXTAREA, required=False)
    outcome = forms.CharField(label=_("结果"), required=False)


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label=_("处理措施"))
    reason = forms.CharField(label=_("理由"), widget=TEXTAREA, required=False)
    outcome = forms.CharField(label=_("结果"), required=False)
    deadline = forms.DateField(
        label=_("期限"), widget=DATE, required=False, help_text=_("整改通知书、催缴函的期限")
    )
    amount = forms.DecimalField(label=_("金额(元)"), required=False)

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = list(kinds)


class CutNoticeForm(forms.Form):
    cut_at = forms.DateTimeField(label=_("停水停电时间"), widget=DATETIME, required=False)
    utility = forms.ChoiceField(label=_("停水/停电"), choices=Utility.choices)


class DeliveryForm(forms.Form):
    delivered_at = forms.DateTimeField(label=_("送达时间"), widget=DATETIME, required=False)
    delivered_to = forms.CharField(label=_("签收人"), required=False)


class VisitForm(forms.Form):
    visited_at = forms.DateTimeField(label=_("登门告知时间"), widget=DATETIME, required=False)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("说明"), widget=TEXTAREA, required=False)


class SlipForm(forms.Form):
    addressed_to = forms.CharField(label=_("协调部门/对象"), required=False)
    content = forms.CharField(label=_("协调事项"), widget=TEXTAREA, required=False)


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("处理结果"), choices=[("", "—"), *Outcome.choices])
    note = forms.CharField(label=_("结案说明"), widget=TEXTAREA, required=False)


class PhotoForm(forms.Form):
    photos = MultipleFileField(label=_("现场照片"), required=False)


class CovenantForm(forms.Form):
    estate = forms.TypedChoiceField(label=_("小区"), coerce=int)
    text = forms.CharField(label=_("条款原文"), widget=TEXTAREA, required=False)
    allows_utility_cut = forms.BooleanField(label=_("约定可停水停电"), required=False)

    def __init__(self, *args, estates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].choices = [(e.pk, str(e)) for e in estates]


class TemplateForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("通知书"), choices=NoticeKind.choices, widget=forms.HiddenInput
    )
    title = forms.CharField(label=_("标题"), required=False)
    body = forms.CharField(
        label=_("正文"), widget=forms.Textarea(attrs={"rows": 12}), required=False
    )


class MonthForm(forms.Form):
    month = forms.DateField(
        label=_("月份"),
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
    )
