"""API shapes of complaints (issue #4, SOP.md §3). Input serializers parse types only — the
SOP's rules (who may approve an extension, closing only after the resident was told, the
automatic 重大) live in complaints.services, whose refusals reach the client as
`{"code", "message", "detail"}`.

Output: a list row, and the detail with the request's deadlines and timeline.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from complaints.choices import (
    ChecklistStep,
    Emergency,
    ExtensionStatus,
    Handling,
    MajorReason,
    Severity,
    Stage,
    ToldChannel,
    Validity,
    ValidKind,
)
from complaints.models import Complaint
from estates.models import Household
from estates.selectors import household_queryset
from service_requests.api.serializers import (
    CallFieldsSerializer,
    DeadlineSerializer,
    EventSerializer,
    HouseholdRefSerializer,
    PartySerializer,
    _ScopedRelatedField,
)
from service_requests.choices import Satisfaction, Status
from service_requests.models import DESCRIPTION_MAX_LENGTH
from violations.api.serializers import _ScopedHouseholdField
from violations.choices import SubKind


def _name(user, names: dict[int, str]) -> str | None:
    if user is None:
        return None
    return names.get(user.pk) or user.get_full_name() or user.get_username()


# --- Output -------------------------------------------------------------------------------------


class ComplaintRowSerializer(serializers.ModelSerializer):
    """A row of the complaint list."""

    number = serializers.CharField(
        source="request.number", read_only=True, help_text="The request's register number"
    )
    request_status = serializers.ChoiceField(
        source="request.status", choices=Status.choices, read_only=True
    )
    next_deadline_at = serializers.DateTimeField(
        source="request.next_deadline_at", read_only=True, allow_null=True
    )
    household = HouseholdRefSerializer(source="request.household", read_only=True, allow_null=True)
    validity = serializers.ChoiceField(choices=Validity.choices, allow_blank=True, read_only=True)
    validity_display = serializers.CharField(source="get_validity_display", read_only=True)
    severity = serializers.ChoiceField(choices=Severity.choices, allow_blank=True, read_only=True)
    severity_display = serializers.CharField(source="get_severity_display", read_only=True)
    stage = serializers.ChoiceField(
        choices=Stage.choices, read_only=True, help_text="Where it stands (derived, not stored)"
    )
    stage_display = serializers.CharField(source="get_stage_display", read_only=True)
    slip_department = PartySerializer(read_only=True, allow_null=True)
    complained_department = PartySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Complaint
        fields = [
            "id",
            "request",
            "number",
            "office",
            "received_at",
            "request_status",
            "next_deadline_at",
            "household",
            "what_happened",
            "validity",
            "validity_display",
            "severity",
            "severity_display",
            "stage",
            "stage_display",
            "complained_department",
            "slip_department",
            "collective_of",
            "closed_at",
        ]


class ComplaintStepSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=ChecklistStep.choices)
    code_display = serializers.CharField(source="get_code_display")
    done_at = serializers.DateTimeField()
    done_by_name = serializers.SerializerMethodField()
    note = serializers.CharField()

    def get_done_by_name(self, step) -> str | None:
        return _name(step.done_by, self.context.get("names", {}))


class ExtensionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reason = serializers.CharField()
    old_due_at = serializers.DateTimeField()
    new_due_at = serializers.DateTimeField()
    approver_role = serializers.CharField(help_text="Role code(s) the policy names to decide")
    policy_key = serializers.CharField()
    requested_at = serializers.DateTimeField()
    requested_by_name = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=ExtensionStatus.choices)
    status_display = serializers.CharField(source="get_status_display")
    decided_at = serializers.DateTimeField(allow_null=True)
    decided_by_name = serializers.SerializerMethodField()
    decision_note = serializers.CharField()

    def get_requested_by_name(self, extension) -> str | None:
        return _name(extension.requested_by, self.context.get("names", {}))

    def get_decided_by_name(self, extension) -> str | None:
        return _name(extension.decided_by, self.context.get("names", {}))


class ComplaintDeadlineSerializer(DeadlineSerializer):
    """A limit of the complaint's request (its `round` counts the reopenings)."""


class ComplaintDetailSerializer(ComplaintRowSerializer):
    """One complaint with its checklist, extensions, collective members and its request's
    deadlines (each with the SOP clause that set it) and timeline."""

    valid_kind = serializers.ChoiceField(
        choices=ValidKind.choices, allow_blank=True, read_only=True
    )
    handling = serializers.ChoiceField(choices=Handling.choices, allow_blank=True, read_only=True)
    major_reason = serializers.ChoiceField(
        choices=MajorReason.choices, allow_blank=True, read_only=True
    )
    emergency = serializers.ChoiceField(choices=Emergency.choices, allow_blank=True, read_only=True)
    told_channel = serializers.ChoiceField(
        choices=ToldChannel.choices, allow_blank=True, read_only=True
    )
    satisfaction = serializers.ChoiceField(
        choices=Satisfaction.choices, allow_blank=True, read_only=True
    )
    needs_nonconformity = serializers.BooleanField(
        read_only=True, help_text="重大 and 重要 go through 不合格纠正与预防"
    )
    follow_up_required = serializers.SerializerMethodField(
        help_text="Whether the policy requires a follow-up visit (回访) before closing"
    )
    members = serializers.SerializerMethodField(
        help_text="Ids of the complaints linked into this collective complaint"
    )
    steps = ComplaintStepSerializer(many=True, read_only=True)
    extensions = ExtensionSerializer(many=True, read_only=True)
    deadlines = ComplaintDeadlineSerializer(source="request.deadlines", many=True, read_only=True)
    follow_up_by_name = serializers.SerializerMethodField(
        help_text="Who is to make the planned follow-up visit"
    )
    visited_by_name = serializers.SerializerMethodField(help_text="Who made the visit")
    timeline = EventSerializer(source="request.events", many=True, read_only=True)

    class Meta:
        model = Complaint
        fields = [
            *ComplaintRowSerializer.Meta.fields,
            "event_at",
            "event_place",
            "complained_party",
            "resident_demand",
            "apologised",
            "valid_kind",
            "handling",
            "explanation",
            "judged_at",
            "major_reason",
            "emergency",
            "needs_nonconformity",
            "nonconformity_ref",
            "handed_over_at",
            "slip_sent_at",
            "slip_signed_by",
            "slip_returned_at",
            "slip_handling",
            "told_at",
            "told_channel",
            "told_note",
            "answered_at",
            "follow_up_by",
            "follow_up_by_name",
            "follow_up_due_at",
            "visited_at",
            "visited_by",
            "visited_by_name",
            "satisfaction",
            "visit_comment",
            "follow_up_required",
            "members",
            "steps",
            "extensions",
            "deadlines",
            "timeline",
        ]

    def get_follow_up_by_name(self, complaint) -> str | None:
        return _name(complaint.follow_up_by, self.context.get("names", {}))

    def get_visited_by_name(self, complaint) -> str | None:
        return _name(complaint.visited_by, self.context.get("names", {}))

    def get_follow_up_required(self, complaint) -> bool:
        from complaints.services import follow_up_required

        return follow_up_required(complaint)

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_members(self, complaint) -> list[int]:
        return [member.pk for member in complaint.members.all()]


# --- Input: the list's filters ------------------------------------------------------------------


class ComplaintFilterSerializer(serializers.Serializer):
    open_only = serializers.BooleanField(
        required=False, default=False, help_text="Only complaints not yet closed"
    )
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    validity = serializers.ChoiceField(choices=Validity.choices, required=False)
    status = serializers.ChoiceField(
        choices=Status.choices, required=False, help_text="The request's status"
    )
    received_from = serializers.DateField(required=False, help_text="YYYY-MM-DD, inclusive")
    received_to = serializers.DateField(required=False, help_text="YYYY-MM-DD, inclusive")
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=50, help_text="Words of 事件经过"
    )


# --- Input: the actions -------------------------------------------------------------------------


class JudgeSerializer(serializers.Serializer):
    validity = serializers.ChoiceField(choices=Validity.choices)
    valid_kind = serializers.ChoiceField(
        choices=ValidKind.choices, required=False, allow_blank=True, default=""
    )
    severity = serializers.ChoiceField(
        choices=Severity.choices, required=False, allow_blank=True, default=""
    )
    handling = serializers.ChoiceField(
        choices=Handling.choices, required=False, allow_blank=True, default=""
    )
    explanation = serializers.CharField(required=False, allow_blank=True, default="")
    violator = _ScopedHouseholdField(
        required=False,
        allow_null=True,
        default=None,
        error_messages={"does_not_exist": _("住户不存在")},
        help_text="handling=violation_case: the offending household (id from /households/); "
        "a violation case is registered against it",
    )
    violation_sub_kind = serializers.ChoiceField(
        choices=SubKind.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="handling=violation_case: the violation (its prefix is the kind). "
        "handling=developer fills in a 物业返修联系单 to the office's developer after-sales "
        "department automatically",
    )


class SeveritySerializer(serializers.Serializer):
    severity = serializers.ChoiceField(choices=Severity.choices)
    reason = serializers.CharField(max_length=200)


class SlipSerializer(serializers.Serializer):
    department = serializers.IntegerField(
        min_value=1, help_text="The department complained about (one of the complaint's office)"
    )
    signed_by = serializers.CharField(max_length=50, help_text="Who took the slip (领表人签收)")


class ReturnSlipSerializer(serializers.Serializer):
    handling = serializers.CharField(help_text="The department's handling (部门处理记录)")


class TellSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=ToldChannel.choices)
    note = serializers.CharField(help_text="What the resident was told")


class ExtensionRequestSerializer(serializers.Serializer):
    new_due_at = serializers.DateTimeField()
    reason = serializers.CharField()


class ExtensionDecideSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class ComplaintFollowUpSerializer(serializers.Serializer):
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    visited_by = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text="User id of who visited (a staff member of the office); default: you",
    )
    visited_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When; default now. Not before the resident was told, not in the future",
    )


class VisitAssignSerializer(serializers.Serializer):
    assignee = serializers.IntegerField(
        min_value=1, help_text="User id of a staff member of the complaint's office"
    )


class ChecklistStepInputSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=ChecklistStep.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class HandOverSerializer(serializers.Serializer):
    to_user = serializers.IntegerField(
        min_value=1,
        help_text="User id of the person the policy names (重大: office manager; 重要: "
        "supervisor) in the complaint's office",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ComplaintIntakeSerializer(CallFieldsSerializer):
    """The help desk's intake of the new category c request (service_requests IntakeData)."""

    description = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=DESCRIPTION_MAX_LENGTH,
        help_text="The register line; default: what_happened",
    )
    household = _ScopedRelatedField(
        household_queryset,
        Household,
        required=False,
        allow_null=True,
        default=None,
        error_messages={"does_not_exist": _("住户不存在")},
        help_text="The complaining household (id from /households/)",
    )
    received_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="Default now"
    )


class ComplaintCreateSerializer(serializers.Serializer):
    """The reception record (000 篇10 §4.3.1) on an existing category c request (`request`) or
    on a new one received now (`intake`) — exactly one of the two."""

    request = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text="Id of a category c request of your offices without a complaint record",
    )
    intake = ComplaintIntakeSerializer(required=False, allow_null=True, default=None)
    what_happened = serializers.CharField(max_length=2000, help_text="事件经过")
    event_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    event_place = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200
    )
    complained_party = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=100
    )
    complained_department = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1
    )
    resident_demand = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=1000
    )
    apologised = serializers.BooleanField(
        required=False, default=False, help_text="Apologised on behalf of the department"
    )
    emergency = serializers.ChoiceField(
        choices=Emergency.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="An emergency makes the complaint 重大 at once",
    )

    def validate(self, attrs):
        if (attrs.get("request") is None) == (attrs.get("intake") is None):
            message = _("请给出已受理的投诉类求助(request)或新受理的投诉(intake),二者选一")
            raise serializers.ValidationError({"request": [message]})
        return attrs


class VisitRowSerializer(serializers.ModelSerializer):
    """A planned follow-up visit not yet recorded."""

    number = serializers.CharField(source="request.number", read_only=True)
    household = HouseholdRefSerializer(source="request.household", read_only=True, allow_null=True)
    contact_phone = serializers.CharField(source="request.contact_phone", read_only=True)
    severity = serializers.ChoiceField(choices=Severity.choices, allow_blank=True, read_only=True)
    severity_display = serializers.CharField(source="get_severity_display", read_only=True)
    follow_up_by_name = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField(help_text="Its planned date has passed")

    class Meta:
        model = Complaint
        fields = [
            "id",
            "number",
            "household",
            "contact_phone",
            "what_happened",
            "severity",
            "severity_display",
            "follow_up_due_at",
            "follow_up_by",
            "follow_up_by_name",
            "overdue",
        ]

    def get_follow_up_by_name(self, complaint) -> str | None:
        return _name(complaint.follow_up_by, self.context.get("names", {}))

    def get_overdue(self, complaint) -> bool:
        return complaint.follow_up_due_at < self.context["now"]


class VisitFilterSerializer(serializers.Serializer):
    tab = serializers.ChoiceField(
        choices=[("mine", "mine"), ("unassigned", "unassigned"), ("all", "all")],
        required=False,
        default="mine",
        help_text="mine (我的回访), unassigned, or all of your offices",
    )


class CloseSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=500, help_text="Why it is reopened (the resident is back with the same matter)"
    )


class LinkSerializer(serializers.Serializer):
    others = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        min_length=1,
        help_text="Ids of the complaints to link into this one (the collective complaint)",
    )
