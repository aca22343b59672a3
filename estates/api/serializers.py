"""API shapes of places and people. Output serializers only read; input serializers only parse
types — the rules (phone, ID number, lease…) live in estates.services, whose refusals reach the
client as `{"code", "message", "detail"}`."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.validators import mask_id_number
from estates.choices import IdDocumentType, OccupancyStatus, ResidentRelation
from estates.models import Building, Estate, Household, MoveIn, Resident, Unit
from estates.selectors import resident_queryset
from organization.models import ManagementOffice
from organization.selectors import office_list

SEE_ID_NUMBERS = "estates.view_resident_id_number"


class IdNumberField(serializers.CharField):
    """An ID number in full for roles with `view_resident_id_number`, masked for the rest."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault(
            "help_text", "Masked (1101**********002X) unless the user may see ID numbers."
        )
        super().__init__(**kwargs)

    def to_representation(self, value):
        value = super().to_representation(value)
        request = self.context.get("request")
        if request is not None and request.user.has_perm(SEE_ID_NUMBERS):
            return value
        return mask_id_number(value)


# --- Places -----------------------------------------------------------------------------------


class EstateSerializer(serializers.ModelSerializer):
    building_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Estate
        fields = ["id", "office", "name", "address", "building_count"]


class BuildingSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True, help_text="3栋, or the building's name")
    unit_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Building
        fields = ["id", "estate", "number", "name", "display_name", "floors", "unit_count"]


class UnitSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True, help_text="3栋2单元1502")
    short_code = serializers.CharField(read_only=True, help_text="3-2-1502")
    household = serializers.SerializerMethodField(help_text="The unit's household record.")

    class Meta:
        model = Unit
        fields = [
            "id",
            "building",
            "entrance",
            "floor",
            "room_number",
            "area",
            "label",
            "short_code",
            "household",
        ]

    @extend_schema_field(OpenApiTypes.INT)
    def get_household(self, unit) -> int | None:
        household = getattr(unit, "household", None)  # select_related by the view
        return household.pk if household else None


class UnitBriefSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True, help_text="3栋2单元1502")
    short_code = serializers.CharField(read_only=True, help_text="3-2-1502")
    estate = serializers.IntegerField(source="building.estate_id", read_only=True)
    estate_name = serializers.CharField(source="building.estate.name", read_only=True)
    building_number = serializers.CharField(source="building.number", read_only=True)

    class Meta:
        model = Unit
        fields = [
            "id",
            "estate",
            "estate_name",
            "building",
            "building_number",
            "entrance",
            "floor",
            "room_number",
            "area",
            "label",
            "short_code",
        ]


# --- People -----------------------------------------------------------------------------------


class ResidentBriefSerializer(serializers.ModelSerializer):
    """A current resident as a list row shows them: name, relation, phone."""

    relation_display = serializers.CharField(source="get_relation_display", read_only=True)

    class Meta:
        model = Resident
        fields = ["id", "name", "relation", "relation_display", "phone"]


class ResidentSerializer(serializers.ModelSerializer):
    relation_display = serializers.CharField(source="get_relation_display", read_only=True)
    id_number = IdNumberField()
    is_current = serializers.BooleanField(read_only=True)
    has_account = serializers.SerializerMethodField(help_text="Has a resident login account.")

    class Meta:
        model = Resident
        fields = [
            "id",
            "household",
            "name",
            "relation",
            "relation_display",
            "phone",
            "id_type",
            "id_number",
            "moved_in_on",
            "moved_out_on",
            "is_current",
            "has_account",
            "created_at",
        ]

    def get_has_account(self, resident) -> bool:
        return resident.user_id is not None


class MoveInSerializer(serializers.ModelSerializer):
    resident = ResidentBriefSerializer(read_only=True)
    # The same names as a resident's: the document checked at the counter.
    id_type = serializers.ChoiceField(
        source="id_document_type", choices=IdDocumentType.choices, read_only=True
    )
    id_number = IdNumberField(source="id_document_number")
    access_card_numbers = serializers.ListField(child=serializers.CharField(), read_only=True)
    handled_by_name = serializers.SerializerMethodField()

    class Meta:
        model = MoveIn
        fields = [
            "id",
            "household",
            "resident",
            "moved_in_on",
            "id_type",
            "id_number",
            "lease_checked",
            "lease_start",
            "lease_end",
            "registration_form_received",
            "access_card_numbers",
            "key_count",
            "key_description",
            "notes",
            "handled_by_name",
            "handled_at",
            "corrects",
        ]

    def get_handled_by_name(self, move_in) -> str:
        user = move_in.handled_by
        staff = getattr(user, "staff", None)  # select_related by the selector
        return staff.name if staff else user.get_full_name() or user.get_username()


# --- Households -------------------------------------------------------------------------------


class HouseholdSummarySerializer(serializers.ModelSerializer):
    """A row of the receptionist's search results."""

    unit = UnitBriefSerializer(read_only=True)
    occupancy_display = serializers.CharField(source="get_occupancy_display", read_only=True)
    current_residents = ResidentBriefSerializer(
        many=True,
        read_only=True,
        allow_null=True,
        help_text="Null when the user's role may not see residents.",
    )

    class Meta:
        model = Household
        fields = ["id", "office", "unit", "occupancy", "occupancy_display", "current_residents"]

    def to_representation(self, household):
        data = super().to_representation(household)
        if not self.context["request"].user.has_perm("estates.view_resident"):
            data["current_residents"] = None
        return data


class HouseholdDetailSerializer(serializers.ModelSerializer):
    """One household with everyone ever registered there and its move-in records.

    The view sets `current_residents`, `past_residents` and `move_in_records` on the instance,
    or None when the user's role may not see them.
    """

    unit = UnitBriefSerializer(read_only=True)
    occupancy_display = serializers.CharField(source="get_occupancy_display", read_only=True)
    current_residents = ResidentSerializer(
        many=True,
        read_only=True,
        allow_null=True,
        help_text="Null when the user's role may not see residents.",
    )
    past_residents = ResidentSerializer(
        many=True,
        read_only=True,
        allow_null=True,
        help_text="Moved out; null when the user's role may not see residents.",
    )
    move_ins = MoveInSerializer(
        source="move_in_records",
        many=True,
        read_only=True,
        allow_null=True,
        help_text="Newest first; null when the user's role may not see move-ins.",
    )

    class Meta:
        model = Household
        fields = [
            "id",
            "office",
            "unit",
            "occupancy",
            "occupancy_display",
            "notes",
            "created_at",
            "current_residents",
            "past_residents",
            "move_ins",
        ]


class HouseholdFilterSerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=50,
        help_text="房号 3-2-1502 / 3栋1502 / 1502, 姓名, 手机号 or its last four digits",
    )
    estate = serializers.IntegerField(required=False, min_value=1)
    building = serializers.IntegerField(required=False, min_value=1)
    occupancy = serializers.ChoiceField(choices=OccupancyStatus.choices, required=False)


class HouseholdUpdateSerializer(serializers.Serializer):
    occupancy = serializers.ChoiceField(choices=OccupancyStatus.choices, required=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class BuildingFilterSerializer(serializers.Serializer):
    estate = serializers.IntegerField(required=False, min_value=1)


class UnitFilterSerializer(serializers.Serializer):
    building = serializers.IntegerField(required=False, min_value=1)


# --- Input: people and move-ins ---------------------------------------------------------------


class PersonSerializer(serializers.Serializer):
    """A person as entered at the counter; the service validates phone and ID number."""

    name = serializers.CharField(max_length=50)
    relation = serializers.ChoiceField(
        choices=ResidentRelation.choices,
        error_messages={"invalid_choice": _("身份须为业主、租户或家庭成员")},
    )
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30, default="")
    id_type = serializers.ChoiceField(
        choices=IdDocumentType.choices,
        default=IdDocumentType.RESIDENT_ID_CARD,
        error_messages={"invalid_choice": _("证件类型无效")},
    )
    id_number = serializers.CharField(required=False, allow_blank=True, max_length=32, default="")
    moved_in_on = serializers.DateField(required=False, allow_null=True, default=None)


class MoveInCreateSerializer(serializers.Serializer):
    """入住手续 for either a registered `resident` of the household or a `new_person`."""

    resident = serializers.PrimaryKeyRelatedField(
        queryset=Resident.objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text="A current resident of this household; leave out when giving new_person.",
    )
    new_person = PersonSerializer(required=False, allow_null=True, default=None)
    moved_in_on = serializers.DateField()
    registration_form_received = serializers.BooleanField(default=False)
    lease_checked = serializers.BooleanField(default=False)
    lease_start = serializers.DateField(required=False, allow_null=True, default=None)
    lease_end = serializers.DateField(required=False, allow_null=True, default=None)
    access_card_numbers = serializers.ListField(
        child=serializers.CharField(max_length=32), required=False, default=list
    )
    key_count = serializers.IntegerField(default=0)
    key_description = serializers.CharField(
        required=False, allow_blank=True, max_length=200, default=""
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["resident"].queryset = resident_queryset(user=request.user)


class MoveOutSerializer(serializers.Serializer):
    moved_out_on = serializers.DateField()


# --- Import -----------------------------------------------------------------------------------


class HouseholdImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="Excel (.xlsx) or CSV (UTF-8) filled in per template")
    office = serializers.PrimaryKeyRelatedField(
        queryset=ManagementOffice.objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The management office to import into; may be left out by users of one office.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        self.fields["office"].queryset = office_list(user=getattr(request, "user", None))


class ImportResultSerializer(serializers.Serializer):
    """What an applied import created (estates.importer.ImportResult)."""

    file_name = serializers.CharField()
    rows = serializers.IntegerField(help_text="Data rows read (blank rows skipped)")
    estates_created = serializers.IntegerField()
    buildings_created = serializers.IntegerField()
    units_created = serializers.IntegerField()
    households_created = serializers.IntegerField()
    residents_created = serializers.IntegerField()
    households_updated = serializers.IntegerField(
        help_text="Existing vacant households whose occupancy the file changed"
    )
