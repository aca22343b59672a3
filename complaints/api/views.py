"""REST API of complaints (issue #4, SOP.md §3): parse the input → call the same service as the
console → answer the complaint as it is now.

Reads go through complaints.selectors (scoped: another office's complaint is the same 404 as a
missing one). Every action calls complaints.services, which checks scope, authority and the
policy; their refusals become `{"code", "message", "detail"}` (core.api.errors): the wrong role
approving an extension is a 403 with the service's message, closing before the resident was
told a 400 `resident_not_told`.
"""

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from complaints import selectors, services
from complaints.api import serializers as s
from core.api.schema import ErrorSerializer, error_responses
from core.api.utils import validated_query_params
from core.exceptions import ApplicationError
from core.periods import period_parse
from organization.models import EXTERNAL_DEPARTMENT_KINDS, Department, Staff
from organization.selectors import office_list
from service_requests.choices import Category
from service_requests.models import RequestEvent
from service_requests.selectors import request_queryset
from service_requests.services import IntakeData

COMPLAINTS = ["complaints"]
VIEW = "complaints.view_complaint"

ACTION_ERRORS = {
    400: OpenApiResponse(
        response=ErrorSerializer,
        description="输入有误 — `invalid` (a field; `detail` names it), `invalid_transition` "
        "(not allowed at the complaint's stage), `resident_not_told` (closing before the "
        "resident was told), `not_resolved` (a follow-up visit before the result was told), "
        "`no_extension` (重大 complaints are not extended)",
    ),
    **error_responses(401),
    403: OpenApiResponse(
        response=ErrorSerializer,
        description="无权操作 — `permission_denied`, or `wrong_approver` (an extension decided "
        "by a role the policy does not name), `wrong_role` (a reopening by a role not in "
        "`complaint.reopen_roles`), or a downgrade of an automatic 重大 without the "
        "office manager; the message names who may",
    ),
    **error_responses(404),
}


def _staff_names(user_ids) -> dict[int, str]:
    ids = {pk for pk in user_ids if pk is not None}
    if not ids:
        return {}
    return dict(Staff.objects.filter(user_id__in=ids).values_list("user_id", "name"))


def _action(name, *, url_path, input_serializer, run, summary, doc):
    """One `POST /complaints/{id}/<url_path>/`: parse the body, call the service, answer the
    complaint as it is now."""

    def handler(self, request, pk=None):
        complaint = selectors.complaint_get(user=request.user, pk=pk)
        data = self._parse(input_serializer)
        run(self, request.user, complaint, data)
        return self._detail_response(pk)

    handler.__name__ = name
    handler.__doc__ = doc
    handler = action(detail=True, methods=["post"], url_path=url_path)(handler)
    return extend_schema(
        summary=summary,
        request=input_serializer,
        responses={200: s.ComplaintDetailSerializer, **ACTION_ERRORS},
    )(handler)


def _run_slip(view, actor, complaint, data):
    department = (
        Department.objects.filter(
            pk=data["department"], office_id=complaint.office_id, is_active=True
        )
        .exclude(kind__in=EXTERNAL_DEPARTMENT_KINDS)
        .first()
    )
    if department is None:
        message = _("部门不存在")
        raise ApplicationError(message, field_errors={"department": [message]})
    services.complaint_send_slip(
        actor=actor, complaint=complaint, department=department, signed_by=data["signed_by"]
    )


def _user(pk):
    """An active user by id, or None; the service decides whether they may take the task (the
    same refusal whether the id is unknown or of someone who may not)."""
    if pk is None:
        return None
    return get_user_model().objects.filter(pk=pk, is_active=True).first()


def _run_hand_over(view, actor, complaint, data):
    services.complaint_hand_over(
        actor=actor, complaint=complaint, to_user=_user(data["to_user"]), note=data["note"]
    )


def _run_assign(view, actor, complaint, data):
    services.complaint_follow_up_assign(
        actor=actor, complaint=complaint, assignee=_user(data["assignee"])
    )


def _run_follow_up(view, actor, complaint, data):
    visited_by = None
    if data["visited_by"] is not None:
        visited_by = _user(data["visited_by"])
        if visited_by is None:
            message = _("回访人须为本管理处在职员工")
            raise ApplicationError(message, field_errors={"visited_by": [message]})
    services.complaint_follow_up(
        actor=actor,
        complaint=complaint,
        satisfaction=data["satisfaction"],
        comment=data["comment"],
        visited_by=visited_by,
        visited_at=data["visited_at"],
    )


def _field_error(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, field_errors={field: [message]})


def _complained_department(data, office_id):
    pk = data.pop("complained_department")
    if pk is None:
        return None
    department = (
        Department.objects.filter(pk=pk, office_id=office_id, is_active=True)
        .exclude(kind__in=EXTERNAL_DEPARTMENT_KINDS)
        .first()
    )
    if department is None:
        raise _field_error("complained_department", _("请选择本管理处的部门"))
    return department


def _run_decide(view, actor, complaint, data, extension_id):
    extension = complaint.extensions.filter(pk=extension_id).first()
    if extension is None:
        raise Http404
    services.complaint_decide_extension(
        actor=actor, extension=extension, approve=data["approve"], note=data["note"]
    )


def _run_link(view, actor, complaint, data):
    pks = set(data["others"])
    others = list(
        selectors.complaint_queryset(user=actor).filter(pk__in=pks).select_related("request")
    )
    if len(others) != len(pks):
        message = _("未找到部分投诉编号")
        raise ApplicationError(message, field_errors={"others": [message]})
    services.complaint_link(actor=actor, main=complaint, others=others)


@extend_schema(tags=COMPLAINTS)
class ComplaintViewSet(viewsets.GenericViewSet):
    """投诉 (SOP.md §3): the list, one complaint, and each step of the complaint procedure —
    the same services as the console, so the same authority and policy rules apply."""

    serializer_class = s.ComplaintRowSerializer
    parser_classes = [JSONParser]
    # Each step's authority (change_complaint; the role the policy names for an extension or a
    # downgrade of an automatic 重大) is checked by the service.
    action_perms = {
        name: [VIEW]
        for name in (
            "judge",
            "severity",
            "slip",
            "return_slip",
            "tell",
            "extensions",
            "decide_extension",
            "follow_up",
            "visit_assign",
            "steps",
            "hand_over",
            "close",
            "link",
            "visits",
        )
    }

    def get_queryset(self):
        return selectors.complaint_queryset(user=self.request.user)

    def _parse(self, serializer_class) -> dict:
        data = serializer_class(data=self.request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    def _context(self, names) -> dict:
        return {**self.get_serializer_context(), "names": names, "now": timezone.now()}

    def _detail_response(self, pk) -> Response:
        complaint = selectors.complaint_get(user=self.request.user, pk=pk)
        prefetch_related_objects(
            [complaint.request],
            Prefetch(
                "events",
                queryset=RequestEvent.objects.select_related("actor").order_by("at", "id"),
            ),
        )
        names = _staff_names(
            [event.actor_id for event in complaint.request.events.all()]
            + [step.done_by_id for step in complaint.steps.all()]
            + [x.requested_by_id for x in complaint.extensions.all()]
            + [x.decided_by_id for x in complaint.extensions.all()]
            + [complaint.follow_up_by_id, complaint.visited_by_id]
        )
        data = s.ComplaintDetailSerializer(complaint, context=self._context(names)).data
        return Response(data)

    # --- reads ----------------------------------------------------------------------------------

    @extend_schema(
        summary="Complaints (投诉列表)",
        parameters=[s.ComplaintFilterSerializer],
        responses={200: s.ComplaintRowSerializer, **error_responses(400, 401, 403)},
    )
    def list(self, request, *args, **kwargs):
        """Complaints of the user's offices, nearest deadline first; filter by severity,
        validity, the request's status and the period received (local dates, inclusive)."""
        # A reversed or unreadable period is refused naming the field (core.periods), never
        # answered with an empty list.
        period_parse(request.query_params, from_key="received_from", to_key="received_to")
        params = validated_query_params(s.ComplaintFilterSerializer, request)
        filters = selectors.ComplaintFilters(
            open_only=params["open_only"],
            severity=params.get("severity", ""),
            validity=params.get("validity", ""),
            query=params.get("q", "").strip(),
        )
        qs = selectors.complaint_list(user=request.user, filters=filters).select_related("request")
        if params.get("status"):
            qs = qs.filter(request__status=params["status"])
        if params.get("received_from"):
            qs = qs.filter(received_at__date__gte=params["received_from"])
        if params.get("received_to"):
            qs = qs.filter(received_at__date__lte=params["received_to"])
        page = self.paginate_queryset(qs)
        rows = s.ComplaintRowSerializer(page, many=True, context=self._context({}))
        return self.get_paginated_response(rows.data)

    @extend_schema(
        summary="One complaint: checklist, extensions, deadlines, timeline",
        responses={200: s.ComplaintDetailSerializer, **error_responses(401, 403, 404)},
    )
    def retrieve(self, request, *args, **kwargs):
        """The complaint with its 五清楚一报告 steps, extension requests, the members of a
        collective complaint, and its request's deadlines (each with the SOP clause that set
        it) and timeline."""
        return self._detail_response(kwargs["pk"])

    @extend_schema(
        summary="Planned follow-up visits (我的回访)",
        parameters=[s.VisitFilterSerializer],
        responses={200: s.VisitRowSerializer, **error_responses(400, 401, 403)},
    )
    @action(detail=False, methods=["get"], url_path="visits")
    def visits(self, request):
        """Follow-up visits planned and not yet recorded (000 篇10 §4.7), soonest first: yours
        (`tab=mine`, the default), the unassigned ones, or all of your offices."""
        params = validated_query_params(s.VisitFilterSerializer, request)
        page = self.paginate_queryset(
            selectors.follow_up_list(user=request.user, tab=params["tab"])
        )
        names = _staff_names([complaint.follow_up_by_id for complaint in page])
        rows = s.VisitRowSerializer(page, many=True, context=self._context(names))
        return self.get_paginated_response(rows.data)

    # --- reception ------------------------------------------------------------------------------

    @extend_schema(
        summary="Record a complaint (投诉登记)",
        request=s.ComplaintCreateSerializer,
        responses={
            201: s.ComplaintDetailSerializer,
            **error_responses(400, 401),
            403: OpenApiResponse(response=ErrorSerializer, description="无权登记投诉或受理求助"),
        },
    )
    def create(self, request, *args, **kwargs):
        """The reception record (000 篇10 §4.3.1: time and place, who or which department, what
        happened, the resident's demand, the apology) on a category c request already received
        (`request`), or on a new one received with it (`intake`, one transaction). It opens the
        15-minute slip limit; the record with the apology is the first reply (SOP.md §3); an
        emergency is 重大 at once. Refusals write nothing."""
        data = self._parse(s.ComplaintCreateSerializer)
        request_id = data.pop("request")
        intake = data.pop("intake")
        if request_id is not None:
            sr = (
                request_queryset(user=request.user)
                .filter(pk=request_id)
                .select_related("office")
                .first()
            )
            if sr is None:
                raise _field_error("request", _("求助不存在"))
            if sr.category != Category.COMPLAINT:
                raise _field_error("request", _("只有“c 投诉”类求助才能按投诉规程处理"))
            department = _complained_department(data, sr.office_id)
            complaint = services.complaint_record(
                actor=request.user,
                request=sr,
                data=services.ComplaintData(**data, complained_department=department),
            )
        else:
            household = intake["household"]
            office = intake.pop("office") or (household.office if household else None)
            if office is None:
                office = self._only_office()
            department = _complained_department(data, office.pk)
            intake["description"] = intake["description"] or data["what_happened"]
            complaint = services.complaint_intake(
                actor=request.user,
                office=office,
                intake=IntakeData(category=Category.COMPLAINT, **intake),
                data=services.ComplaintData(**data, complained_department=department),
            )
        response = self._detail_response(complaint.pk)
        response.status_code = status.HTTP_201_CREATED
        return response

    def _only_office(self):
        offices = list(office_list(user=self.request.user)[:2])
        if len(offices) != 1:
            raise _field_error("office", _("请选择管理处(公共区域报事须指明管理处)"))
        return offices[0]

    # --- the procedure --------------------------------------------------------------------------

    judge = _action(
        "judge",
        url_path="judge",
        input_serializer=s.JudgeSerializer,
        run=lambda v, actor, c, data: services.complaint_judge(actor=actor, complaint=c, **data),
        summary="Judge validity and severity (界定)",
        doc=services.complaint_judge.__doc__,
    )
    severity = _action(
        "severity",
        url_path="severity",
        input_serializer=s.SeveritySerializer,
        run=lambda v, actor, c, data: services.complaint_set_severity(
            actor=actor, complaint=c, **data
        ),
        summary="Change the severity with a reason (调整级别)",
        doc=services.complaint_set_severity.__doc__,
    )
    slip = _action(
        "slip",
        url_path="slip",
        input_serializer=s.SlipSerializer,
        run=_run_slip,
        summary="Send the dispatch slip (住户投诉意见表) to the department",
        doc=services.complaint_send_slip.__doc__,
    )
    return_slip = _action(
        "return_slip",
        url_path="slip-return",
        input_serializer=s.ReturnSlipSerializer,
        run=lambda v, actor, c, data: services.complaint_return_slip(
            actor=actor, complaint=c, **data
        ),
        summary="Record the department's handling (意见表交回)",
        doc=services.complaint_return_slip.__doc__,
    )
    tell = _action(
        "tell",
        url_path="tell",
        input_serializer=s.TellSerializer,
        run=lambda v, actor, c, data: services.complaint_tell_resident(
            actor=actor, complaint=c, **data
        ),
        summary="Tell the resident (通报住户)",
        doc=services.complaint_tell_resident.__doc__,
    )
    extensions = _action(
        "extensions",
        url_path="extensions",
        input_serializer=s.ExtensionRequestSerializer,
        run=lambda v, actor, c, data: services.complaint_request_extension(
            actor=actor, complaint=c, **data
        ),
        summary="Ask for an extension (申请延期)",
        doc=services.complaint_request_extension.__doc__,
    )
    follow_up = _action(
        "follow_up",
        url_path="follow-up",
        input_serializer=s.ComplaintFollowUpSerializer,
        run=_run_follow_up,
        summary="Record the follow-up visit (回访)",
        doc=services.complaint_follow_up.__doc__,
    )
    visit_assign = _action(
        "visit_assign",
        url_path="follow-up/assign",
        input_serializer=s.VisitAssignSerializer,
        run=_run_assign,
        summary="Assign or reassign the follow-up visit (安排/改派回访)",
        doc=services.complaint_follow_up_assign.__doc__,
    )
    steps = _action(
        "steps",
        url_path="steps",
        input_serializer=s.ChecklistStepInputSerializer,
        run=lambda v, actor, c, data: services.complaint_step_done(
            actor=actor, complaint=c, **data
        ),
        summary="Tick a step of 五清楚一报告",
        doc=services.complaint_step_done.__doc__,
    )
    hand_over = _action(
        "hand_over",
        url_path="hand-over",
        input_serializer=s.HandOverSerializer,
        run=_run_hand_over,
        summary="Hand over to the responsible person (呈送责任人)",
        doc=services.complaint_hand_over.__doc__,
    )
    close = _action(
        "close",
        url_path="close",
        input_serializer=s.CloseSerializer,
        run=lambda v, actor, c, data: services.complaint_close(actor=actor, complaint=c, **data),
        summary="Close (关闭投诉)",
        doc=services.complaint_close.__doc__,
    )
    reopen = _action(
        "reopen",
        url_path="reopen",
        input_serializer=s.ReopenSerializer,
        run=lambda v, actor, c, data: services.complaint_reopen(actor=actor, complaint=c, **data),
        summary="Reopen a told or closed complaint with a new resolve round (重新打开投诉)",
        doc=services.complaint_reopen.__doc__,
    )
    link = _action(
        "link",
        url_path="link",
        input_serializer=s.LinkSerializer,
        run=_run_link,
        summary="Link complaints into a collective complaint (集体投诉)",
        doc=services.complaint_link.__doc__,
    )

    @extend_schema(
        summary="Approve or refuse an extension (审批延期)",
        request=s.ExtensionDecideSerializer,
        parameters=[OpenApiParameter("extension_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: s.ComplaintDetailSerializer, **ACTION_ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"extensions/(?P<extension_id>[0-9]+)/decide",
    )
    def decide_extension(self, request, pk=None, extension_id=None):
        """Only the role the policy names (重要 → office manager, 轻微 → assistant manager)
        decides; approval moves the resolve deadline, until then the old one stands."""
        complaint = selectors.complaint_get(user=request.user, pk=pk)
        data = self._parse(s.ExtensionDecideSerializer)
        _run_decide(self, request.user, complaint, data, int(extension_id))
        return self._detail_response(pk)
