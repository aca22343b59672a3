"""Console forms of the help desk: they parse what staff typed; every rule (categories,
emergencies, back-dating, lifecycle) lives in service_requests.services and is shown next to
the field it concerns (core.forms.apply_application_error).

Category, channel and label are plain text fields on purpose: an unknown value reaches the
service, which refuses it with the same Chinese message the API gives.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from service_requests.choices import (
    Category,
    Channel,
    ConfirmationChannel,
    ReceptionLabel,
    Satisfaction,
)
from service_requests.emergency import BRANCHES

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=DATETIME_LOCAL)


def datetime_local_field(label, *, required: bool, help_text=""):
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=DateTimeLocalInput,
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; checking them (size, type, count) is the service's job."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


ATTACHMENT_ACCEPT = "image/jpeg,image/png,image/webp,image/heic,.heic,application/pdf"
ATTACHMENT_HELP = _("JPEG、PNG、WebP、HEIC 图片或 PDF,可多选")


class IntakeForm(forms.Form):
    """求助受理: the one screen a receptionist fills while the resident is on the line."""

    household = forms.IntegerField(required=False, widget=forms.HiddenInput)
    office = forms.IntegerField(label=_("管理处"), required=False)
    category = forms.CharField(
        label=_("求助类别"),
        required=False,
        widget=forms.RadioSelect(choices=Category.choices),
    )
    is_major = forms.BooleanField(label=_("重大(须立即报告主管)"), required=False)
    reported_now = forms.BooleanField(
        label=_("已当场报告主管"),
        required=False,
        help_text=_("通话中已电话或当面报告主管的,勾选后计为按时报告"),
    )
    is_paid_service = forms.BooleanField(label=_("有偿服务"), required=False)
    emergency_help = forms.MultipleChoiceField(
        label=_("住户需要的帮助"),
        required=False,
        choices=[(code, label) for code, (label, _steps) in BRANCHES.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    channel = forms.CharField(
        label=_("渠道"),
        required=False,
        initial=Channel.PHONE,
        widget=forms.Select(choices=Channel.choices),
    )
    reception_label = forms.CharField(
        label=_("接待登记类别"),
        required=False,
        widget=forms.Select(choices=[("", _("自动(按类别)")), *ReceptionLabel.choices]),
    )
    description = forms.CharField(
        label=_("求助内容"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    location = forms.CharField(label=_("地点/病人住址"), required=False, max_length=200)
    contact_name = forms.CharField(label=_("联系人"), required=False, max_length=50)
    contact_phone = forms.CharField(
        label=_("联系电话"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    received_at = datetime_local_field(
        _("受理时间"), required=False, help_text=_("补录来电时填写;留空为现在")
    )
    reply_now = forms.CharField(
        label=_("当场答复"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("已在电话中答复住户的,填写答复内容(计为首次答复)"),
    )
    file = MultipleFileField(
        label=_("附件(照片、扫描件)"),
        required=False,
        help_text=ATTACHMENT_HELP,
        widget=MultipleFileInput(attrs={"multiple": True, "accept": ATTACHMENT_ACCEPT}),
    )


class VersionedForm(forms.Form):
    """Every action form carries the version of the request it was rendered with."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class ReplyForm(VersionedForm):
    reply = forms.CharField(
        label=_("答复内容"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DispatchForm(VersionedForm):
    department = forms.TypedChoiceField(label=_("派往部门"), coerce=int)
    assignee = forms.TypedChoiceField(
        label=_("处理人"), coerce=int, required=False, empty_value=None
    )
    note = forms.CharField(label=_("派工说明"), required=False)

    def __init__(self, *args, departments=(), assignees=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "—")] + [(d.pk, d.name) for d in departments]
        self.fields["assignee"].choices = [("", _("(部门内任何人)"))] + [
            (s.user_id, f"{s.name}({s.department.name})" if s.department else s.name)
            for s in assignees
        ]


class PlainActionForm(VersionedForm):
    """Acknowledge, start: nothing but the version."""


class AppointmentForm(VersionedForm):
    promised_at = datetime_local_field(_("约定完成时间"), required=True)
    reason = forms.CharField(
        label=_("更改原因"), required=False, help_text=_("更改已约定时间时必填")
    )


class ResolveForm(VersionedForm):
    result = forms.CharField(
        label=_("处理结果"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    public_note = forms.CharField(label=_("告知住户"), required=False)


class ConfirmForm(VersionedForm):
    channel = forms.ChoiceField(
        label=_("确认方式"),
        choices=[c for c in ConfirmationChannel.choices if c[0] != ConfirmationChannel.PORTAL],
    )
    note = forms.CharField(label=_("备注"), required=False)


class FollowUpForm(VersionedForm):
    satisfaction = forms.ChoiceField(label=_("满意度"), choices=Satisfaction.choices)
    comment = forms.CharField(label=_("住户意见"), required=False)


class CloseForm(VersionedForm):
    note = forms.CharField(label=_("备注"), required=False)


class ReferForm(VersionedForm):
    party = forms.TypedChoiceField(label=_("外部单位"), coerce=int)
    resident_told = forms.CharField(
        label=_("已告知住户"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("联系哪个单位、如何联系(严禁推诿)"),
    )

    def __init__(self, *args, parties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].choices = [("", "—")] + [
            (d.pk, f"{d.name} {d.phone}".strip()) for d in parties
        ]


class ReasonForm(VersionedForm):
    """Cancel, reopen."""

    # No max_length: the service refuses an over-long reason with the same message as the API.
    reason = forms.CharField(label=_("原因"), required=False)


class SupervisorReportForm(VersionedForm):
    note = forms.CharField(label=_("报告内容"), required=False)


class NoteForm(VersionedForm):
    internal_note = forms.CharField(
        label=_("内部备注"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    public_note = forms.CharField(
        label=_("告知住户"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("附件"),
        required=False,
        help_text=_("JPEG、PNG、WebP、HEIC 图片或 PDF"),
        widget=forms.ClearableFileInput(attrs={"accept": ATTACHMENT_ACCEPT}),
    )
    caption = forms.CharField(label=_("说明"), required=False)
    supersedes = forms.TypedChoiceField(
        label=_("更正已上传的附件"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("上传错了不能删除,选中错的那份,由这一份更正"),
    )

    def __init__(self, *args, attachments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supersedes"].choices = [("", _("(不更正,新增附件)"))] + [
            (a.pk, a.original_name) for a in attachments
        ]


class EmergencyStepForm(forms.Form):
    # No max_length here: the service refuses an over-long record with its own message (the
    # form's error would be dropped and the step ticked with an empty record).
    detail = forms.CharField(label=_("记录"), required=False)


class EmergencyStepSkipForm(forms.Form):
    # Required and limited by the service (emergency_step_skip), whose messages are shown.
    reason = forms.CharField(label=_("不需要的原因"), required=False)


class QueueFilterForm(forms.Form):
    """The queue's filters; an invalid value is ignored rather than refused."""

    category = forms.ChoiceField(
        label=_("类别"), required=False, choices=[("", _("全部类别")), *Category.choices]
    )
    status = forms.ChoiceField(label=_("状态"), required=False)
    building = forms.TypedChoiceField(label=_("楼栋"), required=False, coerce=int, empty_value=None)
    staff = forms.TypedChoiceField(label=_("处理人"), required=False, coerce=int, empty_value=None)
    department = forms.TypedChoiceField(
        label=_("部门"), required=False, coerce=int, empty_value=None
    )
    received_from = forms.DateField(
        label=_("受理日期从"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = forms.DateField(
        label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    special = forms.BooleanField(label=_("只看特别求助"), required=False)
    q = forms.CharField(label=_("内容/联系人/电话/编号"), required=False, max_length=50)

    def __init__(self, *args, statuses=(), buildings=(), staff=(), departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("全部状态")), *statuses]
        self.fields["building"].choices = [("", _("全部楼栋"))] + [
            (b.pk, f"{b.estate.name} {b.display_name}") for b in buildings
        ]
        self.fields["staff"].choices = [("", _("全部处理人"))] + [
            (s.user_id, s.name) for s in staff
        ]
        self.fields["department"].choices = [("", _("全部部门"))] + [
            (d.pk, d.name) for d in departments
        ]
