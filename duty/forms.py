"""Console forms of duty and handover: they parse input only; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from duty.choices import ChangeKind
from duty.models import TEXT_MAX_LENGTH


class LogEntryForm(forms.Form):
    at = forms.DateTimeField(
        label=_("时间"),
        required=False,
        help_text=_("留空为现在"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    text = forms.CharField(label=_("内容"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea)
    request_number = forms.CharField(label=_("关联求助编号"), max_length=30, required=False)


class CorrectionForm(forms.Form):
    text = forms.CharField(label=_("更正内容"), max_length=TEXT_MAX_LENGTH, widget=forms.Textarea)


class MissedCallForm(forms.Form):
    at = forms.DateTimeField(
        label=_("来电时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    rings = forms.IntegerField(
        label=_("接听前铃响声数"),
        required=False,
        min_value=1,
        max_value=99,
        help_text=_("未接听则留空"),
    )
    caller = forms.CharField(label=_("来电人/号码"), max_length=50, required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class ChangeRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=ChangeKind.choices)
    swap_with = forms.ModelChoiceField(label=_("对调班次"), queryset=None, required=False)
    reason = forms.CharField(label=_("事由"), max_length=200)

    def __init__(self, *args, shifts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["swap_with"].queryset = shifts


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("审批"), choices=[("1", _("批准")), ("0", _("驳回"))], coerce=lambda v: v == "1"
    )
    replacement = forms.ModelChoiceField(label=_("顶班人员"), queryset=None, required=False)
    note = forms.CharField(label=_("审批意见"), max_length=200, required=False)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["replacement"].queryset = staff
        self.fields["replacement"].label_from_instance = lambda u: u.staff.name


class NoteForm(forms.Form):
    note = forms.CharField(label=_("说明"), max_length=TEXT_MAX_LENGTH, required=False)


class AreaCheckForm(forms.Form):
    abnormal = forms.BooleanField(label=_("区域有异常"), required=False)
    note = forms.CharField(
        label=_("情况及交班人员解释"), max_length=TEXT_MAX_LENGTH, required=False
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("例外理由"), max_length=200)


class CountForm(forms.Form):
    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"count_{item.pk}"] = forms.IntegerField(
                label=f"{item.name}({_('应有')}{item.quantity})",
                min_value=0,
                initial=item.quantity,
            )
            self.fields[f"explain_{item.pk}"] = forms.CharField(
                label=_("不符说明"), max_length=200, required=False
            )

    def counts(self) -> dict:
        data = self.cleaned_data
        return {
            i.pk: (data.get(f"count_{i.pk}"), data.get(f"explain_{i.pk}", "")) for i in self.items
        }
