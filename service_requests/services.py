"""Every change of a help or report request (SOP.md §2, §4) goes through one function here.

Each one checks authority (the role's permission) and scope, checks the policy and the
lifecycle, refuses a stale update (the caller passes the version it read), writes the change
and its timeline event in one transaction, and updates the request's deadlines.
"""

import datetime
import functools
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import F
from django.db.models.signals import post_save, pre_save
from django.utils import timezone
from django.utils.translation import gettext as _

from core.authz import ObjectNotFoundError, require_office_in_scope, require_perm
from core.exceptions import ApplicationError, PermissionDeniedError
from core.validators import normalize_phone
from notifications.services import notify_users
from organization.choices import role_names
from organization.models import Department, Staff
from organization.scoping import scope_for
from organization.selectors import role_holder_users, role_holders
from policies.selectors import Policy, current_policy, policy_of
from service_requests.choices import (
    DEFAULT_LABEL,
    FINAL_STATUSES,
    OPEN_STATUSES,
    SPECIAL_CATEGORIES,
    WRITTEN_CHANNELS,
    Category,
    Channel,
    ConfirmationChannel,
    DeadlineKind,
    EventType,
    ReceptionLabel,
    Satisfaction,
    Status,
)
from service_requests.emergency import require_checklist_complete
from service_requests.hooks import Step, procedure_owner, step_owner
from service_requests.models import (
    DESCRIPTION_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    Deadline,
    IdempotencyKey,
    RequestEvent,
    ServiceRequest,
)

# Clock skew tolerated between a client's clock and ours for "received at".
FUTURE_TOLERANCE = datetime.timedelta(minutes=1)

BEFORE_RESOLUTION = frozenset(
    {
        Status.RECEIVED,
        Status.REPLIED,
        Status.DISPATCHED,
        Status.ACKNOWLEDGED,
        Status.IN_PROGRESS,
    }
)


# Categories whose handling is limited by request.completion_max from the call (003 §5.2 一般不应
# 超过三天): everyday help (g). A repair has its own promise (repair.promised_date_max), a
# complaint the limits of its severity (SOP.md §3, with approved extensions), a consultation its
# reply limits, and special requests (a, e, f) the emergency procedures.
COMPLETION_CATEGORIES = frozenset({Category.OTHER})

# A step the procedure on top of the request takes itself (service_requests.hooks), refused here.
STEP_IN_PROCEDURE = "step_in_procedure"


class StaleUpdateError(ApplicationError):
    """Someone changed the request since the caller read it (HTTP 409)."""

    status_code = 409

    def __init__(self):
        super().__init__(
            _("该求助已被他人更新,请刷新页面查看最新情况后再操作。"), code="stale_version"
        )


def _now(now: datetime.datetime | None) -> datetime.datetime:
    return now or timezone.now()


def _policy(request: ServiceRequest) -> Policy:
    return policy_of(request)


def _limited(text: str, *, field: str, label: str, limit: int = NOTE_MAX_LENGTH) -> str:
    """`text` stripped; longer than `limit` is refused, naming the field and the limit, before
    anything is written — never cut (the console and the API share this check)."""
    text = text.strip()
    if len(text) > limit:
        message = _("%(label)s不能超过%(n)s字,现有%(len)s字") % {
            "label": label,
            "n": limit,
            "len": len(text),
        }
        raise ApplicationError(message, field_errors={field: [message]})
    return text


# --- Intake -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IntakeData:
    category: str
    channel: str
    description: str
    household: object | None = None  # estates.Household
    location: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    is_paid_service: bool = False
    is_major: bool = False
    reception_label: str = ""
    received_at: datetime.datetime | None = None  # None: now; earlier: recorded after the fact
    reply_now: str = ""  # the answer given at once, while the resident is still on the line
    # A major special request (a/e/f): the desk told the supervisor at once, during the call
    # (000 篇3 §4.2.2 立即报告主管) — the report limit is met as the request is entered.
    reported_now: bool = False
    emergency_help: tuple[str, ...] = field(default=())  # medical: escort, call_120, nursing


def _intake_errors(
    office, data: IntakeData, policy: Policy, now, phone: dict[str, str]
) -> dict[str, list[str]]:
    """The intake's refusals by field; `phone["contact_phone"]` receives the normalised contact
    phone (parsed once: phonenumbers is a noticeable part of an API intake)."""
    errors: dict[str, list[str]] = {}
    if data.category not in Category.values:
        errors["category"] = [_("请选择求助类别(a–g)")]
    if data.channel not in Channel.values:
        errors["channel"] = [_("请选择受理渠道")]
    if data.reception_label and data.reception_label not in ReceptionLabel.values:
        errors["reception_label"] = [_("接待登记类别无效")]
    description = data.description.strip()
    if not description:
        errors["description"] = [_("请填写求助内容")]
    elif len(description) > DESCRIPTION_MAX_LENGTH:
        errors["description"] = [
            _("求助内容不能超过%(n)s字,现有%(len)s字")
            % {"n": DESCRIPTION_MAX_LENGTH, "len": len(description)}
        ]
    if len(data.location) > 200:
        errors["location"] = [_("地点不能超过200字")]
    reply_now = data.reply_now.strip()
    if len(reply_now) > NOTE_MAX_LENGTH:
        errors["reply_now"] = [
            _("%(label)s不能超过%(n)s字,现有%(len)s字")
            % {"label": _("当场答复"), "n": NOTE_MAX_LENGTH, "len": len(reply_now)}
        ]
    if data.household is not None and data.household.office_id != office.pk:
        errors["household"] = [_("该住户不属于本管理处")]
    if data.contact_phone.strip():
        try:
            phone["contact_phone"] = normalize_phone(data.contact_phone)
        except ValidationError as exc:
            errors["contact_phone"] = list(exc.messages)
    if data.category == Category.MEDICAL_EMERGENCY:
        # 000 篇3 §4.2.1: first ask for and record the patient's address and phone.
        if not data.location.strip() and data.household is None:
            errors["location"] = [_("急救病人求助须先登记病人住址")]
        if not data.contact_phone.strip():
            errors["contact_phone"] = [_("急救病人求助须先登记联系电话")]
    from service_requests.emergency import BRANCHES

    unknown = [b for b in data.emergency_help if b not in BRANCHES]
    if unknown:
        errors["emergency_help"] = [_("未知的急救帮助方式")]
    if data.emergency_help and data.category != Category.MEDICAL_EMERGENCY:
        errors["emergency_help"] = [_("只有急救病人求助才选择送医、120或护理")]
    if data.received_at is not None:
        if data.received_at > now + FUTURE_TOLERANCE:
            errors["received_at"] = [_("受理时间不能晚于现在")]
        else:
            limit = policy.duration("request.backdate_limit")
            if limit.after(data.received_at) < now:
                errors["received_at"] = [
                    _("补录的受理时间最多只能追溯%(limit)s(策略“补录来电的最长追溯时间”)")
                    % {"limit": limit}
                ]
    return errors


def _deadline(request, kind, key, start, policy: Policy) -> Deadline:
    rule_value = policy.value(key)
    return Deadline(
        request=request,
        kind=kind,
        policy_key=key,
        clause=rule_value.rule.clause,
        due_at=rule_value.value.after(start),
    )


def _initial_deadlines(
    request: ServiceRequest, policy: Policy, replied: bool, reported: bool = False
) -> list[Deadline]:
    start = request.received_at
    deadlines = []
    if is_written_consultation(request):
        # 000 篇3 §4.3.1: a written consultation gets a written reply from the supervisor.
        deadlines.append(
            _deadline(
                request, DeadlineKind.WRITTEN_REPLY, "consultation.written_reply", start, policy
            )
        )
    elif not replied:
        key = (
            "consultation.oral_reply"
            if request.category == Category.CONSULTATION
            else "request.first_reply"
        )
        kind = (
            DeadlineKind.ORAL_REPLY
            if request.category == Category.CONSULTATION
            else DeadlineKind.FIRST_REPLY
        )
        deadlines.append(_deadline(request, kind, key, start, policy))
    if request.category == Category.REPAIR:
        # SOP.md §4 (003 §5.2): a repair not fixed at once is done by the promised date, which
        # is at most repair.promised_date_max after receipt. The limit runs from the start, so a
        # repair nobody agreed a time for is not left without a deadline; agreeing a time with
        # the resident (request_set_appointment) moves it to that time.
        deadlines.append(
            _deadline(
                request, DeadlineKind.REPAIR_COMPLETION, "repair.promised_date_max", start, policy
            )
        )
    if request.category in COMPLETION_CATEGORIES:
        # SOP.md §4 (003 §5.2): a service need not solved at once is solved within the time the
        # resident is told, normally no more than three days. Opened at the call, so a request
        # answered on the line still has a live limit until it is resolved.
        deadlines.append(
            _deadline(request, DeadlineKind.COMPLETION, "request.completion_max", start, policy)
        )
    if request.reception_label == ReceptionLabel.AFTER_SALES:
        # SOP.md §4 (004 篇3 §4.5): a developer's-warranty item goes to the developer on a
        # 物业返修联系单 the same day (a day limit: the end of the call's day). Met when the slip
        # is made (reception.services.slip_create), whose own limits then chase the developer.
        rule_value = policy.value("after_sales.slip_send")
        deadlines.append(
            Deadline(
                request=request,
                kind=DeadlineKind.AFTER_SALES_SLIP,
                policy_key=rule_value.rule.key,
                clause=rule_value.rule.clause,
                due_at=rule_value.value.end_of_day_after(start),
            )
        )
    if request.is_special and request.is_major:
        # 000 篇3 §4.2.2: major cases are reported to the supervisor at once; a report made
        # during the call is met as the request is entered.
        report = _deadline(
            request, DeadlineKind.SUPERVISOR_REPORT, "emergency.major_report", start, policy
        )
        if reported:
            report.met_at = request.entered_at
        deadlines.append(report)
    return deadlines


def _current_round(request: ServiceRequest, kind: str) -> Deadline | None:
    return Deadline.objects.filter(request=request, kind=kind).order_by("-round").first()


def deadline_open_round(
    *, request: ServiceRequest, kind: str, policy_key: str, clause: str, due_at, now
) -> Deadline:
    """Open the request's limit of this kind once more (a reopened request, SOP.md §2 回访): the
    current round is moved while it still runs and was not missed; otherwise a new round starts.
    A round already missed ends here (cancelled, its miss kept: the on-time rate counts it, and
    it escalates no further); a met one keeps its record. Callers hold the request's lock."""
    current = _current_round(request, kind)
    if current is not None and current.is_open and current.missed_at is None:
        Deadline.objects.filter(pk=current.pk).update(
            policy_key=policy_key, clause=clause, due_at=due_at
        )
        current.policy_key, current.clause, current.due_at = policy_key, clause, due_at
        return current
    if current is not None and current.is_open:
        Deadline.objects.filter(pk=current.pk).update(cancelled_at=now, next_escalation_at=None)
    return Deadline.objects.create(
        request=request,
        kind=kind,
        policy_key=policy_key,
        clause=clause,
        due_at=due_at,
        round=current.round + 1 if current is not None else 1,
    )


def _open_handle_again(request: ServiceRequest, now) -> Deadline:
    """Every open item knows its deadline: a reopened request gets a new round of a limit at
    once, from the reopening. A repair: its completion, due at the latest promise the policy
    allows (SOP.md §4; 003 §5.2 一般不超过3天) until a time is agreed again with the resident
    (request_set_appointment moves this round). Any other category: `request.handle_again`.
    Swept, escalated and counted in the on-time rate like every other round."""
    if request.category == Category.REPAIR:
        kind, key = DeadlineKind.REPAIR_COMPLETION, "repair.promised_date_max"
    else:
        kind, key = DeadlineKind.HANDLE_AGAIN, "request.handle_again"
    rule_value = _policy(request).value(key)
    return deadline_open_round(
        request=request,
        kind=kind,
        policy_key=key,
        clause=rule_value.rule.clause,
        due_at=rule_value.value.after(now),
        now=now,
    )


def _reopened_data(deadline: Deadline | None) -> dict:
    if deadline is None:
        return {}
    return {
        "deadline": deadline.kind,
        "due_at": deadline.due_at.isoformat(),
        "round": deadline.round,
        "policy_key": deadline.policy_key,
    }


def _last_reopened_at(request: ServiceRequest):
    return (
        request.events.filter(type=EventType.REQUEST_REOPENED)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )


def _refresh_next_deadline(request: ServiceRequest) -> None:
    open_due = (
        request.deadlines.filter(met_at__isnull=True, cancelled_at__isnull=True)
        .order_by("due_at")
        .values_list("due_at", flat=True)
        .first()
    )
    request.next_deadline_at = open_due


def _event(request, type, actor, *, at, before="", after="", public="", internal="", data=None):
    event = _new_event(
        request,
        type,
        actor,
        at=at,
        before=before,
        after=after,
        public=public,
        internal=internal,
        data=data,
    )
    event.save(force_insert=True)
    return event


def _new_event(
    request, type, actor, *, at, before="", after="", public="", internal="", data=None
) -> RequestEvent:
    """A timeline event, not yet written (intake writes its events in one INSERT)."""
    return RequestEvent(
        request=request,
        type=type,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        at=at,
        status_before=before,
        status_after=after,
        public_note=public,
        internal_note=internal,
        data=data or {},
    )


# INSERT statements by shape: the intake writes the same few shapes of row on every call, and
# the ORM's compiling of an INSERT cost more CPU than PostgreSQL spends on it.
_INSERT_SQL: dict[tuple, str | None] = {}


@functools.cache
def _insert_fields(model) -> tuple:
    opts = model._meta
    return tuple(f for f in opts.concrete_fields if f is not opts.auto_field)


def _insert_statement(model, rows: int, connection, *, link=None) -> str | None:
    """`INSERT … VALUES (%s, …) × rows RETURNING id` for `model`, or None when the ORM must
    write it (no auto id, a database that cannot return ids, a field with its own SQL). With
    `link` (the model's foreign key to the parent written by the same statement, see
    _insert_family) that column's value is the parent's id: `(SELECT id FROM parent)`."""
    opts = model._meta
    fields = _insert_fields(model)
    if (
        opts.auto_field is None
        or not connection.features.can_return_rows_from_bulk_insert
        or opts.parents
        or any(f.generated or hasattr(f, "get_placeholder") for f in fields)
    ):
        return None
    quote = connection.ops.quote_name
    parent_id = ""
    if link is not None:
        parent_id = f"(SELECT {quote(link.target_field.column)} FROM parent)"
    columns = ", ".join(quote(f.column) for f in fields)
    row = "(" + ", ".join(parent_id if f is link else "%s" for f in fields) + ")"
    return (
        f"INSERT INTO {quote(opts.db_table)} ({columns}) "
        f"VALUES {', '.join([row] * rows)} RETURNING {quote(opts.auto_field.column)}"
    )


def _insert_sql(model, rows: int, connection) -> str | None:
    key = (model, rows, connection.alias)
    if key not in _INSERT_SQL:
        _INSERT_SQL[key] = _insert_statement(model, rows, connection)
    return _INSERT_SQL[key]


def _link_to(model, parent_model):
    """The one foreign key from `model` to `parent_model` (None if there is not exactly one)."""
    links = [
        f for f in model._meta.concrete_fields if f.is_relation and f.related_model is parent_model
    ]
    return links[0] if len(links) == 1 else None


@functools.cache
def _child_layout(model, parent_model) -> tuple:
    """For a child row written with its parent (_insert_family), once per process: its foreign
    key to the parent, the fields whose values it sends, and the set of fields Django checks
    for unsaved related objects (all but the link, which is the parent's new id)."""
    link = _link_to(model, parent_model)
    fields = tuple(f for f in _insert_fields(model) if f is not link)
    others = frozenset(f for f in model._meta.concrete_fields if f is not link)
    return link, fields, others


def _family_sql(parent_model, shapes: tuple, connection) -> str | None:
    """One statement writing a parent row and its children (PostgreSQL's data-modifying WITH):
    `WITH parent AS (INSERT … RETURNING id), c1 AS (INSERT … RETURNING id), … SELECT` the ids,
    each tagged with its part. None where that cannot be written (another database, a shape the
    ORM must write)."""
    key = ("family", parent_model, shapes, connection.alias)
    if key not in _INSERT_SQL:
        sql = None
        parent = _insert_statement(parent_model, 1, connection)
        if connection.vendor == "postgresql" and parent is not None:
            quote = connection.ops.quote_name
            parts = [f"parent AS ({parent})"]
            ids = [f"SELECT 0, {quote(parent_model._meta.auto_field.column)} FROM parent"]
            for position, (model, rows) in enumerate(shapes, start=1):
                link = _child_layout(model, parent_model)[0]
                child = _insert_statement(model, rows, connection, link=link) if link else None
                if child is None:
                    parts = None
                    break
                parts.append(f"part{position} AS ({child})")
                ids.append(
                    f"SELECT {position}, {quote(model._meta.auto_field.column)} FROM part{position}"
                )
            if parts is not None:
                sql = f"WITH {', '.join(parts)} {' UNION ALL '.join(ids)}"
        _INSERT_SQL[key] = sql
    return _INSERT_SQL[key]


def _usable_for_insert(objs: list, fields: list) -> bool:
    """No id set and no expression as a value: what the hand-written statements can write."""
    return not any(
        obj.pk is not None
        or any(hasattr(getattr(obj, f.attname), "resolve_expression") for f in fields)
        for obj in objs
    )


def _assign_ids(objs: list, ids, connection, *, alias: str, signals: bool) -> None:
    model = type(objs[0])
    converters = model._meta.auto_field.get_db_converters(connection)
    for obj, pk in zip(objs, ids, strict=True):
        for converter in converters:
            pk = converter(pk, model._meta.auto_field, connection)
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = alias
        if signals:
            post_save.send(
                sender=model, instance=obj, created=True, update_fields=None, raw=False, using=alias
            )


def _insert(objs: list, *, signals: bool = False) -> None:
    """Write new rows of one model as `bulk_create(objs)` would (or, with `signals`, as
    `save(force_insert=True)` would: pre_save and post_save are sent), with the statement
    written once per process and shape. The values are prepared by the model's fields as the
    ORM prepares them, the ids come back with RETURNING. Anything unusual (an id already set, an
    expression or database default as a value, a database that cannot return the ids) goes
    through the ORM itself."""
    if not objs:
        return
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    sql = _insert_sql(model, len(objs), connection)
    fields = _insert_fields(model)
    if sql is None or not _usable_for_insert(objs, fields):
        if signals:
            for obj in objs:
                obj.save(force_insert=True, using=alias)
        else:
            model._base_manager.using(alias).bulk_create(objs)
        return
    params = []
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="save" if signals else "bulk_create")
        if signals:
            pre_save.send(sender=model, instance=obj, raw=False, using=alias, update_fields=None)
        params.extend(f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields)
    with transaction.mark_for_rollback_on_error(using=alias), connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [pk for (pk,) in cursor.fetchall()]
    _assign_ids(objs, ids, connection, alias=alias, signals=signals)


def _insert_family(parent, children: list[list]) -> bool:
    """Write `parent` (as save(force_insert=True): its signals are sent) and the lists of new
    rows in `children`, each pointing at the parent by its one foreign key to the parent's
    model, in ONE statement on PostgreSQL (issue #3: the intake's request, deadlines, timeline
    event and Idempotency-Key; five round trips fewer than a statement each inside BEGIN and
    COMMIT). A single statement is atomic by itself, so the caller needs no transaction for it.
    Returns False, having written nothing, where it cannot (another database, a shape the ORM
    must write): the caller then writes them with _insert inside its transaction."""
    children = [objs for objs in children if objs]
    model = type(parent)
    alias = router.db_for_write(model)
    connection = connections[alias]
    shapes = tuple((type(objs[0]), len(objs)) for objs in children)
    if any(router.db_for_write(child_model) != alias for child_model, _rows in shapes):
        return False
    sql = _family_sql(model, shapes, connection)
    if sql is None or not _usable_for_insert([parent], _insert_fields(model)):
        return False
    if not all(_usable_for_insert(objs, _insert_fields(type(objs[0]))) for objs in children):
        return False
    layouts = [_child_layout(child_model, model) for child_model, _rows in shapes]
    parent._prepare_related_fields_for_save(operation_name="save")
    pre_save.send(sender=model, instance=parent, raw=False, using=alias, update_fields=None)
    params = [
        f.get_db_prep_save(f.pre_save(parent, True), connection) for f in _insert_fields(model)
    ]
    for objs, (_link, fields, others) in zip(children, layouts, strict=True):
        for obj in objs:
            obj._prepare_related_fields_for_save(operation_name="bulk_create", fields=others)
            params.extend(f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields)
    with transaction.mark_for_rollback_on_error(using=alias), connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    ids: dict[int, list] = {}
    for part, pk in rows:
        ids.setdefault(part, []).append(pk)
    _assign_ids([parent], ids[0], connection, alias=alias, signals=True)
    for position, (objs, (link, _fields, _others)) in enumerate(
        zip(children, layouts, strict=True), start=1
    ):
        for obj in objs:
            setattr(obj, link.attname, parent.pk)
        _assign_ids(objs, ids[position], connection, alias=alias, signals=False)
    return True


@dataclass(frozen=True)
class IntakeRecords:
    """What an intake wrote: the request with its first deadlines, timeline events and
    emergency steps (the API answers with them instead of reading them back)."""

    request: ServiceRequest
    deadlines: list[Deadline]
    events: list[RequestEvent]
    emergency_steps: list = field(default_factory=list)  # EmergencyStep


def request_intake(
    *, actor, office, data: IntakeData, now: datetime.datetime | None = None
) -> ServiceRequest:
    """Receive a help or report request (SOP.md §2): one screen, while the resident is on the
    line. Opens its deadlines from the office's current policy version."""
    return request_intake_records(actor=actor, office=office, data=data, now=now).request


@dataclass(frozen=True)
class IdempotencyClaim:
    """An API client's Idempotency-Key and the SHA-256 of the body it came with."""

    key: str
    request_hash: str


def request_intake_records(
    *,
    actor,
    office,
    data: IntakeData,
    now: datetime.datetime | None = None,
    idempotency: IdempotencyClaim | None = None,
) -> IntakeRecords:
    """request_intake, returning everything it wrote. With `idempotency`, the key is stored
    with the request in the same transaction; a key of the actor's already stored (a retry
    that raced the first call) raises IntegrityError and nothing is written.

    The request, its first deadlines, its timeline event and the key are written by one
    statement where the database allows (_insert_family): an everyday intake then needs no
    transaction of its own, since one statement is all-or-nothing. An intake that writes more
    (an emergency checklist, a notice) writes everything in one transaction."""
    require_perm(actor, "service_requests.add_servicerequest", action=_("受理求助"))
    require_office_in_scope(actor, office.pk)
    now = _now(now)
    policy = current_policy(office, household=data.household)
    version = policy.version
    phone = {"contact_phone": ""}
    errors = _intake_errors(office, data, policy, now, phone)
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], field_errors=errors)

    received_at = data.received_at or now
    reply = data.reply_now.strip()
    request = ServiceRequest(
        office=office,
        household=data.household,
        category=data.category,
        is_special=data.category in SPECIAL_CATEGORIES,
        is_major=data.is_major and data.category in SPECIAL_CATEGORIES,
        is_paid_service=data.is_paid_service,
        channel=data.channel,
        reception_label=data.reception_label
        or DEFAULT_LABEL.get(
            data.category, ReceptionLabel.SERVICE if data.is_paid_service else ReceptionLabel.OTHER
        ),
        description=data.description.strip(),
        location=data.location.strip(),
        contact_name=data.contact_name.strip(),
        contact_phone=phone["contact_phone"],
        status=Status.REPLIED if reply else Status.RECEIVED,
        policy_version=version,
        received_at=received_at,
        entered_at=now,
        entered_by=actor,
        first_replied_at=now if reply else None,
    )
    # Every deadline of a new request is open: the nearest one is known before anything is
    # written (no read-back, no second UPDATE).
    reported = data.reported_now and request.is_special and request.is_major
    deadlines = _initial_deadlines(request, policy, replied=bool(reply), reported=reported)
    request.next_deadline_at = min((d.due_at for d in deadlines if d.met_at is None), default=None)
    events = [
        _new_event(
            request,
            EventType.REQUEST_RECEIVED,
            actor,
            at=now,
            after=Status.RECEIVED,
            data={
                "received_at": received_at.isoformat(),
                "entered_at": now.isoformat(),
                "backdated": received_at < now - FUTURE_TOLERANCE,
                "policy_version": policy.number,
                "deadlines": {d.kind: d.due_at.isoformat() for d in deadlines},
            },
        )
    ]
    if reply:
        events.append(
            _new_event(
                request,
                EventType.FIRST_REPLY_GIVEN,
                actor,
                at=now,
                before=Status.RECEIVED,
                after=Status.REPLIED,
                public=reply,
            )
        )
    if reported:
        events.append(
            _new_event(
                request,
                EventType.SUPERVISOR_REPORTED,
                actor,
                at=now,
                before=request.status,
                after=request.status,
                internal=_("受理时已当场报告主管"),
            )
        )
    keys = []
    if idempotency is not None:
        keys.append(
            IdempotencyKey(
                user=actor,
                key=idempotency.key,
                request_hash=idempotency.request_hash,
                service_request=request,
            )
        )
    more_to_write = (
        bool(data.emergency_help)
        or request.category == Category.MEDICAL_EMERGENCY
        or (request.is_special and request.is_major)
    )
    # Inside a caller's transaction the writes take a savepoint as before (a refused key must
    # roll back only this intake, not the caller's transaction).
    in_transaction = connections[router.db_for_write(ServiceRequest)].in_atomic_block
    if not (more_to_write or in_transaction) and _insert_family(request, [deadlines, events, keys]):
        return IntakeRecords(request, deadlines, events, [])
    with transaction.atomic():
        steps = _intake_write(
            request, deadlines, events, keys, data=data, actor=actor, now=now, policy=policy
        )
    return IntakeRecords(request, deadlines, events, steps)


def _intake_write(
    request, deadlines, events, keys, *, data: IntakeData, actor, now, policy: Policy
) -> list:
    """The intake's writes inside its transaction; returns the emergency steps it opened."""
    if not _insert_family(request, [deadlines, events, keys]):
        _insert([request], signals=True)  # request.save(force_insert=True)
        _insert(deadlines)  # Deadline.objects.bulk_create(deadlines)
        _insert(events)
        # Last: a concurrent retry with the same key waits on the unique index only briefly.
        _insert(keys)
    steps = []
    if data.emergency_help:
        from service_requests.emergency import open_checklist

        steps = open_checklist(request=request, branches=data.emergency_help, actor=actor, now=now)
    told = []  # (the roles' names, how many people hold them)
    if request.category == Category.MEDICAL_EMERGENCY:
        # 000 篇3 §4.2.1(b): the security shift leader is told at once; 000 篇12 二.2 the 中控室
        # and the 主任 — the roles of emergency.medical_notify_roles.
        roles = policy.roles("emergency.medical_notify_roles")
        people = _notify_roles(
            request,
            roles,
            subject=_("急救求助:%(where)s") % {"where": request.location or str(request.household)},
            key="emergency-intake",
            now=now,
        )
        told.append((role_names(roles), people))
    if request.is_special and request.is_major:
        # 000 篇3 §4.2.2: major cases go to the supervisor at once (000 篇12 二.2: to the 主任
        # as well) — the roles of emergency.report_roles; the staff member still records the
        # report (the supervisor_report deadline).
        told.append(_notify_reporting(request, policy, now, _("重大特别求助"), "major-intake"))
    if told:
        # The timeline says whom the system told, and warns when nobody holds those roles.
        note = _new_event(request, EventType.NOTE_ADDED, None, at=now, internal=_told(told))
        _insert([note])
        events.append(note)  # the intake's answer shows it too
    return steps


def _told(told: list[tuple[str, int]]) -> str:
    parts = []
    for roles, people in told:
        if people:
            parts.append(_("系统已通知%(roles)s(%(n)s人)") % {"roles": roles, "n": people})
        else:
            parts.append(_("本管理处无人担任%(roles)s,系统未能通知,请电话报告") % {"roles": roles})
    return ";".join(parts)


def _notify_roles(request: ServiceRequest, roles, *, subject: str, key: str, now) -> int:
    """Tell every holder of the policy's `roles` once (someone holding two of them gets one
    message; the dedupe key makes a retried write queue nothing twice); returns how many
    people that is."""
    users = role_holder_users(office_id=request.office_id, role_codes=roles)
    notify_users(
        office=request.office,
        users=users,
        subject=subject,
        body=request.result or request.description,
        link=f"/requests/{request.pk}/",
        dedupe_key=f"request:{request.pk}:{key}",
        now=now,
    )
    return len(users)


def _notify_reporting(
    request: ServiceRequest, policy: Policy, now, what: str, key: str
) -> tuple[str, int]:
    """Report a special request to the roles of emergency.report_roles (SOP.md §2 急救; 000 篇3
    §4.2.2, 000 篇12 二.2); returns their names and how many people were told, for the
    timeline."""
    roles = policy.roles("emergency.report_roles")
    people = _notify_roles(
        request,
        roles,
        subject=_("%(what)s:%(number)s %(category)s")
        % {"what": what, "number": request.number, "category": request.get_category_display()},
        key=key,
        now=now,
    )
    return role_names(roles), people


# --- Transitions --------------------------------------------------------------------------------


def _check_transition(request: ServiceRequest, allowed: frozenset, action: str) -> None:
    if request.status not in allowed:
        raise ApplicationError(
            _("当前状态为“%(status)s”,不能%(action)s")
            % {"status": request.get_status_display(), "action": action},
            code="invalid_transition",
        )


def _save_transition(request: ServiceRequest, version: int, fields: dict) -> None:
    """Write `fields` only if nobody changed the request since `version` was read."""
    updated = ServiceRequest.objects.filter(pk=request.pk, version=version).update(
        version=F("version") + 1, **fields
    )
    if updated != 1:
        raise StaleUpdateError()
    for name, value in fields.items():
        setattr(request, name, value)
    request.version = version + 1


def _meet(request: ServiceRequest, kinds: set[str], at) -> None:
    request.deadlines.filter(kind__in=kinds, met_at__isnull=True, cancelled_at__isnull=True).update(
        met_at=at, next_escalation_at=None
    )


def request_deadlines_met(*, request: ServiceRequest, kinds: set[str], now) -> None:
    """A step taken outside this app meets the request's limits of these kinds (a repair slip
    made in reception meets AFTER_SALES_SLIP); the queue's next deadline follows. No new version:
    the request's own state did not change."""
    _meet(request, kinds, now)
    _refresh_next_deadline(request)
    ServiceRequest.objects.filter(pk=request.pk).update(next_deadline_at=request.next_deadline_at)


def _cancel_open_deadlines(request: ServiceRequest, at) -> None:
    """Closing ends the time limits still running; one already missed stays missed (it counts
    against the on-time rate) but escalates no further."""
    still_open = request.deadlines.filter(met_at__isnull=True, cancelled_at__isnull=True)
    still_open.filter(missed_at__isnull=True).update(cancelled_at=at, next_escalation_at=None)
    still_open.filter(missed_at__isnull=False).update(next_escalation_at=None)


def _finish(request: ServiceRequest, version: int, fields: dict) -> None:
    if fields.get("status") in FINAL_STATUSES:
        request.next_deadline_at = None
    else:
        _refresh_next_deadline(request)
    fields["next_deadline_at"] = request.next_deadline_at
    _save_transition(request, version, fields)


def _advance(
    request: ServiceRequest,
    *,
    version: int,
    actor,
    now,
    event: str,
    fields: dict,
    public: str = "",
    internal: str = "",
    data: dict | None = None,
) -> RequestEvent:
    """Write a transition (refused if stale) and its timeline event, status before → after."""
    before = request.status
    _finish(request, version, fields)
    return _event(
        request,
        event,
        actor,
        at=now,
        before=before,
        after=request.status,
        public=public,
        internal=internal,
        data=data,
    )


def _handle_perm(actor, action: str) -> None:
    require_perm(actor, "service_requests.change_servicerequest", action=action)


def _works_on(actor, request: ServiceRequest) -> bool:
    """The assignee, or staff of the department it was dispatched to."""
    if request.assignee_id == actor.pk:
        return True
    staff = getattr(actor, "staff", None)
    return (
        staff is not None
        and request.assigned_department_id is not None
        and staff.department_id == request.assigned_department_id
    )


def _require_worker(actor, request: ServiceRequest, action: str) -> None:
    if actor.has_perm("service_requests.change_servicerequest"):
        return
    if actor.has_perm("service_requests.work_on_request") and _works_on(actor, request):
        return
    raise PermissionDeniedError(
        _("您的岗位无权%(action)s:只有受派的部门或人员、客服中心可以操作。") % {"action": action}
    )


def _get_in_scope(actor, request: ServiceRequest) -> None:
    """Checked before authority: another office's (or household's) request is "not found"."""
    scope = scope_for(actor)
    if scope.is_resident and request.household_id != scope.household_id:
        raise ObjectNotFoundError()
    require_office_in_scope(actor, request.office_id)


def _refuse_owned_step(request: ServiceRequest, step: str, action: str, *, code: str) -> None:
    """A step that the procedure on top of the request takes itself (service_requests.hooks: a
    category c request with a complaint record, SOP.md §3) is refused here with where to take
    it; nothing is written. The procedure itself calls with `by_procedure=True`."""
    owner = step_owner(request, step)
    if owner is None:
        return
    where = {"procedure": owner.procedure, "url": owner.url, "id": owner.object_id, "step": step}
    raise ApplicationError(
        _("%(reason)s请在“%(procedure)s”页面办理“%(action)s”(%(url)s)。")
        % {**where, "reason": owner.reason, "action": action},
        code=code,
        extra=where,
    )


def _holds_role(actor, office_id: int, roles) -> bool:
    """Whether the actor holds one of the SOP roles for the office (its staff, or a company-wide
    role of the company that runs it)."""
    if actor is None or not actor.is_authenticated:
        return False
    return role_holders(office_id=office_id, role_codes=roles).filter(user=actor).exists()


def may_reply_in_writing(actor, request: ServiceRequest) -> bool:
    """Whether the actor may give the written reply to this written consultation under the
    policy version the request was opened under (consultation.written_reply_roles)."""
    return _holds_role(
        actor, request.office_id, _policy(request).roles("consultation.written_reply_roles")
    )


def require_written_reply_role(actor, request: ServiceRequest) -> None:
    """Authority is enforced (SOP.md §2 咨询; 000 篇3 §4.3.1, 000 篇12 三.1): only the roles the
    policy names give the written reply; anyone else is told who may."""
    rule_value = _policy(request).value("consultation.written_reply_roles")
    if not _holds_role(actor, request.office_id, rule_value.value):
        raise PermissionDeniedError(
            _(
                "您的岗位无权书面答复书面咨询:按策略“%(rule)s”(%(clause)s),只有%(roles)s"
                "可以书面答复。请将书面咨询报%(roles)s。"
            )
            % {
                "roles": role_names(rule_value.value),
                "rule": rule_value.rule.label,
                "clause": rule_value.rule.clause,
            },
            code="written_reply_role",
        )


def is_written_consultation(request: ServiceRequest) -> bool:
    """A consultation by letter or e-mail: answered in writing (SOP.md §2 咨询; 000 篇3 §4.3.1)."""
    return request.category == Category.CONSULTATION and request.channel in WRITTEN_CHANNELS


def _require_written_answer_role(actor, request: ServiceRequest) -> None:
    """A written consultation not answered yet is answered by whatever ends it — a result or a
    referral — so that answer, too, comes only from the roles of
    consultation.written_reply_roles (000 篇3 §4.3.1; 000 篇12 三.1)."""
    if request.first_replied_at is None and is_written_consultation(request):
        require_written_reply_role(actor, request)


@transaction.atomic
def request_reply(
    *, actor, request: ServiceRequest, version: int, reply: str, now=None
) -> ServiceRequest:
    """First reply to the resident (快速反应, SOP.md §2). A written consultation is answered in
    writing only by the roles of consultation.written_reply_roles (000 篇3 §4.3.1 the
    supervisor, the manager if needed; 000 篇12 三.1 相关主管人员)."""
    action = _("答复住户")
    _get_in_scope(actor, request)
    if is_written_consultation(request):
        require_written_reply_role(actor, request)
    else:
        _handle_perm(actor, action)
    if request.first_replied_at is not None:
        raise ApplicationError(_("已答复过住户;补充说明请用“添加备注”"), code="invalid_transition")
    _check_transition(
        request, OPEN_STATUSES - {Status.RESOLVED, Status.CONFIRMED, Status.VISITED}, action
    )
    if not reply.strip():
        raise ApplicationError(_("请填写答复内容"), field_errors={"reply": [_("请填写答复内容")]})
    reply = _limited(reply, field="reply", label=_("答复内容"))
    now = _now(now)
    before = request.status
    _meet(
        request,
        {DeadlineKind.FIRST_REPLY, DeadlineKind.ORAL_REPLY, DeadlineKind.WRITTEN_REPLY},
        now,
    )
    new_status = Status.REPLIED if before == Status.RECEIVED else before
    _advance(
        request,
        version=version,
        actor=actor,
        now=now,
        event=EventType.FIRST_REPLY_GIVEN,
        fields={"status": new_status, "first_replied_at": now},
        public=reply.strip(),
    )
    return request


@transaction.atomic
def request_dispatch(
    *,
    actor,
    request: ServiceRequest,
    version: int,
    department: Department,
    assignee=None,
    note: str = "",
    now=None,
) -> ServiceRequest:
    """派工 to one of the office's departments (or a person in it). Outside parties are a
    referral, not a dispatch."""
    action = _("派工")
    _get_in_scope(actor, request)
    _handle_perm(actor, action)
    _check_transition(request, BEFORE_RESOLUTION, action)
    if department.is_external:
        raise ApplicationError(
            _("“%(name)s”是外部单位,请使用“转介”") % {"name": department.name},
            field_errors={"department": [_("外部单位请使用“转介”")]},
        )
    if department.office_id not in (None, request.office_id) or not department.is_active:
        raise ApplicationError(
            _("请选择本管理处在用的部门"),
            field_errors={"department": [_("请选择本管理处在用的部门")]},
        )
    if assignee is not None:
        staff = getattr(assignee, "staff", None)
        if staff is not None and staff.department_id not in (None, department.pk):
            message = _("%(name)s不属于%(department)s") % {
                "name": staff.name,
                "department": department.name,
            }
            raise ApplicationError(message, field_errors={"assignee": [message]})
        if staff is None or not staff.offices.filter(pk=request.office_id).exists():
            raise ApplicationError(
                _("处理人须为本管理处员工"),
                field_errors={"assignee": [_("处理人须为本管理处员工")]},
            )
    note = _limited(note, field="note", label=_("派工说明"))
    now = _now(now)
    acknowledge = _open_acknowledge(request, now)
    _advance(
        request,
        version=version,
        actor=actor,
        now=now,
        event=EventType.REQUEST_DISPATCHED,
        fields={
            "status": Status.DISPATCHED,
            "dispatched_at": now,
            "assigned_department": department,
            "assignee": assignee,
            "acknowledged_at": None,
        },
        internal=note.strip(),
        data={
            "department": department.name,
            "assignee": getattr(assignee, "pk", None),
            # The name as it was when dispatched: the timeline says who was sent.
            **({"assignee_name": staff.name} if assignee is not None else {}),
            **({"acknowledge_due_at": acknowledge.due_at.isoformat()} if acknowledge else {}),
        },
    )
    notify_users_of_dispatch(request, department, assignee, now, acknowledge=acknowledge)
    return request


def _open_acknowledge(request: ServiceRequest, now) -> Deadline | None:
    """A dispatch is acknowledged (接单) or started by the receiver within
    request.acknowledge_within (SOP.md §2 快速反应; 003 §5.2 立即与业户联系, §4.2.1.1). A new
    dispatch while the last one still runs moves it; after an acknowledgement or a miss it is
    a new round (the earlier one keeps its record). A request a procedure runs (a complaint's
    住户投诉意见表 is signed for when handed over, 000 篇10 §4.4) has none: the procedure keeps
    its own limits."""
    if procedure_owner(request) is not None:
        return None
    rule_value = _policy(request).value("request.acknowledge_within")
    return deadline_open_round(
        request=request,
        kind=DeadlineKind.ACKNOWLEDGE,
        policy_key=rule_value.rule.key,
        clause=rule_value.rule.clause,
        due_at=rule_value.value.after(now),
        now=now,
    )


def _drop(request: ServiceRequest, kinds: set[str], at) -> None:
    """Limits of these kinds that no longer apply (a dispatch resolved, cancelled or referred
    before anyone acknowledged it) end here: one still running is cancelled (not counted when
    before its due time, late when after: reports._late_deadline), one already missed stays
    missed and escalates no further."""
    still_open = request.deadlines.filter(kind__in=kinds, met_at__isnull=True, cancelled_at=None)
    still_open.filter(missed_at__isnull=True).update(cancelled_at=at, next_escalation_at=None)
    still_open.filter(missed_at__isnull=False).update(next_escalation_at=None)


def notify_users_of_dispatch(request, department, assignee, now, *, acknowledge=None) -> None:
    """Tell the receiver of a job: the person, or everyone of the department; with the time by
    which to acknowledge it (request.acknowledge_within), where the dispatch opened one."""
    from notifications.services import notify_users

    if assignee is not None:
        users = [assignee]
    else:
        users = [
            s.user
            for s in Staff.objects.filter(
                department=department, user__is_active=True
            ).select_related("user")
        ]
    notify_users(
        office=request.office,
        users=users,
        subject=_("新派工:%(number)s %(category)s")
        % {"number": request.number, "category": request.get_category_display()},
        body=request.description
        if acknowledge is None
        else "\n".join(
            [  # the time first: the inbox shows the start of the body
                _("请于 %(due)s 前接单(%(clause)s)")
                % {
                    "due": timezone.localtime(acknowledge.due_at).strftime("%Y-%m-%d %H:%M"),
                    "clause": acknowledge.clause,
                },
                request.description,
            ]
        ),
        link=f"/requests/{request.pk}/",
        dedupe_key=f"request:{request.pk}:dispatch:{request.version}",
        now=now,
    )


@transaction.atomic
def request_acknowledge(
    *, actor, request: ServiceRequest, version: int, now=None
) -> ServiceRequest:
    """The receiving department or person acknowledges the dispatch (接单). A job sent to the
    department as a whole is taken by whoever of the department acknowledges it: they become
    its handler (我的待办, the on-time rate by handler), not the desk acknowledging for them."""
    action = _("接单")
    _get_in_scope(actor, request)
    _require_worker(actor, request, action)
    _check_transition(request, frozenset({Status.DISPATCHED}), action)
    now = _now(now)
    _meet(request, {DeadlineKind.ACKNOWLEDGE}, now)
    fields = {"status": Status.ACKNOWLEDGED, "acknowledged_at": now}
    fields.update(_taken_by(actor, request))
    _advance(
        request,
        version=version,
        actor=actor,
        now=now,
        event=EventType.DISPATCH_ACKNOWLEDGED,
        fields=fields,
        data={"assignee": fields["assignee"].pk} if "assignee" in fields else None,
    )
    return request


def _taken_by(actor, request: ServiceRequest) -> dict:
    """{"assignee": actor} when a member of the department the request was dispatched to (with
    nobody named) takes it; {} otherwise."""
    if request.assignee_id is not None or request.assigned_department_id is None:
        return {}
    staff = getattr(actor, "staff", None)
    if staff is None or staff.department_id != request.assigned_department_id:
        return {}
    return {"assignee": actor}


@transaction.atomic
def request_start(*, actor, request: ServiceRequest, version: int, now=None) -> ServiceRequest:
    action = _("开始处理")
    _get_in_scope(actor, request)
    _require_worker(actor, request, action)
    _check_transition(
        request, frozenset({Status.REPLIED, Status.DISPATCHED, Status.ACKNOWLEDGED}), action
    )
    now = _now(now)
    fields = {"status": Status.IN_PROGRESS}
    if request.acknowledged_at is None and request.dispatched_at is not None:
        fields["acknowledged_at"] = now
        fields.update(_taken_by(actor, request))  # started without 接单: taken all the same
        _meet(request, {DeadlineKind.ACKNOWLEDGE}, now)
    _advance(
        request,
        version=version,
        actor=actor,
        now=now,
        event=EventType.WORK_STARTED,
        fields=fields,
    )
    return request


@transaction.atomic
def request_set_appointment(
    *,
    actor,
    request: ServiceRequest,
    version: int,
    promised_at: datetime.datetime,
    reason: str = "",
    now=None,
) -> ServiceRequest:
    """Repairs (SOP.md §4; 003 §5.2): the completion time agreed with the resident, no later
    than the policy's maximum after the request was received — or, once reopened, after it was
    reopened. A reopened request's new appointment is a new round of the deadline (the earlier
    round keeps its met or missed record), so it is swept and counted again."""
    action = _("约定完成时间")
    _get_in_scope(actor, request)
    _require_worker(actor, request, action)
    _check_transition(request, BEFORE_RESOLUTION, action)
    now = _now(now)
    policy = _policy(request)
    limit = policy.value("repair.promised_date_max")
    reopened_at = _last_reopened_at(request)
    latest = limit.value.after(reopened_at or request.received_at)
    if promised_at <= now:
        raise ApplicationError(
            _("约定完成时间须晚于现在"), field_errors={"promised_at": [_("约定完成时间须晚于现在")]}
        )
    if promised_at > latest:
        template = (
            _("约定完成时间不能晚于重新打开后%(limit)s(%(latest)s,%(clause)s)")
            if reopened_at
            else _("约定完成时间不能晚于受理后%(limit)s(%(latest)s,%(clause)s)")
        )
        message = template % {
            "limit": limit.value,
            "latest": timezone.localtime(latest).strftime("%Y-%m-%d %H:%M"),
            "clause": limit.rule.clause,
        }
        raise ApplicationError(message, field_errors={"promised_at": [message]})
    previous = request.promised_at
    if previous is not None and not reason.strip():
        raise ApplicationError(
            _("更改约定时间须填写原因"), field_errors={"reason": [_("更改约定时间须填写原因")]}
        )
    reason = _limited(reason, field="reason", label=_("更改原因"), limit=REASON_MAX_LENGTH)
    # A new time agreed while the last one still runs moves it; after a miss or a reopening
    # it is a new round, so the earlier one keeps its record.
    deadline_open_round(
        request=request,
        kind=DeadlineKind.REPAIR_COMPLETION,
        policy_key=limit.rule.key,
        clause=limit.rule.clause,
        due_at=promised_at,
        now=now,
    )
    _advance(
        request,
        version=version,
        actor=actor,
        now=now,
        event=EventType.APPOINTMENT_SET,
        fields={"promised_at": promised_at},
        internal=reason.strip(),
        data={
            "promised_at": promised_at.isoformat(),
            "previous": previous.isoformat() if previous else None,
        },
    )
    return request


@transaction.atomic
def request_resolve(
    *,
    actor,
    request: ServiceRequest,
    version: int,
    result: str,
    public_note: str = "",
    now=None,
    by_procedure: bool = False,
) -> ServiceRequest:
    action = _("登记处理结果")
    _get_in_scope(actor, request)
    _require_worker(actor, request, action)
    if not by_procedure:
        _refuse_owned_step(request, Step.RESOLVE, action, code=STEP_IN_PROCEDURE)
    _check_transition(request, BEFORE_RESOLUTION, action)
    if not result.strip():
        raise ApplicationError(_("请填写处理结果"), field_errors={"result": [_("请填写处理结果")]})
    result = _limited(result, field="result", label=_("处理结果"))
    public_note = _limited(public_note, field="public_note", label=_("告知住户"))
    _require_written_answer_role(actor, request)
    policy = _policy(request)
    require_checklist_complete(request=request, policy=policy, action=action)
    now = _now(now)
    fields = {"status": Status.RESOLVED, "resolved_at": now, "result": result.strip()}
    met = {DeadlineKind.REPAIR_COMPLETION, DeadlineKind.HANDLE_AGAIN, DeadlineKind.COMPLETION}
    if request.first_replied_at is None:
        # Solving it is the answer: the first reply is given with the result.
        fields["first_replied_at"] = now
        met |= {DeadlineKind.FIRST_REPLY, DeadlineKind.ORAL_REPLY, DeadlineKind.WRITTEN_REPLY}
    _meet(request, met, now)
    # Resolved without anyone acknowledging the dispatch: nothing is left to acknowledge.
    _drop(request, {DeadlineKind.ACKNOWLEDGE}, now)
    _advance(
        request,
        version=version,
        actor=actor,
        now=now,
        event=EventType.REQUEST_RESOLVED,
        fields=fields,
        public=public_note.strip(),
        internal=result.strip(),
    )
    if request.is_special and not request.is_major:
        # 000 篇3 §4.2.2: normal special cases are reported to the supervisor after completion
        # (000 篇12 二.2: and to the 主任) — the roles of emergency.report_roles.
        told, _people = _notify_reporting(
            request, policy, now, _("特别求助处理完毕"), "special-resolved"
        )
        _event(
            request,
            EventType.SUPERVISOR_REPORTED,
            None,
            at=now,
            before=Status.RESOLVED,
            after=Status.RESOLVED,
            internal=_("处理完毕,系统已通知%(roles)s") % {"roles": told},
        )
    return request


@transaction.atomic
def request_confirm(
    *,
    actor,
    request: ServiceRequest,
    version: int,
    channel: str,
    note: str = "",
    now=None,
    by_procedure: bool = False,
) -> ServiceRequest:
    """The resident confirms the result (by phone or visit recorded by staff, or in the portal)."""
    action = _("登记住户确认")
    is_resident_self = channel == ConfirmationChannel.PORTAL
    if is_resident_self:
        resident = getattr(actor, "resident_profile", None)
        if resident is None or resident.household_id != request.household_id:
            raise PermissionDeniedError(_("只有该户住户本人可以在线确认"))
        if not by_procedure and step_owner(request, Step.CONFIRM):
            # The centre tells the resident the complaint's result and records it (SOP.md §3).
            raise ApplicationError(
                _("投诉的处理结果由客服中心通报您并登记,无需在线确认。"),
                code=STEP_IN_PROCEDURE,
                extra={"step": Step.CONFIRM},
            )
    else:
        _handle_perm(actor, action)
        _get_in_scope(actor, request)
        if not by_procedure:
            _refuse_owned_step(request, Step.CONFIRM, action, code=STEP_IN_PROCEDURE)
    if channel not in ConfirmationChannel.values:
        raise ApplicationError(_("请选择确认方式"), field_errors={"channel": [_("请选择确认方式")]})
    _check_transition(request, frozenset({Status.RESOLVED}), action)
    note = _limited(note, field="note", label=_("备注"))
    now = _now(now)
    _advance(
        request,
        version=version,
        actor=actor,
        now=now,
        event=EventType.RESIDENT_CONFIRMED,
        fields={"status": Status.CONFIRMED, "confirmed_at": now, "confirmation_channel": channel},
        internal=note.strip(),
        data={"channel": channel},
    )
    return request


@transaction.atomic
def request_follow_up(
    *,
    actor,
    request: ServiceRequest,
    version: int,
    satisfaction: str,
    comment: str = "",
    now=None,
    by_procedure: bool = False,
) -> ServiceRequest:
    """回访: an unsatisfied resident reopens the request."""
    action = _("登记回访")
    _get_in_scope(actor, request)
    _handle_perm(actor, action)
    if not by_procedure:
        _refuse_owned_step(request, Step.FOLLOW_UP, action, code=STEP_IN_PROCEDURE)
    if satisfaction not in Satisfaction.values:
        raise ApplicationError(
            _("请选择满意度"), field_errors={"satisfaction": [_("请选择满意度")]}
        )
    _check_transition(request, frozenset({Status.RESOLVED, Status.CONFIRMED}), action)
    comment = _limited(comment, field="comment", label=_("住户意见"))
    now = _now(now)
    before = request.status
    if satisfaction == Satisfaction.UNSATISFIED:
        if not comment.strip():
            raise ApplicationError(
                _("住户不满意时须记录意见"), field_errors={"comment": [_("住户不满意时须记录意见")]}
            )
        # A procedure on top of the request (a complaint) opens its own limit for the new round.
        again = None if by_procedure else _open_handle_again(request, now)
        _advance(
            request,
            version=version,
            actor=actor,
            now=now,
            event=EventType.FOLLOW_UP_DONE,
            fields={
                "status": Status.IN_PROGRESS,
                "visited_at": now,
                "satisfaction": satisfaction,
                "resolved_at": None,
                "confirmed_at": None,
            },
            internal=comment.strip(),
            data={"satisfaction": satisfaction},
        )
        _event(
            request,
            EventType.REQUEST_REOPENED,
            actor,
            at=now,
            before=before,
            after=Status.IN_PROGRESS,
            internal=_("回访不满意,重新处理"),
            data=_reopened_data(again),
        )
        return request
    _advance(
        request,
        version=version,
        actor=actor,
        now=now,
        event=EventType.FOLLOW_UP_DONE,
        fields={"status": Status.VISITED, "visited_at": now, "satisfaction": satisfaction},
        internal=comment.strip(),
        data={"satisfaction": satisfaction},
    )
    return request


@transaction.atomic
def request_close(
    *,
    actor,
    request: ServiceRequest,
    version: int,
    note: str = "",
    now=None,
    by_procedure: bool = False,
) -> ServiceRequest:
    """Close once the resident confirmed the result (事事有着落,件件有回音)."""
    action = _("关闭")
    _get_in_scope(actor, request)
    _handle_perm(actor, action)
    if not by_procedure:
        _refuse_owned_step(request, Step.CLOSE, action, code=STEP_IN_PROCEDURE)
    if request.status == Status.RESOLVED:
        raise ApplicationError(_("住户尚未确认处理结果,不能关闭"), code="invalid_transition")
    _check_transition(request, frozenset({Status.CONFIRMED, Status.VISITED}), action)
    require_checklist_complete(request=request, policy=_policy(request), action=action)
    note = _limited(note, field="note", label=_("备注"))
    now = _now(now)
    _cancel_open_deadlines(request, now)
    _advance(
        request,
        version=version,
        actor=actor,
        now=now,
        event=EventType.REQUEST_CLOSED,
        fields={"status": Status.CLOSED, "closed_at": now},
        internal=note.strip(),
    )
    return request


@transaction.atomic
def request_refer(
    *, actor, request: ServiceRequest, version: int, party: Department, resident_told: str, now=None
) -> ServiceRequest:
    """严禁推诿 (SOP.md §2): what the office cannot do is referred to a named outside party and
    the resident is told who will help — never closed as "cannot help"."""
    action = _("转介外部单位")
    _get_in_scope(actor, request)
    _handle_perm(actor, action)
    _refuse_owned_step(request, Step.REFER, action, code=STEP_IN_PROCEDURE)
    _check_transition(request, BEFORE_RESOLUTION, action)
    if not party.is_external:
        raise ApplicationError(
            _("转介对象须为外部单位;本处部门请用“派工”"),
            field_errors={"party": [_("请选择外部单位")]},
        )
    if not resident_told.strip():
        raise ApplicationError(
            _("转介须记录已告知住户的内容(联系哪个单位、如何联系)"),
            field_errors={"resident_told": [_("请填写已告知住户的内容")]},
        )
    resident_told = _limited(resident_told, field="resident_told", label=_("已告知住户"))
    _require_written_answer_role(actor, request)
    # A referral ends the request like a close: the checklist is complete first.
    require_checklist_complete(request=request, policy=_policy(request), action=action)
    now = _now(now)
    fields = {"status": Status.REFERRED, "referred_to": party, "closed_at": now}
    if request.first_replied_at is None:
        fields["first_replied_at"] = now
        _meet(
            request,
            {DeadlineKind.FIRST_REPLY, DeadlineKind.ORAL_REPLY, DeadlineKind.WRITTEN_REPLY},
            now,
        )
    # Referred (after a reopening, or an everyday request not solved yet): the outside party is
    # the answer (严禁推诿).
    _meet(request, {DeadlineKind.HANDLE_AGAIN, DeadlineKind.COMPLETION}, now)
    _cancel_open_deadlines(request, now)
    _advance(
        request,
        version=version,
        actor=actor,
        now=now,
        event=EventType.REQUEST_REFERRED,
        fields=fields,
        public=resident_told.strip(),
        data={"party": party.name, "phone": party.phone},
    )
    return request


@transaction.atomic
def request_cancel(
    *, actor, request: ServiceRequest, version: int, reason: str, now=None
) -> ServiceRequest:
    """Cancel (the resident withdrew it, or a duplicate) with the reason; supervisor and up."""
    _get_in_scope(actor, request)
    require_perm(actor, "service_requests.cancel_servicerequest", action=_("撤销求助"))
    _refuse_owned_step(request, Step.CANCEL, _("撤销"), code=STEP_IN_PROCEDURE)
    _check_transition(request, BEFORE_RESOLUTION, _("撤销"))
    if not reason.strip():
        raise ApplicationError(_("撤销须填写原因"), field_errors={"reason": [_("撤销须填写原因")]})
    # As long as the column: refused when longer, never cut.
    reason = _limited(reason, field="reason", label=_("撤销原因"), limit=REASON_MAX_LENGTH)
    now = _now(now)
    _cancel_open_deadlines(request, now)
    _advance(
        request,
        version=version,
        actor=actor,
        now=now,
        event=EventType.REQUEST_CANCELLED,
        fields={
            "status": Status.CANCELLED,
            "cancel_reason": reason,
            "closed_at": now,
        },
        internal=reason.strip(),
    )
    return request


REOPENABLE = frozenset(
    {Status.RESOLVED, Status.CONFIRMED, Status.VISITED, Status.CLOSED, Status.REFERRED}
)


@transaction.atomic
def request_reopen(
    *, actor, request: ServiceRequest, version: int, reason: str, now=None
) -> ServiceRequest:
    """重新打开 (the resident is back with the same matter): in progress again with a new round
    of a limit (`_open_handle_again`). A request whose reopening a procedure on top of it owns
    (a category c request with a complaint record: the complaint is reopened on 投诉处理,
    SOP.md §3) is refused with where to reopen it (`reopen_in_procedure`, the code API clients
    already know), and nothing is written."""
    action = _("重新打开")
    _get_in_scope(actor, request)
    _handle_perm(actor, action)
    _refuse_owned_step(request, Step.REOPEN, action, code="reopen_in_procedure")
    return _reopen(actor=actor, request=request, version=version, reason=reason, now=now)


@transaction.atomic
def request_reopen_for_procedure(
    *, actor, request: ServiceRequest, version: int, reason: str, now=None
) -> ServiceRequest:
    """The reopening by the procedure that owns it (complaints.services.complaint_reopen, which
    checks its own authority and opens its own limit): the request is in progress again, with
    no limit of the request desk's."""
    _get_in_scope(actor, request)
    _handle_perm(actor, _("重新打开"))
    return _reopen(
        actor=actor, request=request, version=version, reason=reason, now=now, own_limit=False
    )


def _reopen(*, actor, request, version, reason, now, own_limit: bool = True) -> ServiceRequest:
    _check_transition(request, REOPENABLE, _("重新打开"))
    if not reason.strip():
        raise ApplicationError(
            _("重新打开须填写原因"), field_errors={"reason": [_("重新打开须填写原因")]}
        )
    reason = _limited(reason, field="reason", label=_("重新打开原因"), limit=REASON_MAX_LENGTH)
    now = _now(now)
    again = _open_handle_again(request, now) if own_limit else None
    _advance(
        request,
        version=version,
        actor=actor,
        now=now,
        event=EventType.REQUEST_REOPENED,
        fields={
            "status": Status.IN_PROGRESS,
            "resolved_at": None,
            "confirmed_at": None,
            "closed_at": None,
        },
        internal=reason.strip(),
        data=_reopened_data(again),
    )
    return request


@transaction.atomic
def request_report_to_supervisor(
    *, actor, request: ServiceRequest, note: str = "", now=None
) -> ServiceRequest:
    """Record that the supervisor was told (000 篇3 §4.2.2: major cases at once)."""
    _get_in_scope(actor, request)
    _require_worker(actor, request, _("报告主管"))
    note = _limited(note, field="note", label=_("报告内容"))
    now = _now(now)
    _meet(request, {DeadlineKind.SUPERVISOR_REPORT}, now)
    _refresh_next_deadline(request)
    ServiceRequest.objects.filter(pk=request.pk).update(next_deadline_at=request.next_deadline_at)
    _event(
        request,
        EventType.SUPERVISOR_REPORTED,
        actor,
        at=now,
        before=request.status,
        after=request.status,
        internal=note.strip(),
    )
    return request


@transaction.atomic
def request_add_note(
    *, actor, request: ServiceRequest, internal_note: str = "", public_note: str = "", now=None
) -> RequestEvent:
    """Append a note: internal (staff only) or what the resident was told. Never edits."""
    _get_in_scope(actor, request)
    _require_worker(actor, request, _("添加备注"))
    if not internal_note.strip() and not public_note.strip():
        raise ApplicationError(
            _("请填写备注内容"), field_errors={"internal_note": [_("请填写备注内容")]}
        )
    internal_note = _limited(internal_note, field="internal_note", label=_("内部备注"))
    public_note = _limited(public_note, field="public_note", label=_("告知住户"))
    now = _now(now)
    return _event(
        request,
        EventType.NOTE_ADDED,
        actor,
        at=now,
        before=request.status,
        after=request.status,
        public=public_note.strip(),
        internal=internal_note.strip(),
    )
