"""REST API of places and people (issue #2): parse the input → call the service → serialize.

Reads go through estates.selectors, which limit to the user's scope, so another office's record
is a 404 exactly like a missing one; writes go through estates.services, whose refusals
core.api.errors turns into `{"code", "message", "detail"}`.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core.api.schema import OBJECT_ERRORS, WRITE_ERRORS, ErrorSerializer, error_responses
from core.api.utils import paginated_response, validated_query_params
from core.exceptions import ApplicationError
from estates import selectors, services
from estates.api import serializers as s

PLACES = ["places"]
HOUSEHOLDS = ["households"]
RESIDENTS = ["residents"]
MOVE_INS = ["move-ins"]
IMPORTS = ["imports"]


def _read_only_schema(serializer, *, tags, filters=None):
    return extend_schema_view(
        list=extend_schema(
            tags=tags,
            parameters=[filters] if filters else None,
            responses={200: serializer, **error_responses(400, 401, 403)},
        ),
        retrieve=extend_schema(tags=tags, responses={200: serializer, **OBJECT_ERRORS}),
    )


@_read_only_schema(s.EstateSerializer, tags=PLACES)
class EstateViewSet(viewsets.ReadOnlyModelViewSet):
    """小区 of the offices the user may see."""

    serializer_class = s.EstateSerializer

    def get_queryset(self):
        return selectors.estate_list(user=self.request.user)


@_read_only_schema(s.BuildingSerializer, tags=PLACES, filters=s.BuildingFilterSerializer)
class BuildingViewSet(viewsets.ReadOnlyModelViewSet):
    """楼栋; `?estate=` limits to one estate."""

    serializer_class = s.BuildingSerializer

    def get_queryset(self):
        return selectors.building_list(user=self.request.user)

    def list(self, request, *args, **kwargs):
        params = validated_query_params(s.BuildingFilterSerializer, request)
        return paginated_response(
            self, selectors.building_list(user=request.user, estate_id=params.get("estate"))
        )


@_read_only_schema(s.UnitSerializer, tags=PLACES, filters=s.UnitFilterSerializer)
class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """房屋; `?building=` limits to one building."""

    serializer_class = s.UnitSerializer

    def get_queryset(self):
        return selectors.unit_list(user=self.request.user).select_related("household")

    def list(self, request, *args, **kwargs):
        params = validated_query_params(s.UnitFilterSerializer, request)
        units = selectors.unit_list(user=request.user, building_id=params.get("building"))
        return paginated_response(self, units.select_related("household"))


@extend_schema(tags=HOUSEHOLDS)
class HouseholdViewSet(viewsets.GenericViewSet):
    """住户: the receptionist's search, one household's file, and the counter's work on it."""

    serializer_class = s.HouseholdSummarySerializer
    action_perms = {
        "residents": ["estates.view_household", "estates.view_resident"],
        "add_resident": ["estates.add_resident"],
        "move_ins": ["estates.view_household", "estates.view_movein"],
        "register_move_in": ["estates.add_movein"],
    }

    def get_queryset(self):
        return selectors.household_queryset(user=self.request.user)

    def get_object(self):
        return selectors.household_get(user=self.request.user, pk=self.kwargs["pk"])

    def _detail(self, household) -> Response:
        user = self.request.user
        household.current_residents = household.past_residents = None
        household.move_in_records = None
        if user.has_perm("estates.view_resident"):
            residents = list(selectors.household_residents(household=household))
            household.current_residents = [r for r in residents if r.is_current]
            household.past_residents = [r for r in residents if not r.is_current]
        if user.has_perm("estates.view_movein"):
            household.move_in_records = list(selectors.household_move_ins(household=household))
        context = self.get_serializer_context()
        return Response(s.HouseholdDetailSerializer(household, context=context).data)

    @extend_schema(
        summary="Search households (接待查询)",
        parameters=[s.HouseholdFilterSerializer],
        responses={200: s.HouseholdSummarySerializer, **error_responses(400, 401, 403)},
    )
    def list(self, request, *args, **kwargs):
        """Households in the user's scope; `q` is what the receptionist types: a room
        (3-2-1502, 3栋2单元1502, 3栋1502, 1502), a name, a full phone number or its last four
        digits. Each row carries the current residents."""
        params = validated_query_params(s.HouseholdFilterSerializer, request)
        households = selectors.household_list(
            user=request.user,
            query=params.get("q", ""),
            estate_id=params.get("estate"),
            building_id=params.get("building"),
            occupancy=params.get("occupancy"),
        )
        return paginated_response(self, households)

    @extend_schema(responses={200: s.HouseholdDetailSerializer, **OBJECT_ERRORS})
    def retrieve(self, request, *args, **kwargs):
        """One household: its room, current and past residents, and move-in records.
        ID numbers are masked unless the user's role may see them."""
        return self._detail(self.get_object())

    @extend_schema(
        summary="Change occupancy or notes",
        request=s.HouseholdUpdateSerializer,
        responses={200: s.HouseholdDetailSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request, *args, **kwargs):
        """Change the occupancy (自住/出租/空置) or the notes; returns the household."""
        household = self.get_object()
        data = s.HouseholdUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.household_update(actor=request.user, household=household, **data.validated_data)
        return self._detail(household)

    @extend_schema(
        tags=RESIDENTS,
        summary="Everyone registered in the household, current first",
        responses={200: s.ResidentSerializer(many=True), **OBJECT_ERRORS},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def residents(self, request, pk=None):
        """Current residents first, then those who moved out, with their dates."""
        residents = selectors.household_residents(household=self.get_object())
        return Response(
            s.ResidentSerializer(residents, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(
        tags=RESIDENTS,
        summary="Register a resident (登记住户成员)",
        request=s.PersonSerializer,
        responses={201: s.ResidentSerializer, **WRITE_ERRORS},
    )
    @residents.mapping.post
    def add_resident(self, request, pk=None):
        """Phone and ID number are checked (GB 11643 check digit for 居民身份证); a refusal
        is a 400 with the field errors in `detail`."""
        household = self.get_object()
        person = s.PersonSerializer(data=request.data)
        person.is_valid(raise_exception=True)
        resident = services.resident_add(
            actor=request.user,
            household=household,
            person=services.PersonData(**person.validated_data),
        )
        return Response(
            s.ResidentSerializer(resident, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        tags=MOVE_INS,
        summary="Move-in records (入住手续), newest first",
        responses={200: s.MoveInSerializer(many=True), **OBJECT_ERRORS},
    )
    @action(detail=True, methods=["get"], url_path="move-ins", pagination_class=None)
    def move_ins(self, request, pk=None):
        """Every move-in registered for the household, with who handled it and when."""
        move_ins = selectors.household_move_ins(household=self.get_object())
        return Response(
            s.MoveInSerializer(move_ins, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(
        tags=MOVE_INS,
        summary="Register a move-in (办理入住手续)",
        request=s.MoveInCreateSerializer,
        responses={201: s.MoveInSerializer, **WRITE_ERRORS},
    )
    @move_ins.mapping.post
    def register_move_in(self, request, pk=None):
        """For a current resident of the household (`resident`) or a new person
        (`new_person`), exactly one. The SOP's documents are checked: the ID number, the
        returned registration form and, for a tenant, the lease and its dates."""
        household = self.get_object()
        data = s.MoveInCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        resident = fields.pop("resident")
        new_person = fields.pop("new_person")
        fields["access_card_numbers"] = tuple(fields["access_card_numbers"])
        move_in = services.move_in_register(
            actor=request.user,
            household=household,
            data=services.MoveInData(**fields),
            resident=resident,
            new_person=(
                services.PersonData(**{**new_person, "moved_in_on": fields["moved_in_on"]})
                if new_person
                else None
            ),
        )
        return Response(
            s.MoveInSerializer(move_in, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


@extend_schema(tags=RESIDENTS)
class ResidentViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One resident, and moving them out (迁出)."""

    serializer_class = s.ResidentSerializer
    action_perms = {"move_out": ["estates.change_resident"]}

    def get_queryset(self):
        return selectors.resident_queryset(user=self.request.user)

    @extend_schema(responses={200: s.ResidentSerializer, **OBJECT_ERRORS})
    def retrieve(self, request, *args, **kwargs):
        """One resident of a household in the user's scope."""
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Move a resident out (办理迁出); the record is kept with the date",
        request=s.MoveOutSerializer,
        responses={200: s.ResidentSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="move-out")
    def move_out(self, request, pk=None):
        """迁出: the resident stays on record with the date; nothing is deleted."""
        resident = self.get_object()
        data = s.MoveOutSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.resident_move_out(actor=request.user, resident=resident, **data.validated_data)
        return Response(self.get_serializer(resident).data)


@extend_schema(tags=IMPORTS)
class HouseholdImportViewSet(viewsets.GenericViewSet):
    """资料导入: buildings, rooms, households and residents from the Excel/CSV template."""

    serializer_class = s.HouseholdImportSerializer
    parser_classes = [MultiPartParser, FormParser]
    action_perms = {"create": ["estates.import_households"]}

    @extend_schema(
        summary="Import households from a file (all or nothing)",
        request={"multipart/form-data": s.HouseholdImportSerializer},
        responses={
            201: s.ImportResultSerializer,
            **error_responses(401, 403),
            400: OpenApiResponse(
                response=ErrorSerializer,
                description=(
                    "The file was refused and nothing was imported: code `import_rejected` "
                    "(rows with errors) or `import_file_invalid` (not the template); "
                    '`detail.errors` lists `{"row", "column", "message"}`.'
                ),
            ),
        },
    )
    def create(self, request, *args, **kwargs):
        """Upload the filled-in template (.xlsx or .csv). Every row is checked first; with
        any error nothing is imported and `detail.errors` lists each problem by row."""
        from estates.importer import MAX_FILE_BYTES, import_households

        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        office = data.validated_data["office"] or self._only_office()
        upload = data.validated_data["file"]
        result = import_households(
            actor=request.user,
            office=office,
            file_name=upload.name,
            # One byte over the limit is enough for the importer to refuse a file too large.
            content=upload.read(MAX_FILE_BYTES + 1),
        )
        return Response(s.ImportResultSerializer(result).data, status=status.HTTP_201_CREATED)

    def _only_office(self):
        offices = list(self.get_serializer().fields["office"].queryset[:2])
        if len(offices) != 1:
            message = _("请选择导入到哪个管理处")
            raise ApplicationError(message, field_errors={"office": [message]})
        return offices[0]
