"""REST API of resident violations (SOP.md §8; issue #6): parse the input → call the service →
serialize.

Reads go through violations.selectors (scoped: another office's case is the same 404 as a
missing one). Writes go through violations.services — the same functions the console calls —
so every authority rule and prerequisite applies: a penalty by a role the policy does not name
is a 403 `permission_denied` whose message names who may sign; a missing prerequisite is a 400
(`prerequisite_missing`, …) whose message names it; a refusal changes nothing.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from core.api.schema import ErrorSerializer, error_responses
from core.api.utils import validated_query_params
from policies.selectors import policy_for_office
from violations import selectors, services
from violations.api import serializers as s

VIOLATIONS = ["violations"]
VIEW = "violations.view_violationcase"

STEP_ERRORS = {
    400: OpenApiResponse(
        response=ErrorSerializer,
        description="输入有误 — `invalid` (a field; `detail` names it), `prerequisite_missing` "
        "(the message names what is missing, `detail.missing` lists it), `cut_in_force`, "
        "`case_closed`",
    ),
    **error_responses(401),
    403: OpenApiResponse(
        response=ErrorSerializer,
        description="无权操作 — `permission_denied`: the user's role may not sign this measure; "
        "the message names the roles that may (policy `violations.penalty_roles`, …)",
    ),
    **error_responses(404),
}


@extend_schema(tags=VIOLATIONS)
class ViolationCaseViewSet(viewsets.GenericViewSet):
    """住户违章 (SOP.md §8): the register, one case on its measures ladder, registering a case,
    and recording a step."""

    serializer_class = s.CaseRowSerializer
    parser_classes = [JSONParser]
    # Signing a measure is a matter of the policy's roles, checked by the service (a company
    # role that only views cases may sign litigation); the permission class asks only that the
    # user may see cases.
    action_perms = {"steps": [VIEW]}

    def get_queryset(self):
        return selectors.case_queryset(user=self.request.user)

    def _parse(self, serializer_class) -> dict:
        data = serializer_class(data=self.request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    def _detail(self, pk, *, status_code=status.HTTP_200_OK) -> Response:
        case = selectors.case_get(user=self.request.user, pk=pk)
        measures = list(case.measures.select_related("decided_by__staff"))
        policy = policy_for_office(case.office)
        context = {
            **self.get_serializer_context(),
            "measures": measures,
            "ladder": selectors.ladder(case, measures, policy),
            "next_step": selectors.next_step(case, measures, policy),
            "offered": selectors.measures_offered(self.request.user, case, policy),
            "notices": list(case.notices.all()),
            "events": selectors.case_timeline(case),
        }
        case.measures_newest_first = sorted(
            measures, key=lambda m: (m.decided_at, m.pk), reverse=True
        )
        return Response(s.CaseDetailSerializer(case, context=context).data, status=status_code)

    @extend_schema(
        summary="The register (住户违章事件记录表)",
        parameters=[s.CaseFilterSerializer],
        responses={200: s.CaseRowSerializer, **error_responses(400, 401, 403)},
    )
    def list(self, request, *args, **kwargs):
        """Open (not archived) and closed cases of the offices the user may see, newest first;
        the same filters as the console's list."""
        params = validated_query_params(s.CaseFilterSerializer, request)
        filters = selectors.CaseFilters(
            kind=params.get("kind", ""),
            severity=params.get("severity", ""),
            status=params.get("status", ""),
            building_id=params.get("building"),
        )
        page = self.paginate_queryset(selectors.case_list(user=request.user, filters=filters))
        return self.get_paginated_response(s.CaseRowSerializer(page, many=True).data)

    @extend_schema(
        summary="One case: steps, ladder, next step, timeline",
        responses={200: s.CaseDetailSerializer, **error_responses(401, 403, 404)},
    )
    def retrieve(self, request, *args, **kwargs):
        """The case with the measures taken (who decided, when, why, the outcome), where it
        stands on its ladder and who signs each rung, what the next step requires, the
        measures this user may record, its notices and its timeline."""
        return self._detail(kwargs["pk"])

    @extend_schema(
        summary="Register a case (登记住户违章)",
        request=s.CaseCreateSerializer,
        responses={201: s.CaseDetailSerializer, **error_responses(400, 401, 403)},
    )
    def create(self, request, *args, **kwargs):
        """Register a violation for a household: general or major is derived from the three
        harm questions; the supervisor (general) or the manager (major) is notified. With
        `slip_to` and `slip_content` a 协调单 is issued with it."""
        fields = self._parse(s.CaseCreateSerializer)
        household = fields["household"]
        slip = None
        slip_to, slip_content = fields.pop("slip_to"), fields.pop("slip_content")
        if slip_to or slip_content:
            slip = services.SlipData(slip_to, slip_content)
        case = services.case_register(
            actor=request.user,
            office=household.office,
            data=services.CaseData(**fields),
            slip=slip,
        )
        return self._detail(case.pk, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record a step on the ladder (处理措施)",
        request=s.StepSerializer,
        responses={201: s.CaseDetailSerializer, **STEP_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="steps")
    def steps(self, request, pk=None):
        """Record a measure: `kind` and its fields. Persuasion by anyone who handles cases;
        every other measure only by the roles the office policy names (the message of a 403
        names them); a utility cut only with the covenant clause, the delivered notice, the
        visit and the manager's decision; public criticism and the committee notice only with
        the owners' committee's recorded support. Answers the case as it is now."""
        case = selectors.case_get(user=request.user, pk=pk)
        data = self._parse(s.StepSerializer)
        services.measure_record(actor=request.user, case=case, data=services.MeasureData(**data))
        return self._detail(case.pk, status_code=status.HTTP_201_CREATED)
