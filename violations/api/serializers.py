"""API shapes of resident violations (SOP.md §8). Output serializers only read; input
serializers only parse types — every rule (who may sign, each prerequisite) lives in
violations.services, whose refusals reach the client as `{"code", "message", "detail"}`."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from estates.models import Household
from estates.selectors import household_queryset
from violations.choices import Kind, Measure, Severity, Status, SubKind, Utility
from violations.models import CaseEvent, CaseMeasure, ViolationCase, ViolationNotice


def staff_name(user) -> str | None:
    """The staff name of a user (select_related `…__staff` by the selector), else the login."""
    if user is None:
        return None
    staff = getattr(user, "staff", None)
    return staff.name if staff is not None else user.get_username()


# --- Output ------------------------------------------------------------------------------------


class CaseRowSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True, help_text="WZ20261123-00042")
    office_name = serializers.CharField(source="office.name", read_only=True)
    unit = serializers.CharField(source="household.unit.label", read_only=True)
    building = serializers.IntegerField(source="household.unit.building_id", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    sub_kind_display = serializers.CharField(source="get_sub_kind_display", read_only=True)
    severity_display = serializers.CharField(source="get_severity_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    last_step = serializers.SerializerMethodField(
        help_text="The kind of the newest measure recorded, or null"
    )

    class Meta:
        model = ViolationCase
        fields = [
            "id",
            "number",
            "office",
            "office_name",
            "household",
            "unit",
            "building",
            "kind",
            "kind_display",
            "sub_kind",
            "sub_kind_display",
            "severity",
            "severity_display",
            "status",
            "status_display",
            "place",
            "occurred_at",
            "registered_at",
            "followup_due",
            "last_step",
        ]

    @extend_schema_field(OpenApiTypes.STR)
    def get_last_step(self, case) -> str | None:
        newest = getattr(case, "measures_newest_first", None)
        if newest is None:
            newest = list(case.measures.order_by("-decided_at", "-id")[:1])
        return newest[0].kind if newest else None


class MeasureSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    decided_by = serializers.SerializerMethodField(help_text="Who decided or signed (staff name)")
    decided_as = serializers.CharField(
        read_only=True, help_text="The role code the signature counted as; blank for persuasion"
    )
    cut_in_force = serializers.BooleanField(read_only=True)

    class Meta:
        model = CaseMeasure
        fields = [
            "id",
            "kind",
            "kind_display",
            "decided_at",
            "decided_by",
            "decided_as",
            "reason",
            "outcome",
            "deadline",
            "amount",
            "utility",
            "notice",
            "restored_at",
            "cut_in_force",
            "policy_number",
        ]

    @extend_schema_field(OpenApiTypes.STR)
    def get_decided_by(self, measure) -> str | None:
        return staff_name(measure.decided_by)


class RungSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    done = serializers.BooleanField()
    current = serializers.BooleanField(help_text="The highest rung reached")
    signed_by = serializers.CharField(
        help_text="The roles whose signature the step needs (policy); blank for persuasion"
    )


class NoticeSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = ViolationNotice
        fields = [
            "id",
            "number",
            "kind",
            "kind_display",
            "title",
            "effective_on",
            "utility",
            "issued_at",
            "delivered_at",
            "delivered_to",
            "visited_at",
        ]


class CaseEventSerializer(serializers.ModelSerializer):
    type_display = serializers.CharField(source="get_type_display", read_only=True)
    actor = serializers.SerializerMethodField(help_text="Staff name, or null for the system")

    class Meta:
        model = CaseEvent
        fields = ["id", "type", "type_display", "at", "actor", "note", "data"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_actor(self, event) -> str | None:
        return staff_name(event.actor)


class OfferedSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()


class CaseDetailSerializer(CaseRowSerializer):
    """The case with its steps, where it stands on the ladder, what the next step requires,
    the measures this user may record, its notices and its timeline."""

    measures = serializers.SerializerMethodField()
    ladder = serializers.SerializerMethodField()
    next_step = serializers.SerializerMethodField(
        help_text="What the next rung requires, one Chinese sentence (blank once closed)"
    )
    measures_offered = serializers.SerializerMethodField(
        help_text="The measures this user may record now (the console offers only these)"
    )
    notices = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()

    class Meta(CaseRowSerializer.Meta):
        fields = [
            *CaseRowSerializer.Meta.fields,
            "description",
            "reported_by",
            "persuaded_on_site",
            "harms_residents",
            "harms_office_finances",
            "harms_public_safety",
            "arrears_amount",
            "committee_support_at",
            "committee_support_note",
            "outcome",
            "closing_note",
            "closed_at",
            "measures",
            "ladder",
            "next_step",
            "measures_offered",
            "notices",
            "timeline",
        ]

    @extend_schema_field(MeasureSerializer(many=True))
    def get_measures(self, case):
        return MeasureSerializer(self.context["measures"], many=True).data

    @extend_schema_field(RungSerializer(many=True))
    def get_ladder(self, case):
        return RungSerializer(self.context["ladder"], many=True).data

    @extend_schema_field(OpenApiTypes.STR)
    def get_next_step(self, case) -> str:
        return self.context["next_step"]

    @extend_schema_field(OfferedSerializer(many=True))
    def get_measures_offered(self, case):
        offered = [{"kind": k, "label": str(label)} for k, label in self.context["offered"]]
        return OfferedSerializer(offered, many=True).data

    @extend_schema_field(NoticeSerializer(many=True))
    def get_notices(self, case):
        return NoticeSerializer(self.context["notices"], many=True).data

    @extend_schema_field(CaseEventSerializer(many=True))
    def get_timeline(self, case):
        return CaseEventSerializer(self.context["events"], many=True).data


# --- Input -------------------------------------------------------------------------------------


class CaseFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    building = serializers.IntegerField(required=False, min_value=1, help_text="A building id")


class _ScopedHouseholdField(serializers.PrimaryKeyRelatedField):
    """A household id looked up among those the user may see: another office's household gets
    the same answer as one that does not exist."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Household.objects.none(), **kwargs)  # the model, for the schema

    def get_queryset(self):
        request = self.context.get("request")
        return household_queryset(user=getattr(request, "user", None)).select_related(
            "office", "unit__building__estate"
        )


class CaseCreateSerializer(serializers.Serializer):
    """The fields of violations.services.CaseData (the 住户违章事件记录表), the household as an
    id; severity is derived from the three harm questions."""

    household = _ScopedHouseholdField(
        error_messages={"does_not_exist": _("住户不存在")},
        help_text="The household (id from /households/); the case belongs to its office",
    )
    sub_kind = serializers.ChoiceField(
        choices=SubKind.choices,
        error_messages={"invalid_choice": _("请选择违章现象")},
        help_text="The SOP example; its prefix is the kind",
    )
    place = serializers.CharField(required=False, allow_blank=True, default="")
    occurred_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    description = serializers.CharField(
        required=False, allow_blank=True, default="", trim_whitespace=False
    )
    reported_by = serializers.CharField(required=False, allow_blank=True, default="")
    persuaded_on_site = serializers.BooleanField(required=False, default=False)
    harms_residents = serializers.BooleanField(required=False, default=False)
    harms_office_finances = serializers.BooleanField(required=False, default=False)
    harms_public_safety = serializers.BooleanField(required=False, default=False)
    arrears_amount = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        help_text="Refusing management fees only",
    )
    slip_to = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="协调单: addressed to (optional)"
    )
    slip_content = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="协调单: content (optional)"
    )


class StepSerializer(serializers.Serializer):
    """The fields of violations.services.MeasureData: the step's kind and its fields."""

    kind = serializers.ChoiceField(
        choices=Measure.choices, error_messages={"invalid_choice": _("请选择处理措施")}
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", trim_whitespace=False
    )
    outcome = serializers.CharField(required=False, allow_blank=True, default="")
    deadline = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Rectification and reminder letter: the deadline (a notice is issued)",
    )
    amount = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        help_text="Compensation and late fee: the amount (元)",
    )
    utility = serializers.ChoiceField(
        choices=Utility.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Utility cut: taken from its notice when blank",
    )
