"""Console forms: they parse what staff typed; the rules live in estates.services."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from estates.choices import IdDocumentType, ResidentRelation


class DateInput(forms.DateInput):
    input_type = "date"


class PersonForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    relation = forms.ChoiceField(label=_("身份"), choices=ResidentRelation.choices)
    phone = forms.CharField(label=_("电话"), max_length=30, required=False)
    id_type = forms.ChoiceField(
        label=_("证件类型"), choices=IdDocumentType.choices, initial=IdDocumentType.RESIDENT_ID_CARD
    )
    id_number = forms.CharField(label=_("证件号码"), max_length=32, required=False)
    moved_in_on = forms.DateField(label=_("入住日期"), required=False, widget=DateInput)


class MoveInForm(forms.Form):
    """入住手续. Either an existing resident or a new person (the fields prefixed new_)."""

    resident = forms.TypedChoiceField(
        label=_("办理人"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("选择已登记的住户成员;新入住人员请留空并填写下方信息"),
    )
    new_name = forms.CharField(label=_("新入住人员姓名"), max_length=50, required=False)
    new_relation = forms.ChoiceField(
        label=_("身份"), choices=ResidentRelation.choices, required=False
    )
    new_phone = forms.CharField(label=_("电话"), max_length=30, required=False)
    new_id_type = forms.ChoiceField(
        label=_("证件类型"),
        choices=IdDocumentType.choices,
        required=False,
        initial=IdDocumentType.RESIDENT_ID_CARD,
    )
    new_id_number = forms.CharField(label=_("证件号码"), max_length=32, required=False)
    moved_in_on = forms.DateField(label=_("入住日期"), widget=DateInput, initial=timezone.localdate)
    registration_form_received = forms.BooleanField(label=_("已收回《住户登记表》"), required=False)
    lease_checked = forms.BooleanField(label=_("已核验租赁合同(租户必填)"), required=False)
    lease_start = forms.DateField(label=_("租期开始"), required=False, widget=DateInput)
    lease_end = forms.DateField(label=_("租期结束"), required=False, widget=DateInput)
    access_card_numbers = forms.CharField(
        label=_("发放门禁卡号"),
        required=False,
        help_text=_("多张卡用逗号或空格分隔"),
        widget=forms.TextInput,
    )
    key_count = forms.IntegerField(label=_("发放钥匙(把)"), min_value=0, max_value=50, initial=0)
    key_description = forms.CharField(label=_("钥匙说明"), max_length=200, required=False)
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea)

    def __init__(self, *args, residents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resident"].choices = [("", _("— 新入住人员 —"))] + [
            (r.pk, f"{r.name}({r.get_relation_display()})") for r in residents
        ]


class MoveOutForm(forms.Form):
    moved_out_on = forms.DateField(
        label=_("迁出日期"), widget=DateInput, initial=timezone.localdate
    )


class ImportForm(forms.Form):
    """资料导入. The office chooser appears only to users who can see more than one office;
    a user of one office imports into it."""

    office = forms.ModelChoiceField(
        label=_("导入到管理处"), queryset=None, empty_label=_("— 请选择管理处 —")
    )
    file = forms.FileField(
        label=_("资料文件"),
        help_text=_("Excel(.xlsx)或CSV(UTF-8或GB18030编码)文件,按导入模板填写"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, offices, **kwargs):
        super().__init__(*args, **kwargs)
        self.offices = list(offices[:2])
        if len(self.offices) == 1:
            del self.fields["office"]
        else:
            self.fields["office"].queryset = offices

    def clean(self):
        data = super().clean()
        if len(self.offices) == 1:
            data["office"] = self.offices[0]
        elif not self.offices:
            raise forms.ValidationError(_("您的账号没有关联任何管理处,无法导入"))
        return data
