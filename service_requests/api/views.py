"""REST API of the help and report desk (issue #3): parse the input → call the service →
serialize.

Reads go through service_requests.selectors (scoped: another office's request is the same 404 as
a missing one). Writes go through service_requests.services and .emergency, which check who may
act; their refusals become `{"code", "message", "detail"}` (core.api.errors), a stale `version`
a 409 `stale_version`.

Intake honours an `Idempotency-Key` header: the key, per user, is stored with a SHA-256 of the
canonical JSON body in the same transaction as the request it created, so a retried call
returns that request and creates nothing (issue #3).
"""

import hashlib
import json

from django.db import IntegrityError, connection
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from core.api.schema import ErrorSerializer, error_responses
from core.api.utils import validated_query_params
from core.exceptions import ApplicationError
from core.periods import period_parse
from organization.models import Staff
from organization.scoping import scope_for, staff_card
from organization.selectors import office_list
from service_requests import attachments as attachment_services
from service_requests import emergency, selectors, services
from service_requests.api import serializers as s
from service_requests.models import IdempotencyKey, RequestAttachment, ServiceRequest
from service_requests.services import StaleUpdateError

REQUESTS = ["requests"]
VIEW = "service_requests.view_servicerequest"
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX_LENGTH = IdempotencyKey._meta.get_field("key").max_length
REPLAYED_HEADER = "Idempotent-Replayed"

STALE_RESPONSE = {
    409: OpenApiResponse(
        response=ErrorSerializer,
        description="版本冲突 — code `stale_version`: someone changed the request since the "
        "client read its `version`; nothing was changed. Read it again and retry.",
    )
}
TRANSITION_ERRORS = {
    400: OpenApiResponse(
        response=ErrorSerializer,
        description="输入有误 — `invalid` (a field; `detail` names it), "
        "`invalid_transition` (not allowed in the request's current status), "
        "`emergency_steps_open` (a medical emergency's checklist still has open steps; "
        "`detail.open_steps` lists them) or "
        "`step_in_procedure` / `reopen_in_procedure` (a step the procedure on top of the request "
        "takes itself, e.g. a complaint's close; `detail` names its page and id)",
    ),
    **error_responses(401),
    403: OpenApiResponse(
        response=ErrorSerializer,
        description="无权操作 — `permission_denied`: the user's role may not take this step "
        "on this request (e.g. it was not dispatched to their department)",
    ),
    **error_responses(404),
    **STALE_RESPONSE,
}


def body_hash(data) -> str:
    """SHA-256 of the canonical JSON of a request body (keys sorted, no spaces)."""
    canonical = json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


_STORED_KEY_SQL = (
    f'SELECT "request_hash", "service_request_id" FROM "{IdempotencyKey._meta.db_table}" '
    'WHERE "user_id" = %s AND "key" = %s'
)


def stored_key(*, user, key: str) -> IdempotencyKey | None:
    """The user's stored key, if any (read when an intake with a key was refused or met the
    key already stored)."""
    with connection.cursor() as cursor:
        cursor.execute(_STORED_KEY_SQL, [user.pk, key])
        row = cursor.fetchone()
    if row is None:
        return None
    return IdempotencyKey(user=user, key=key, request_hash=row[0], service_request_id=row[1])


def _staff_names(user_ids) -> dict[int, str]:
    """Staff names of these users in one query (the timeline's actors, the assignees)."""
    ids = {pk for pk in user_ids if pk is not None}
    if not ids:
        return {}
    return dict(Staff.objects.filter(user_id__in=ids).values_list("user_id", "name"))


def _prefetched(instance, name: str, objects: list) -> None:
    """Fill the reverse relation `name` of `instance` with `objects`, as prefetch_related
    would have from the database."""
    queryset = getattr(instance, name).get_queryset()
    queryset._result_cache = objects
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[name] = queryset


def _transition(name, *, url_path, input_serializer, service, summary, versioned=True):
    """One `POST /requests/{id}/<url_path>/`: parse the body, refuse a stale `version` (409),
    call the service, answer the request as it is now."""

    def handler(self, request, pk=None):
        service_request = self._get_for_change(pk)
        data = self._parse(input_serializer)
        version = data.pop("version")
        if version is not None and version != service_request.version:
            raise StaleUpdateError()
        if versioned:
            data["version"] = version
        service(actor=request.user, request=service_request, **data)
        return self._detail_response(pk)

    handler.__name__ = name
    handler.__doc__ = service.__doc__
    handler = action(detail=True, methods=["post"], url_path=url_path)(handler)
    return extend_schema(
        summary=summary,
        request=input_serializer,
        responses={200: s.RequestDetailSerializer, **TRANSITION_ERRORS},
    )(handler)


@extend_schema(tags=REQUESTS)
class ServiceRequestViewSet(viewsets.GenericViewSet):
    """住户求助/报事 (SOP.md §2, §4): intake, the queue, one request, and each step of its
    lifecycle. Every change carries the `version` the client read."""

    serializer_class = s.RequestRowSerializer
    parser_classes = [JSONParser]
    # Each step's authority (the desk, or the department it was dispatched to, or the resident
    # confirming in the app) is checked by the service; the permission class only asks that the
    # user may see requests at all, so a technician with work_on_request can post acknowledge.
    action_perms = {
        # What DjangoModelPermissions asks for a POST, without building the queryset to find
        # the model (issue #3).
        "create": ["service_requests.add_servicerequest"],
    } | {
        name: [VIEW]
        for name in (
            "reply",
            "dispatch_request",
            "acknowledge",
            "start",
            "appointment",
            "resolve",
            "confirm",
            "follow_up",
            "close",
            "refer",
            "cancel",
            "reopen",
            "report_to_supervisor",
            "notes",
            "emergency_step_done",
            "emergency_step_skip",
            "attachments",
            "attachment_download",
        )
    }

    def get_queryset(self):
        return selectors.request_queryset(user=self.request.user)

    # --- helpers --------------------------------------------------------------------------------

    def _context(self, names: dict[int, str]) -> dict:
        return {
            **self.get_serializer_context(),
            "names": names,
            "now": timezone.now(),
            "for_resident": scope_for(self.request.user).is_resident,
        }

    def _parse(self, serializer_class) -> dict:
        data = serializer_class(data=self.request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    def _get_for_change(self, pk) -> ServiceRequest:
        try:
            return self.get_queryset().select_related("office").get(pk=pk)
        except (ServiceRequest.DoesNotExist, ValueError, TypeError):
            raise Http404 from None

    def _detail_response(self, pk, *, status_code=status.HTTP_200_OK, headers=None) -> Response:
        service_request = selectors.request_get(user=self.request.user, pk=pk)
        return self._detail(service_request, status_code=status_code, headers=headers)

    def _created_response(self, records: services.IntakeRecords) -> Response:
        """The new request as GET /requests/{id}/ shows it, from what intake wrote instead of
        read back (issue #3: seven queries fewer per intake; a test pins that both agree), by a
        plain function rather than the serializer (a quarter of the intake's CPU)."""
        created = records.request
        deadlines = sorted(records.deadlines, key=lambda d: d.due_at)
        steps = sorted(records.emergency_steps, key=lambda step: (step.branch, step.position))
        user = self.request.user
        if scope_for(user).is_resident:  # the serializer hides what a resident may not see
            _prefetched(created, "deadlines", deadlines)
            _prefetched(created, "events", records.events)
            _prefetched(created, "emergency_steps", steps)
            _prefetched(created, "attachments", [])  # none yet: the request was just created
            return self._detail(created, status_code=status.HTTP_201_CREATED)
        # Everything intake wrote names the actor only: their (cached) staff name.
        card = staff_card(user)
        body = s.request_detail_data(
            created,
            deadlines=deadlines,
            events=records.events,
            steps=steps,
            names={user.pk: card.name} if card is not None else {},
            now=timezone.now(),
        )
        return Response(body, status=status.HTTP_201_CREATED)

    def _detail(self, service_request, *, status_code=status.HTTP_200_OK, headers=None) -> Response:
        in_upload_order = RequestAttachment.objects.order_by("uploaded_at", "id")
        prefetch_related_objects(
            [service_request], Prefetch("attachments", queryset=in_upload_order)
        )
        names = _staff_names(
            [service_request.assignee_id, service_request.entered_by_id]
            + [event.actor_id for event in service_request.events.all()]
            + [step.done_by_id for step in service_request.emergency_steps.all()]
            + [step.skipped_by_id for step in service_request.emergency_steps.all()]
            + [a.uploaded_by_id for a in service_request.attachments.all()]
        )
        data = s.RequestDetailSerializer(service_request, context=self._context(names)).data
        return Response(data, status=status_code, headers=headers)

    # --- reads ----------------------------------------------------------------------------------

    @extend_schema(
        summary="The queue (求助队列)",
        parameters=[s.RequestFilterSerializer],
        responses={200: s.RequestRowSerializer, **error_responses(400, 401, 403)},
    )
    def list(self, request, *args, **kwargs):
        """Requests in the user's scope (a resident: their household's), the open ones sorted
        by the nearest deadline, overdue first; `queue=all` lists every request, newest first.
        The same filters as the console's queue (service_requests.selectors.RequestFilters)."""
        # A reversed or unreadable period is refused naming the field (core.periods), never
        # answered with an empty list.
        period_parse(request.query_params, from_key="received_from", to_key="received_to")
        params = validated_query_params(s.RequestFilterSerializer, request)
        filters = selectors.RequestFilters(
            queue=params["queue"],
            category=params.get("category", ""),
            status=params.get("status", ""),
            building_id=params.get("building"),
            staff_id=params.get("staff"),
            department_id=params.get("department"),
            received_from=params.get("received_from"),
            received_to=params.get("received_to"),
            special_only=params["special_only"],
            query=params.get("q", "").strip(),
        )
        page = self.paginate_queryset(selectors.request_list(user=request.user, filters=filters))
        names = _staff_names(row.assignee_id for row in page)
        rows = s.RequestRowSerializer(page, many=True, context=self._context(names))
        return self.get_paginated_response(rows.data)

    @extend_schema(
        summary="One request: deadlines, timeline, emergency steps",
        responses={200: s.RequestDetailSerializer, **error_responses(401, 403, 404)},
    )
    def retrieve(self, request, *args, **kwargs):
        """The request with its deadlines (each with the SOP clause that set it), its timeline
        (what the resident was told apart from internal notes) and the emergency checklist.
        A resident account sees its own household's requests only, without internal notes."""
        return self._detail_response(kwargs["pk"])

    # --- intake ---------------------------------------------------------------------------------

    @extend_schema(
        summary="Receive a request (受理求助)",
        request=s.IntakeSerializer,
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=False,
                description=(
                    "A key the client makes up per request it means to create (a UUID), at "
                    f"most {IDEMPOTENCY_KEY_MAX_LENGTH} characters. A retry with the same key "
                    "and the same body creates nothing and answers 201 with the same request "
                    f"(and `{REPLAYED_HEADER}: true`); the same key with a different body is "
                    "refused with 422 `idempotency_key_reused`. Keys are per user."
                ),
            )
        ],
        responses={
            201: OpenApiResponse(
                response=s.RequestDetailSerializer,
                description="Created — or, for a retry with the same Idempotency-Key and body, "
                f"the request the first call created (header `{REPLAYED_HEADER}: true`)",
            ),
            **error_responses(400, 401, 403),
            422: OpenApiResponse(
                response=ErrorSerializer,
                description="code `idempotency_key_reused`: this Idempotency-Key was already "
                "used with a different body; nothing was created",
            ),
        },
    )
    def create(self, request, *args, **kwargs):
        """Record a call, visit, letter or app report while the resident is still on the line;
        its deadlines open from the office's current policy. `office` is the household's; for a
        public-area report without a household give `office`, or leave it out if you work for
        one office only."""
        key = self._idempotency_key()
        if key is None:
            return self._created_response(self._intake())
        digest = body_hash(request.data)
        # No look-up first (issue #3: one statement less for every new key): the key is stored
        # with the request, and a key already stored (a retry, or a concurrent retry that
        # committed first: the unique constraint made us wait for it) fails that insert, which
        # rolls back everything this call wrote. Then, or when the body is refused (a retry
        # whose received time is now beyond the back-dating bound, a reused key with another,
        # invalid body), the stored key answers: its request, or 422 for another body.
        try:
            records = self._intake(services.IdempotencyClaim(key, digest))
        except (IntegrityError, ValidationError, ApplicationError):
            replay = self._replay(key, digest)
            if replay is None:
                raise
            return replay
        return self._created_response(records)

    def _intake(self, idempotency=None) -> services.IntakeRecords:
        fields = self._parse(s.IntakeSerializer)
        household = fields["household"]  # with its office and address (one query)
        office = fields.pop("office") or (household.office if household else self._only_office())
        fields["emergency_help"] = tuple(fields["emergency_help"])
        return services.request_intake_records(
            actor=self.request.user,
            office=office,
            data=services.IntakeData(**fields),
            idempotency=idempotency,
        )

    def _idempotency_key(self) -> str | None:
        key = self.request.headers.get(IDEMPOTENCY_HEADER)
        if key is None:
            return None
        key = key.strip()
        if not key or len(key) > IDEMPOTENCY_KEY_MAX_LENGTH or not key.isprintable():
            message = _("Idempotency-Key 须为1–%(n)s个可打印字符") % {
                "n": IDEMPOTENCY_KEY_MAX_LENGTH
            }
            raise ApplicationError(message, field_errors={IDEMPOTENCY_HEADER: [message]})
        return key

    def _replay(self, key: str, digest: str) -> Response | None:
        stored = stored_key(user=self.request.user, key=key)
        if stored is None:
            return None
        if stored.request_hash != digest:
            raise ApplicationError(
                _("该 Idempotency-Key 已用于另一内容不同的求助;新的求助请使用新的 Key"),
                code="idempotency_key_reused",
                status_code=422,
                extra={"request": stored.service_request_id},
            )
        return self._detail_response(
            stored.service_request_id,
            status_code=status.HTTP_201_CREATED,
            headers={REPLAYED_HEADER: "true"},
        )

    def _only_office(self):
        offices = list(office_list(user=self.request.user)[:2])
        if len(offices) != 1:
            message = _("请选择管理处(公共区域报事须指明管理处)")
            raise ApplicationError(message, field_errors={"office": [message]})
        return offices[0]

    # --- the lifecycle --------------------------------------------------------------------------

    reply = _transition(
        "reply",
        url_path="reply",
        input_serializer=s.ReplySerializer,
        service=services.request_reply,
        summary="First reply to the resident (答复)",
    )
    # Not `dispatch`: that is APIView's request entry point.
    dispatch_request = _transition(
        "dispatch_request",
        url_path="dispatch",
        input_serializer=s.DispatchSerializer,
        service=services.request_dispatch,
        summary="Dispatch to a department or person (派工)",
    )
    acknowledge = _transition(
        "acknowledge",
        url_path="acknowledge",
        input_serializer=s.VersionSerializer,
        service=services.request_acknowledge,
        summary="Acknowledge the dispatch (接单)",
    )
    start = _transition(
        "start",
        url_path="start",
        input_serializer=s.VersionSerializer,
        service=services.request_start,
        summary="Start work (开始处理)",
    )
    appointment = _transition(
        "appointment",
        url_path="appointment",
        input_serializer=s.AppointmentSerializer,
        service=services.request_set_appointment,
        summary="Agree the completion time (约定完成时间)",
    )
    resolve = _transition(
        "resolve",
        url_path="resolve",
        input_serializer=s.ResolveSerializer,
        service=services.request_resolve,
        summary="Record the result (处理完毕)",
    )
    confirm = _transition(
        "confirm",
        url_path="confirm",
        input_serializer=s.ConfirmSerializer,
        service=services.request_confirm,
        summary="The resident confirms the result (住户确认)",
    )
    follow_up = _transition(
        "follow_up",
        url_path="follow-up",
        input_serializer=s.FollowUpSerializer,
        service=services.request_follow_up,
        summary="Follow-up visit (回访)",
    )
    close = _transition(
        "close",
        url_path="close",
        input_serializer=s.NoteSerializer,
        service=services.request_close,
        summary="Close (关闭)",
    )
    refer = _transition(
        "refer",
        url_path="refer",
        input_serializer=s.ReferSerializer,
        service=services.request_refer,
        summary="Refer to an outside party (转介, 严禁推诿)",
    )
    cancel = _transition(
        "cancel",
        url_path="cancel",
        input_serializer=s.ReasonSerializer,
        service=services.request_cancel,
        summary="Cancel with a reason (撤销)",
    )
    reopen = _transition(
        "reopen",
        url_path="reopen",
        input_serializer=s.ReasonSerializer,
        service=services.request_reopen,
        summary="Reopen (重新打开)",
    )
    report_to_supervisor = _transition(
        "report_to_supervisor",
        url_path="report-to-supervisor",
        input_serializer=s.ReportToSupervisorSerializer,
        service=services.request_report_to_supervisor,
        summary="Record that the supervisor was told (报告主管)",
        versioned=False,
    )
    notes = _transition(
        "notes",
        url_path="notes",
        input_serializer=s.AddNoteSerializer,
        service=services.request_add_note,
        summary="Append a note: internal, or what the resident was told (备注)",
        versioned=False,
    )

    def _emergency_step(self, pk, step_id, serializer_class):
        """(the step of the request's checklist, the parsed body); 404 for a step of another
        request, 409 for a `version` that is not the request's."""
        service_request = selectors.request_get(user=self.request.user, pk=pk)
        step = next(
            (x for x in service_request.emergency_steps.all() if x.pk == int(step_id)), None
        )
        if step is None:
            raise Http404
        data = self._parse(serializer_class)
        if data["version"] is not None and data["version"] != service_request.version:
            raise StaleUpdateError()
        return step, data

    @extend_schema(
        summary="Tick an emergency step (急救步骤完成)",
        request=s.EmergencyStepDoneSerializer,
        parameters=[OpenApiParameter("step_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: s.RequestDetailSerializer, **TRANSITION_ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"emergency-steps/(?P<step_id>[0-9]+)/done",
    )
    def emergency_step_done(self, request, pk=None, step_id=None):
        """Tick one step of the medical-emergency checklist with who and when; steps that ask
        for a detail (the two escorts, the carer, the relative who stays) need it."""
        step, data = self._emergency_step(pk, step_id, s.EmergencyStepDoneSerializer)
        emergency.emergency_step_done(actor=request.user, step=step, detail=data["detail"])
        return self._detail_response(pk)

    @extend_schema(
        summary="Record an emergency step as not needed (急救步骤不需要)",
        request=s.EmergencyStepSkipSerializer,
        parameters=[OpenApiParameter("step_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: s.RequestDetailSerializer, **TRANSITION_ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"emergency-steps/(?P<step_id>[0-9]+)/skip",
    )
    def emergency_step_skip(self, request, pk=None, step_id=None):
        """Record that this case did not need a step of the medical-emergency checklist, with
        the reason (by whoever may tick steps; on the timeline). While
        `emergency.checklist_before_resolve` is on (the default), a medical emergency is
        resolved, closed or referred only once each step is done or recorded as not needed."""
        step, data = self._emergency_step(pk, step_id, s.EmergencyStepSkipSerializer)
        emergency.emergency_step_skip(actor=request.user, step=step, reason=data["reason"])
        return self._detail_response(pk)

    # --- attachments ----------------------------------------------------------------------------

    @extend_schema(
        summary="Attach a photo or scan (上传附件)",
        request={"multipart/form-data": s.AttachmentUploadSerializer},
        responses={
            201: s.AttachmentSerializer,
            400: OpenApiResponse(
                response=ErrorSerializer,
                description="输入有误 — `invalid`: the file is too large for the office's policy, "
                "not a JPEG/PNG/WebP/HEIC/PDF by its content, or one too many for the request "
                "(`detail.file`); nothing was stored",
            ),
            **error_responses(401, 403, 404),
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="attachments",
        parser_classes=[MultiPartParser, FormParser],
    )
    def attachments(self, request, pk=None):
        """Attach a file to the request (anyone who may work on it). Attachments are never
        changed or deleted: a wrong one is corrected by a new upload naming it in `supersedes`."""
        service_request = self._get_for_change(pk)
        data = self._parse(s.AttachmentUploadSerializer)
        supersedes = None
        if data["supersedes"] is not None:
            supersedes = attachment_services.attachment_get(
                user=request.user, request_pk=service_request.pk, pk=data["supersedes"]
            )
        attachment = attachment_services.request_attach(
            actor=request.user,
            request=service_request,
            file=data["file"],
            caption=data["caption"],
            supersedes=supersedes,
        )
        names = _staff_names([attachment.uploaded_by_id])
        body = s.AttachmentSerializer(attachment, context=self._context(names)).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Download an attachment",
        parameters=[OpenApiParameter("attachment_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                response=OpenApiTypes.BINARY,
                description="The file, with its content type (image/jpeg, image/png, "
                "image/webp, image/heic or application/pdf)",
            ),
            **error_responses(401, 403, 404),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_id>[0-9]+)",
    )
    def attachment_download(self, request, pk=None, attachment_id=None):
        """The file, for a user who may see the request (a resident: their household's)."""
        attachment = attachment_services.attachment_get(
            user=request.user, request_pk=pk, pk=attachment_id
        )
        return attachment_services.attachment_response(attachment)
