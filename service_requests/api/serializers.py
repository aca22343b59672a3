"""API shapes of the help and report desk (issue #3). Input serializers parse types only — the
SOP's rules (emergency needs a phone, the received time, the lifecycle, who may act) live in
service_requests.services, whose refusals reach the client as `{"code", "message", "detail"}`.

Output: a queue row, and the detail with deadlines, timeline and emergency steps. A resident
account gets the detail without anything internal (see RequestDetailSerializer).
"""

import copy

from django.contrib.auth import get_user_model
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.fast_input import FastInputSerializer, Slow
from core.compiled import compiled_list
from estates.models import Household
from estates.selectors import household_queryset
from organization.models import Department, ManagementOffice
from organization.scoping import scope_for
from organization.selectors import department_list, office_list, staff_list
from policies.selectors import with_current_policy
from service_requests.choices import (
    Category,
    Channel,
    ConfirmationChannel,
    EventType,
    ReceptionLabel,
    Satisfaction,
    Status,
)
from service_requests.emergency import BRANCHES
from service_requests.models import (
    DESCRIPTION_MAX_LENGTH,
    Deadline,
    RequestEvent,
    ServiceRequest,
)
from service_requests.selectors import deadline_state

QUEUES = [
    ("all_open", "all open requests, nearest deadline first"),
    ("mine", "open requests assigned to me"),
    ("my_department", "open requests dispatched to my department"),
    ("overdue", "open requests whose nearest deadline has passed"),
    ("all", "every request, newest first"),
]

# What a resident sees of the timeline: the steps of their request and what they were told —
# not the escalations, missed deadlines, supervisor reports or emergency-step records.
RESIDENT_EVENT_TYPES = frozenset(
    {
        EventType.REQUEST_RECEIVED,
        EventType.FIRST_REPLY_GIVEN,
        EventType.REQUEST_DISPATCHED,
        EventType.DISPATCH_ACKNOWLEDGED,
        EventType.WORK_STARTED,
        EventType.APPOINTMENT_SET,
        EventType.REQUEST_RESOLVED,
        EventType.RESIDENT_CONFIRMED,
        EventType.FOLLOW_UP_DONE,
        EventType.REQUEST_CLOSED,
        EventType.REQUEST_REFERRED,
        EventType.REQUEST_CANCELLED,
        EventType.REQUEST_REOPENED,
        EventType.NOTE_ADDED,  # only those with a public note
    }
)


def _name(user, names: dict[int, str]) -> str | None:
    if user is None:
        return None
    return names.get(user.pk) or user.get_full_name() or user.get_username()


# --- Output -------------------------------------------------------------------------------------


class PartySerializer(serializers.Serializer):
    """A department or outside party, as a request names it."""

    id = serializers.IntegerField()
    name = serializers.CharField()


class PersonSerializer(serializers.Serializer):
    """A staff member (user id and name)."""

    id = serializers.IntegerField()
    name = serializers.CharField()


class HouseholdRefSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="unit.label", read_only=True, help_text="3栋2单元1502")
    estate_name = serializers.CharField(source="unit.building.estate.name", read_only=True)

    class Meta:
        model = Household
        fields = ["id", "label", "estate_name"]


class _RequestBaseSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True, help_text="Register number, QZ20261122-000123")
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)
    household = HouseholdRefSerializer(read_only=True, allow_null=True)
    assigned_department = PartySerializer(read_only=True, allow_null=True)
    assignee = serializers.SerializerMethodField()
    version = serializers.IntegerField(
        read_only=True, help_text="Send it back with every change; a stale one is refused (409)."
    )

    @extend_schema_field(PersonSerializer(allow_null=True))
    def get_assignee(self, request) -> dict | None:
        user = request.assignee
        if user is None:
            return None
        return {"id": user.pk, "name": _name(user, self.context.get("names", {}))}


class RequestRowSerializer(_RequestBaseSerializer):
    """A row of the queue."""

    class Meta:
        model = ServiceRequest
        fields = [
            "id",
            "number",
            "office",
            "category",
            "category_display",
            "is_special",
            "is_major",
            "is_paid_service",
            "channel",
            "channel_display",
            "status",
            "status_display",
            "household",
            "location",
            "contact_name",
            "contact_phone",
            "description",
            "received_at",
            "next_deadline_at",
            "assigned_department",
            "assignee",
            "version",
        ]


class DeadlineSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    due_at = serializers.DateTimeField()
    met_at = serializers.DateTimeField(allow_null=True)
    state = serializers.SerializerMethodField(
        help_text="met, late, missed (escalated), overdue, open or cancelled"
    )
    clause = serializers.CharField(help_text="The SOP clause of the policy rule that set it")
    policy_key = serializers.CharField()
    escalation_level = serializers.IntegerField()
    round = serializers.IntegerField(
        help_text="1 for the first limit of its kind; after a reopening the new limit is 2, …"
    )

    def get_state(self, deadline) -> str:
        return deadline_state(deadline, self.context["now"])


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.ChoiceField(choices=EventType.choices)
    type_display = serializers.CharField(source="get_type_display")
    at = serializers.DateTimeField()
    actor_name = serializers.SerializerMethodField(
        help_text="Null for the system, and for a resident reading the timeline"
    )
    status_before = serializers.CharField()
    status_after = serializers.CharField()
    public_note = serializers.CharField(help_text="What the resident was told")
    internal_note = serializers.CharField(
        allow_null=True, help_text="Staff only; null for a resident"
    )
    data = serializers.JSONField(allow_null=True, help_text="Event details; null for a resident")

    def get_actor_name(self, event) -> str | None:
        if self.context.get("for_resident"):
            return None
        return _name(event.actor, self.context.get("names", {}))

    def to_representation(self, event):
        data = super().to_representation(event)
        if self.context.get("for_resident"):
            data["internal_note"] = data["data"] = None
        return data


class EmergencyStepSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    branch = serializers.CharField(help_text="escort, call_120 or nursing")
    code = serializers.CharField()
    label = serializers.CharField()
    position = serializers.IntegerField()
    done_at = serializers.DateTimeField(allow_null=True)
    done_by_name = serializers.SerializerMethodField()
    detail = serializers.CharField()
    skipped_at = serializers.DateTimeField(
        allow_null=True, help_text="Recorded as not needed for this case (with skip_reason)"
    )
    skipped_by_name = serializers.SerializerMethodField()
    skip_reason = serializers.CharField()

    def get_done_by_name(self, step) -> str | None:
        return _name(step.done_by, self.context.get("names", {}))

    def get_skipped_by_name(self, step) -> str | None:
        return _name(step.skipped_by, self.context.get("names", {}))


class AttachmentSerializer(serializers.Serializer):
    """A photo or scan attached to a request; the file itself is at `download_url`."""

    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name", help_text="The file name as uploaded")
    content_type = serializers.CharField(
        help_text="Found from the file's content: image/jpeg, image/png, image/webp, image/heic "
        "or application/pdf"
    )
    size = serializers.IntegerField(help_text="Bytes")
    sha256 = serializers.CharField()
    caption = serializers.CharField()
    uploaded_at = serializers.DateTimeField()
    uploaded_by_name = serializers.SerializerMethodField(help_text="Null for a resident")
    supersedes = serializers.IntegerField(
        source="supersedes_id",
        allow_null=True,
        help_text="The earlier attachment this one corrects (attachments are never deleted)",
    )
    download_url = serializers.SerializerMethodField()

    def get_uploaded_by_name(self, attachment) -> str | None:
        if self.context.get("for_resident") or attachment.uploaded_by_id is None:
            return None
        names = self.context.get("names", {})
        return names.get(attachment.uploaded_by_id) or _name(attachment.uploaded_by, names)

    def get_download_url(self, attachment) -> str:
        return f"/api/v1/requests/{attachment.request_id}/attachments/{attachment.pk}/"


class RequestDetailSerializer(_RequestBaseSerializer):
    """One request with its deadlines, timeline and emergency steps.

    For a resident account the internal parts are null (`result`, `cancel_reason`,
    `entered_by_name`, `deadlines`, `emergency_steps`, each event's `internal_note` and `data`)
    and the timeline has only the request's steps and what the resident was told."""

    office_name = serializers.CharField(source="office.name", read_only=True)
    reception_label_display = serializers.CharField(
        source="get_reception_label_display", read_only=True
    )
    referred_to = PartySerializer(read_only=True, allow_null=True)
    entered_by_name = serializers.SerializerMethodField()
    policy_version = serializers.IntegerField(
        source="policy_version.number",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="The office's policy version the deadlines came from; null for SOP defaults",
    )
    result = serializers.CharField(read_only=True, allow_null=True, help_text="Null for a resident")
    cancel_reason = serializers.CharField(
        read_only=True, allow_null=True, help_text="Null for a resident"
    )
    deadlines = DeadlineSerializer(
        many=True, read_only=True, allow_null=True, help_text="Null for a resident"
    )
    timeline = EventSerializer(source="events", many=True, read_only=True)
    emergency_steps = EmergencyStepSerializer(
        many=True, read_only=True, allow_null=True, help_text="Null for a resident"
    )
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = ServiceRequest
        fields = [
            *RequestRowSerializer.Meta.fields,
            "office_name",
            "reception_label",
            "reception_label_display",
            "policy_version",
            "entered_at",
            "entered_by_name",
            "first_replied_at",
            "dispatched_at",
            "acknowledged_at",
            "promised_at",
            "resolved_at",
            "result",
            "confirmed_at",
            "confirmation_channel",
            "visited_at",
            "satisfaction",
            "closed_at",
            "referred_to",
            "cancel_reason",
            "deadlines",
            "timeline",
            "emergency_steps",
            "attachments",
        ]

    def get_entered_by_name(self, request) -> str | None:
        if self.context.get("for_resident"):
            return None
        return _name(request.entered_by, self.context.get("names", {}))

    def to_representation(self, request):
        data = super().to_representation(request)
        if self.context.get("for_resident"):
            for name in ("result", "cancel_reason", "deadlines", "emergency_steps"):
                data[name] = None
            data["timeline"] = [
                event
                for event in data["timeline"]
                if event["type"] in RESIDENT_EVENT_TYPES
                and (event["type"] != EventType.NOTE_ADDED or event["public_note"])
            ]
        return data


# --- The detail without a serializer (the intake's 201) -------------------------------------------


def _datetime(value, zone) -> str | None:
    """A date-time as DRF's DateTimeField writes it (ISO 8601 in the current time zone)."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _labels(model, name: str) -> dict:
    """A choice field's labels by value (lazy: translated when shown)."""
    return dict(model._meta.get_field(name).flatchoices)


# get_FOO_display() hashes the field's whole choice list on every call.
_CATEGORY = _labels(ServiceRequest, "category")
_CHANNEL = _labels(ServiceRequest, "channel")
_STATUS = _labels(ServiceRequest, "status")
_RECEPTION_LABEL = _labels(ServiceRequest, "reception_label")
_DEADLINE_KIND = _labels(Deadline, "kind")
_EVENT_TYPE = _labels(RequestEvent, "type")


_TRANSLATED: dict[tuple, str] = {}


def _display(labels: dict, value) -> str:
    """The label in the active language (each translated once per process and language)."""
    key = (id(labels), value, translation.get_language())
    text = _TRANSLATED.get(key)
    if text is None:
        text = _TRANSLATED[key] = str(labels.get(value, value))
    return text


def _party(party) -> dict | None:
    return None if party is None else {"id": party.pk, "name": str(party.name)}


def request_detail_data(request, *, deadlines, events, steps, names, now) -> dict:
    """RequestDetailSerializer's output for a staff user, written as a plain function: building
    the serializer (ModelSerializer introspects the model on every instantiation) cost the API
    intake about a quarter of its time (issue #3, docs/performance.md). The intake answers with
    it; GET /requests/{id}/ keeps the serializer, and a test pins that both agree
    (service_requests/tests/test_performance_queries.py). For a request just created (no
    attachments yet), read by staff (not a resident account)."""
    zone = timezone.get_current_timezone()
    household = request.household
    assignee = request.assignee
    policy_version = request.policy_version
    return {
        "id": request.pk,
        "number": request.number,
        "office": request.office_id,
        "category": request.category,
        "category_display": _display(_CATEGORY, request.category),
        "is_special": request.is_special,
        "is_major": request.is_major,
        "is_paid_service": request.is_paid_service,
        "channel": request.channel,
        "channel_display": _display(_CHANNEL, request.channel),
        "status": request.status,
        "status_display": _display(_STATUS, request.status),
        "household": None
        if household is None
        else {
            "id": household.pk,
            "label": str(household.unit.label),
            "estate_name": str(household.unit.building.estate.name),
        },
        "location": request.location,
        "contact_name": request.contact_name,
        "contact_phone": request.contact_phone,
        "description": request.description,
        "received_at": _datetime(request.received_at, zone),
        "next_deadline_at": _datetime(request.next_deadline_at, zone),
        "assigned_department": _party(request.assigned_department),
        "assignee": None
        if assignee is None
        else {"id": assignee.pk, "name": _name(assignee, names)},
        "version": request.version,
        "office_name": str(request.office.name),
        "reception_label": request.reception_label,
        "reception_label_display": _display(_RECEPTION_LABEL, request.reception_label),
        "policy_version": None if policy_version is None else policy_version.number,
        "entered_at": _datetime(request.entered_at, zone),
        "entered_by_name": _name(request.entered_by, names),
        "first_replied_at": _datetime(request.first_replied_at, zone),
        "dispatched_at": _datetime(request.dispatched_at, zone),
        "acknowledged_at": _datetime(request.acknowledged_at, zone),
        "promised_at": _datetime(request.promised_at, zone),
        "resolved_at": _datetime(request.resolved_at, zone),
        "result": request.result,
        "confirmed_at": _datetime(request.confirmed_at, zone),
        "confirmation_channel": request.confirmation_channel,
        "visited_at": _datetime(request.visited_at, zone),
        "satisfaction": request.satisfaction,
        "closed_at": _datetime(request.closed_at, zone),
        "referred_to": _party(request.referred_to),
        "cancel_reason": request.cancel_reason,
        "deadlines": [
            {
                "kind": deadline.kind,
                "kind_display": _display(_DEADLINE_KIND, deadline.kind),
                "due_at": _datetime(deadline.due_at, zone),
                "met_at": _datetime(deadline.met_at, zone),
                "state": deadline_state(deadline, now),
                "clause": deadline.clause,
                "policy_key": deadline.policy_key,
                "escalation_level": deadline.escalation_level,
                "round": deadline.round,
            }
            for deadline in deadlines
        ],
        "timeline": [
            {
                "id": event.pk,
                "type": event.type,
                "type_display": _display(_EVENT_TYPE, event.type),
                "at": _datetime(event.at, zone),
                "actor_name": _name(event.actor, names),
                "status_before": event.status_before,
                "status_after": event.status_after,
                "public_note": event.public_note,
                "internal_note": event.internal_note,
                "data": event.data,
            }
            for event in events
        ],
        "emergency_steps": [
            {
                "id": step.pk,
                "branch": step.branch,
                "code": step.code,
                "label": step.label,
                "position": step.position,
                "done_at": _datetime(step.done_at, zone),
                "done_by_name": _name(step.done_by, names),
                "detail": step.detail,
                "skipped_at": _datetime(step.skipped_at, zone),
                "skipped_by_name": _name(step.skipped_by, names),
                "skip_reason": step.skip_reason,
            }
            for step in steps
        ],
        "attachments": [],
    }


# --- Input: the queue's filters ------------------------------------------------------------------


class RequestFilterSerializer(serializers.Serializer):
    queue = serializers.ChoiceField(
        choices=QUEUES, default="all_open", help_text="Which queue (default all_open)"
    )
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    building = serializers.IntegerField(required=False, min_value=1)
    staff = serializers.IntegerField(
        required=False, min_value=1, help_text="The assignee's user id"
    )
    department = serializers.IntegerField(required=False, min_value=1)
    received_from = serializers.DateField(required=False, help_text="YYYY-MM-DD, inclusive")
    received_to = serializers.DateField(required=False, help_text="YYYY-MM-DD, inclusive")
    special_only = serializers.BooleanField(
        required=False, default=False, help_text="Only 特别求助 (categories a, e, f)"
    )
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=50,
        help_text="Words of the description or the contact's name; digits also match the "
        "request id and the end of the contact phone",
    )


# --- Input: intake ------------------------------------------------------------------------------


class _ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """An id looked up in a queryset limited to the user's scope: another office's record gets
    the same answer as one that does not exist."""

    def __init__(self, selector, model, **kwargs):
        self._selector = selector
        super().__init__(queryset=model.objects.none(), **kwargs)  # the model, for the schema

    def get_queryset(self):
        request = self.context.get("request")
        return self._selector(user=getattr(request, "user", None))

    def fast_value(self, value, context):
        """core.api.fast_input: an id given is checked by DRF (rare in the hot path: an
        intake's office comes with its household)."""
        raise Slow


def _households_with_address(*, user):
    """Households in the user's scope, with the office intake needs, the address its answer
    shows and which policy version is the office's current one (policies.selectors.
    current_policy_of): the household is checked and loaded, and the policy found, in one
    query."""
    return with_current_policy(
        household_queryset(user=user).select_related("office", "unit__building__estate")
    )


def _household_with_address(*, user, pk: int):
    """`_households_with_address(user=…).filter(pk=…)`'s household or None, with the SQL built
    once per process and scope (core.compiled; issue #3: building and compiling that five-table
    query cost more CPU than anything else in an API intake)."""
    found = compiled_list(
        ("intake-household", scope_for(user)),
        lambda pk: _households_with_address(user=user).filter(pk=pk).order_by(),
        pk=pk,
    )
    return found[0] if found else None


class _HouseholdField(_ScopedRelatedField):
    """The intake's household: in the user's scope, loaded with its office and address."""

    def __init__(self, **kwargs):
        super().__init__(_households_with_address, Household, **kwargs)

    def to_internal_value(self, data):
        try:
            if isinstance(data, bool):
                raise TypeError
            pk = Household._meta.pk.get_prep_value(data)  # as QuerySet.get(pk=…) reads it
        except (TypeError, ValueError):
            self.fail("incorrect_type", data_type=type(data).__name__)
        household = self._find(pk, self.context)
        if household is None:
            self.fail("does_not_exist", pk_value=data)
        return household

    def fast_value(self, value, context):
        """core.api.fast_input: a JSON integer that is a household in the user's scope; anything
        else (a string, a household not found) is answered by to_internal_value."""
        household = self._find(value, context) if type(value) is int else None
        if household is None:
            raise Slow
        return household

    @staticmethod
    def _find(pk: int, context):
        """The household of that id in the request's user's scope, or None."""
        if not -(2**63) <= pk < 2**63:  # a larger number is no household's id
            return None
        user = getattr(context.get("request"), "user", None)
        return _household_with_address(user=user, pk=pk)


class _FieldsOnceSerializer(serializers.Serializer):
    """A serializer whose declared fields are deep-copied once per class instead of on every
    instantiation (DRF re-creates every field from its arguments each time: ~0.5 ms per API
    intake, issue #3). Each instance binds shallow copies of its own, so nothing is shared
    between two requests but the unbound fields' settings (choices, validators). Only for flat
    serializers: a nested serializer or a field keeping per-request state must not use it."""

    def get_fields(self):
        cls = type(self)
        template = cls.__dict__.get("_unbound_fields")
        if template is None:
            template = super().get_fields()
            cls._unbound_fields = template
        return {name: copy.copy(field) for name, field in template.items()}


class CallFieldsSerializer(serializers.Serializer):
    """What any intake of a call records besides its content: the channel, the office (without
    a household), the place and the contact. Shared by the help desk's and the complaints'
    intake."""

    channel = serializers.ChoiceField(
        choices=Channel.choices, error_messages={"invalid_choice": _("请选择受理渠道")}
    )
    office = _ScopedRelatedField(
        office_list,
        ManagementOffice,
        required=False,
        allow_null=True,
        default=None,
        error_messages={"does_not_exist": _("管理处不存在")},
        help_text="Only without a household; defaults to the user's only office",
    )
    location = serializers.CharField(required=False, allow_blank=True, default="")
    contact_name = serializers.CharField(
        required=False, allow_blank=True, max_length=50, default=""
    )
    contact_phone = serializers.CharField(
        required=False, allow_blank=True, max_length=30, default=""
    )


class IntakeSerializer(FastInputSerializer, _FieldsOnceSerializer, CallFieldsSerializer):
    """The fields of service_requests.services.IntakeData, with the household and office as ids.
    A plainly valid body is checked without DRF's field machinery (core.api.fast_input)."""

    category = serializers.ChoiceField(
        choices=Category.choices, error_messages={"invalid_choice": _("请选择求助类别(a–g)")}
    )
    description = serializers.CharField(max_length=DESCRIPTION_MAX_LENGTH, trim_whitespace=False)
    household = _HouseholdField(
        required=False,
        allow_null=True,
        default=None,
        error_messages={"does_not_exist": _("住户不存在")},
        help_text="The household (id from /households/); leave out for a public-area report",
    )
    is_paid_service = serializers.BooleanField(required=False, default=False)
    is_major = serializers.BooleanField(
        required=False, default=False, help_text="重大: a special request reported at once"
    )
    reported_now = serializers.BooleanField(
        required=False,
        default=False,
        help_text="A major special request only: the supervisor was told during the call "
        "(the report limit is met as the request is entered)",
    )
    reception_label = serializers.ChoiceField(
        choices=ReceptionLabel.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="The reception log's label; defaults from the category",
    )
    received_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When the call came in, if recorded afterwards (within the policy's bound); "
        "default now",
    )
    reply_now = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="The answer given at once, while the resident was still on the line",
    )
    emergency_help = serializers.ListField(
        child=serializers.ChoiceField(choices=list(BRANCHES)),
        required=False,
        default=list,
        help_text="Medical emergency only: escort, call_120, nursing (one or more)",
    )


# --- Input: transitions --------------------------------------------------------------------------


def _staff_users(*, user):
    """Users of the staff the user may see (dispatch assignees)."""
    return get_user_model().objects.filter(pk__in=staff_list(user=user).values("user_id"))


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, help_text="The `version` read with the request; a stale one answers 409"
    )


class OptionalVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        default=None,
        help_text="Optional here (notes do not change the request); if sent, a stale one "
        "answers 409",
    )


class ReplySerializer(VersionSerializer):
    reply = serializers.CharField(help_text="What the resident was told")


class DispatchSerializer(VersionSerializer):
    department = _ScopedRelatedField(
        department_list,
        Department,
        error_messages={"does_not_exist": _("部门不存在")},
        help_text="One of the office's departments (id from /departments/)",
    )
    assignee = _ScopedRelatedField(
        _staff_users,
        get_user_model(),
        required=False,
        allow_null=True,
        default=None,
        error_messages={"does_not_exist": _("处理人不存在")},
        help_text="A staff member's user id, or leave out to dispatch to the whole department",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AppointmentSerializer(VersionSerializer):
    promised_at = serializers.DateTimeField(
        help_text="The completion time agreed with the resident"
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required when changing it"
    )


class ResolveSerializer(VersionSerializer):
    result = serializers.CharField(help_text="处理结果 (internal)")
    public_note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="What the resident is told"
    )


class ConfirmSerializer(VersionSerializer):
    # Named like the request's field (the intake's `channel` is how the request came in).
    confirmation_channel = serializers.ChoiceField(
        source="channel",
        choices=ConfirmationChannel.choices,
        error_messages={"invalid_choice": _("请选择确认方式")},
        help_text="portal = the resident confirms in the app themselves",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class FollowUpSerializer(VersionSerializer):
    satisfaction = serializers.ChoiceField(
        choices=Satisfaction.choices, error_messages={"invalid_choice": _("请选择满意度")}
    )
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required when unsatisfied"
    )


class NoteSerializer(VersionSerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonSerializer(VersionSerializer):
    reason = serializers.CharField()


class ReferSerializer(VersionSerializer):
    party = _ScopedRelatedField(
        department_list,
        Department,
        error_messages={"does_not_exist": _("外部单位不存在")},
        help_text="An outside party (120, 110, utilities …; id from /departments/)",
    )
    resident_told = serializers.CharField(
        help_text="What the resident was told: which party, how to reach it"
    )


class ReportToSupervisorSerializer(OptionalVersionSerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AddNoteSerializer(OptionalVersionSerializer):
    internal_note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Staff only"
    )
    public_note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="What the resident was told"
    )


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="JPEG, PNG, WebP, HEIC or PDF (checked by content), at most the office's "
        "policy `request.attachment_max_mb` (default 10 MB)"
    )
    caption = serializers.CharField(required=False, allow_blank=True, default="")
    supersedes = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text="The id of an earlier attachment of this request that this one corrects",
    )


class EmergencyStepDoneSerializer(OptionalVersionSerializer):
    detail = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Required for some steps: who escorted, the carer, the relative who stays",
    )


class EmergencyStepSkipSerializer(OptionalVersionSerializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Why this case did not need the step (required; at most 200 characters)",
    )
