"""Every change of a reception register (SOP.md §4; 004 篇3 §4.4–4.11) goes through one function
here. Each one checks authority (the role's permission) and scope (another office's entry is
"not found"), validates and raises ApplicationError with Chinese field messages, then writes the
change and its RegisterEvent in one transaction. Changes lock their row first, so two
receptionists cannot, say, hand the same lost item to two people.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.authz import require_office_in_scope, require_perm
from core.exceptions import ApplicationError
from core.validators import normalize_phone
from organization.choices import DepartmentKind
from policies.rules import Duration
from policies.selectors import Policy, current_version
from reception.choices import EventType, IncidentKind, NoteKind, Register, SlipStatus
from reception.models import (
    TEXT_MAX_LENGTH,
    DeveloperRepairSlip,
    HelpRegisterArchive,
    LostItem,
    MajorIncident,
    ReceptionNote,
    RegisterEvent,
)
from service_requests.choices import DeadlineKind, Status

# Clock skew tolerated between a client's clock and ours for times typed in.
FUTURE_TOLERANCE = datetime.timedelta(minutes=1)

REGISTER_OF = {
    LostItem: Register.LOST_ITEM,
    MajorIncident: Register.MAJOR_INCIDENT,
    DeveloperRepairSlip: Register.REPAIR_SLIP,
    ReceptionNote: Register.RECEPTION_NOTE,
    HelpRegisterArchive: Register.HELP_REGISTER_ARCHIVE,
}


def _now(now):
    return now or timezone.now()


def _event(obj, type, actor, *, at, note="", data=None) -> RegisterEvent:
    return RegisterEvent.objects.create(
        office_id=obj.office_id,
        register=REGISTER_OF[obj.__class__],
        object_id=obj.pk,
        type=type,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        at=at,
        note=note,
        data=data or {},
    )


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], field_errors=errors)


def _required(errors, data, field, message, *, max_length=None):
    value = (getattr(data, field) or "").strip()
    if not value:
        errors[field] = [message]
    elif max_length and len(value) > max_length:
        errors[field] = [_("不能超过%(n)s字,现有%(len)s字") % {"n": max_length, "len": len(value)}]


def _phone(errors, field, raw) -> str:
    if not (raw or "").strip():
        return ""
    try:
        return normalize_phone(raw)
    except ValidationError as exc:
        errors[field] = list(exc.messages)
        return ""


def _not_future(errors, field, value, now, message):
    if value is None:
        errors[field] = [message]
    elif value > now + FUTURE_TOLERANCE:
        errors[field] = [_("时间不能晚于现在")]


def _locked(obj):
    """Re-read the row under a lock (the caller's copy may be stale)."""
    return type(obj).objects.select_for_update().get(pk=obj.pk)


def _entry_access(actor, obj, perm: str, action: str):
    require_perm(actor, perm, action=action)
    require_office_in_scope(actor, obj.office_id)
    return _locked(obj)


# --- 失物招领登记表 ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LostItemData:
    found_at: datetime.datetime | None
    found_place: str
    found_by: str
    description: str
    storage_place: str
    found_by_phone: str = ""
    notes: str = ""


@transaction.atomic
def lost_item_register(*, actor, office, data: LostItemData, now=None) -> LostItem:
    """Register found property (004 篇3 §4.6): when, where, by whom, what, where it is kept."""
    require_perm(actor, "reception.add_lostitem", action=_("登记拾获物品"))
    require_office_in_scope(actor, office.pk)
    now = _now(now)
    errors: dict[str, list[str]] = {}
    _not_future(errors, "found_at", data.found_at, now, _("请填写拾获时间"))
    _required(errors, data, "found_place", _("请填写拾获地点"), max_length=200)
    _required(errors, data, "found_by", _("请填写拾获人"), max_length=50)
    _required(errors, data, "description", _("请填写物品描述"), max_length=TEXT_MAX_LENGTH)
    _required(errors, data, "storage_place", _("请填写存放地点"), max_length=100)
    phone = _phone(errors, "found_by_phone", data.found_by_phone)
    if len(data.notes) > 200:
        errors["notes"] = [_("备注不能超过200字")]
    _raise(errors)
    item = LostItem.objects.create(
        office=office,
        found_at=data.found_at,
        found_place=data.found_place.strip(),
        found_by=data.found_by.strip(),
        found_by_phone=phone,
        description=data.description.strip(),
        storage_place=data.storage_place.strip(),
        notes=data.notes.strip(),
        registered_at=now,
        registered_by=actor,
    )
    _event(item, EventType.LOST_ITEM_REGISTERED, actor, at=now)
    return item


@transaction.atomic
def lost_item_claim(
    *,
    actor,
    item: LostItem,
    claimant_name: str,
    claimant_phone: str,
    id_checked: bool,
    claimed_at: datetime.datetime | None = None,
    now=None,
) -> LostItem:
    """Hand found property back: only after the claimant's ID was checked, and only once."""
    item = _entry_access(actor, item, "reception.change_lostitem", _("办理失物认领"))
    now = _now(now)
    claimed_at = claimed_at or now
    if item.claimed_at is not None:
        raise ApplicationError(
            _("该物品已于%(at)s由%(name)s认领")
            % {
                "at": f"{timezone.localtime(item.claimed_at):%Y-%m-%d %H:%M}",
                "name": item.claimant_name,
            },
            code="already_claimed",
        )
    errors: dict[str, list[str]] = {}
    name = claimant_name.strip()
    if not name:
        errors["claimant_name"] = [_("请填写认领人姓名")]
    elif len(name) > 50:
        errors["claimant_name"] = [_("认领人姓名不能超过50字")]
    if not claimant_phone.strip():
        errors["claimant_phone"] = [_("请填写认领人电话")]
    phone = _phone(errors, "claimant_phone", claimant_phone)
    if not id_checked:
        errors["id_checked"] = [_("须核对认领人身份证件后才能交还物品")]
    if claimed_at > now + FUTURE_TOLERANCE:
        errors["claimed_at"] = [_("时间不能晚于现在")]
    elif claimed_at < item.found_at:
        errors["claimed_at"] = [_("认领时间不能早于拾获时间")]
    _raise(errors)
    item.claimed_at = claimed_at
    item.claimant_name = name
    item.claimant_phone = phone
    item.claimant_id_checked = True
    item.handled_by = actor
    item.save(
        update_fields=[
            "claimed_at",
            "claimant_name",
            "claimant_phone",
            "claimant_id_checked",
            "handled_by",
        ]
    )
    _event(item, EventType.LOST_ITEM_CLAIMED, actor, at=now, data={"claimant": name})
    return item


# --- 重大(突发)事件处理记录表 ------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentData:
    kind: str
    occurred_at: datetime.datetime | None
    place: str
    summary: str
    reported_by: str
    measures: str = ""
    people_notified: str = ""
    service_request: object | None = None  # service_requests.ServiceRequest


@transaction.atomic
def incident_record(*, actor, office, data: IncidentData, now=None) -> MajorIncident:
    """Record a major incident or an official visit (004 篇3 §4.10)."""
    require_perm(actor, "reception.add_majorincident", action=_("登记重大(突发)事件"))
    require_office_in_scope(actor, office.pk)
    now = _now(now)
    errors: dict[str, list[str]] = {}
    if data.kind not in IncidentKind.values:
        errors["kind"] = [_("请选择事件类别")]
    _not_future(errors, "occurred_at", data.occurred_at, now, _("请填写发生时间"))
    _required(errors, data, "place", _("请填写地点"), max_length=200)
    _required(errors, data, "summary", _("请填写事件经过"), max_length=TEXT_MAX_LENGTH)
    _required(errors, data, "reported_by", _("请填写报告人或来访单位"), max_length=100)
    if len(data.measures) > TEXT_MAX_LENGTH:
        errors["measures"] = [_("采取措施不能超过%(n)s字") % {"n": TEXT_MAX_LENGTH}]
    if len(data.people_notified) > 300:
        errors["people_notified"] = [_("已通知人员不能超过300字")]
    if data.service_request is not None and data.service_request.office_id != office.pk:
        errors["service_request"] = [_("关联的求助不属于本管理处")]
    _raise(errors)
    incident = MajorIncident.objects.create(
        office=office,
        kind=data.kind,
        occurred_at=data.occurred_at,
        place=data.place.strip(),
        summary=data.summary.strip(),
        reported_by=data.reported_by.strip(),
        measures=data.measures.strip(),
        people_notified=data.people_notified.strip(),
        service_request=data.service_request,
        recorded_at=now,
        recorded_by=actor,
    )
    _event(
        incident,
        EventType.INCIDENT_RECORDED,
        actor,
        at=now,
        data={"service_request": getattr(data.service_request, "pk", None)},
    )
    return incident


@transaction.atomic
def incident_close(
    *, actor, incident: MajorIncident, result: str, measures: str = "", now=None
) -> MajorIncident:
    """Write the result and close the entry (004 篇3 §4.11: closed out when done)."""
    incident = _entry_access(actor, incident, "reception.change_majorincident", _("登记处理结果"))
    if incident.closed_at is not None:
        raise ApplicationError(_("该事件已结案"), code="already_closed")
    if not result.strip():
        raise ApplicationError(_("请填写处理结果"), field_errors={"result": [_("请填写处理结果")]})
    if len(result) > TEXT_MAX_LENGTH:
        raise ApplicationError(_("处理结果过长"), field_errors={"result": [_("处理结果过长")]})
    now = _now(now)
    incident.result = result.strip()
    if measures.strip():
        incident.measures = measures.strip()
    incident.closed_at = now
    incident.closed_by = actor
    incident.save(update_fields=["result", "measures", "closed_at", "closed_by"])
    _event(incident, EventType.INCIDENT_CLOSED, actor, at=now, note=incident.result)
    return incident


# --- 物业返修联系单 -------------------------------------------------------------------------------


def slip_send_due_at(created_at: datetime.datetime, limit: Duration) -> datetime.datetime:
    """after_sales.slip_send is a day limit: the end (23:59:59 local) of the N-th calendar or
    working day after the slip was made; 0 = the same day (004 篇3 §4.5 当天)."""
    return limit.end_of_day_after(created_at)


def _slip_policy(slip: DeveloperRepairSlip) -> Policy:
    from policies.selectors import policy_version_get

    return policy_version_get(slip.policy_version_id)


def _note_on_request(actor, request, note: str, now) -> None:
    """The request's own timeline says what happened to its slip (事事有着落,件件有回音)."""
    from service_requests.services import request_add_note

    request_add_note(actor=actor, request=request, internal_note=note, now=now)


@transaction.atomic
def slip_create(*, actor, request, developer, defect: str, now=None) -> DeveloperRepairSlip:
    """Fill in a 物业返修联系单 for a household's developer-warranty defect (售后). It is due at
    the developer's after-sales department the same day (policy after_sales.slip_send)."""
    require_perm(actor, "reception.add_developerrepairslip", action=_("填写物业返修联系单"))
    require_office_in_scope(actor, request.office_id)
    now = _now(now)
    errors: dict[str, list[str]] = {}
    if request.status == Status.CANCELLED:
        errors["request"] = [_("该求助已撤销,不能填写返修联系单")]
    if developer is None:
        errors["developer"] = [_("请选择开发商售后部门")]
    elif (
        developer.kind != DepartmentKind.DEVELOPER_AFTER_SALES
        or not developer.is_active
        or developer.office_id not in (None, request.office_id)
        or developer.company_id != request.office.company_id
    ):
        errors["developer"] = [_("请选择本管理处在用的开发商售后部门")]
    text = defect.strip()
    if not text:
        errors["defect"] = [_("请填写返修内容")]
    elif len(text) > TEXT_MAX_LENGTH:
        errors["defect"] = [_("返修内容不能超过%(n)s字") % {"n": TEXT_MAX_LENGTH}]
    if (
        not errors
        and DeveloperRepairSlip.objects.filter(
            service_request=request, developer=developer, closed_at__isnull=True
        ).exists()
    ):
        errors["developer"] = [_("该求助已有送往此售后部门、尚未完结的返修联系单")]
    _raise(errors)
    version = current_version(request.office)
    policy = Policy(version)
    slip = DeveloperRepairSlip.objects.create(
        office_id=request.office_id,
        service_request=request,
        household_id=request.household_id,
        developer=developer,
        defect=text,
        policy_version=version,
        created_at=now,
        created_by=actor,
        send_due_at=slip_send_due_at(now, policy.duration("after_sales.slip_send")),
    )
    rule = policy.value("after_sales.slip_send").rule
    from service_requests.services import request_deadlines_met

    request_deadlines_met(request=request, kinds={DeadlineKind.AFTER_SALES_SLIP}, now=now)
    _event(
        slip,
        EventType.SLIP_CREATED,
        actor,
        at=now,
        data={
            "request": request.pk,
            "developer": developer.name,
            "send_due_at": slip.send_due_at.isoformat(),
            "clause": rule.clause,
        },
    )
    _note_on_request(
        actor,
        request,
        _("已填写物业返修联系单%(number)s,送%(developer)s")
        % {"number": slip.number, "developer": developer.name},
        now,
    )
    return slip


@transaction.atomic
def slip_send(*, actor, slip: DeveloperRepairSlip, received_by: str, now=None):
    """Record that the slip reached the developer's after-sales department and who signed for
    it; the first chase falls due one chase interval later."""
    slip = _entry_access(actor, slip, "reception.change_developerrepairslip", _("送交返修联系单"))
    if slip.sent_at is not None:
        raise ApplicationError(_("该联系单已送出"), code="already_sent")
    if slip.closed_at is not None:
        raise ApplicationError(_("该联系单已完结"), code="already_closed")
    name = received_by.strip()
    if not name or len(name) > 50:
        message = _("请填写售后签收人") if not name else _("签收人不能超过50字")
        raise ApplicationError(message, field_errors={"received_by": [message]})
    now = _now(now)
    interval = _slip_policy(slip).duration("after_sales.chase_interval")
    slip.sent_at = now
    slip.sent_by = actor
    slip.received_by = name
    slip.status = SlipStatus.SENT
    slip.next_chase_at = interval.after(now)
    slip.save(update_fields=["sent_at", "sent_by", "received_by", "status", "next_chase_at"])
    _event(
        slip,
        EventType.SLIP_SENT,
        actor,
        at=now,
        data={"received_by": name, "on_time": now <= slip.send_due_at},
    )
    return slip


@transaction.atomic
def slip_chase(*, actor, slip: DeveloperRepairSlip, note: str, now=None):
    """One dated chase of the developer (督促落实): what was asked and what they said."""
    slip = _entry_access(actor, slip, "reception.change_developerrepairslip", _("督促售后"))
    if slip.sent_at is None:
        raise ApplicationError(_("联系单尚未送出,请先登记送出"), code="not_sent")
    if slip.answered_at is not None or slip.closed_at is not None:
        raise ApplicationError(_("售后已答复,无需再督促"), code="already_answered")
    text = note.strip()
    if not text:
        raise ApplicationError(_("请填写督促情况"), field_errors={"note": [_("请填写督促情况")]})
    now = _now(now)
    interval = _slip_policy(slip).duration("after_sales.chase_interval")
    slip.chase_count += 1
    slip.last_chased_at = now
    slip.next_chase_at = interval.after(now)
    slip.save(update_fields=["chase_count", "last_chased_at", "next_chase_at"])
    _event(
        slip,
        EventType.SLIP_CHASED,
        actor,
        at=now,
        note=text,
        data={"number": slip.chase_count},
    )
    return slip


@transaction.atomic
def slip_record_answer(
    *,
    actor,
    slip: DeveloperRepairSlip,
    answer: str,
    promised_on: datetime.date | None = None,
    now=None,
):
    """The developer answered: chasing stops."""
    slip = _entry_access(actor, slip, "reception.change_developerrepairslip", _("登记售后答复"))
    if slip.sent_at is None:
        raise ApplicationError(_("联系单尚未送出,请先登记送出"), code="not_sent")
    if slip.answered_at is not None or slip.closed_at is not None:
        raise ApplicationError(_("已登记过售后答复"), code="already_answered")
    text = answer.strip()
    if not text:
        raise ApplicationError(
            _("请填写售后答复内容"), field_errors={"answer": [_("请填写售后答复内容")]}
        )
    now = _now(now)
    slip.answered_at = now
    slip.developer_answer = text
    slip.promised_on = promised_on
    slip.status = SlipStatus.ANSWERED
    slip.next_chase_at = None
    slip.save(
        update_fields=["answered_at", "developer_answer", "promised_on", "status", "next_chase_at"]
    )
    _event(
        slip,
        EventType.SLIP_ANSWERED,
        actor,
        at=now,
        note=text,
        data={"promised_on": promised_on.isoformat() if promised_on else None},
    )
    _note_on_request(
        actor,
        slip.service_request,
        _("开发商售后已答复(%(number)s):%(answer)s") % {"number": slip.number, "answer": text},
        now,
    )
    return slip


@transaction.atomic
def slip_close(*, actor, slip: DeveloperRepairSlip, result: str, now=None):
    """Record the repair's result and close the slip (004 篇3 §4.11)."""
    slip = _entry_access(actor, slip, "reception.change_developerrepairslip", _("完结返修联系单"))
    if slip.closed_at is not None:
        raise ApplicationError(_("该联系单已完结"), code="already_closed")
    if slip.answered_at is None:
        raise ApplicationError(_("售后尚未答复,不能完结;请继续督促"), code="not_answered")
    text = result.strip()
    if not text:
        raise ApplicationError(_("请填写返修结果"), field_errors={"result": [_("请填写返修结果")]})
    now = _now(now)
    slip.result = text
    slip.closed_at = now
    slip.status = SlipStatus.CLOSED
    slip.save(update_fields=["result", "closed_at", "status"])
    _event(slip, EventType.SLIP_CLOSED, actor, at=now, note=text)
    return slip


# --- 表扬与建议 ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteData:
    kind: str
    received_at: datetime.datetime | None
    from_name: str
    content: str
    household: object | None = None
    staff_praised: object | None = None  # organization.Staff


@transaction.atomic
def note_record(*, actor, office, data: NoteData, now=None) -> ReceptionNote:
    """Register a resident's praise (of a staff member) or suggestion."""
    require_perm(actor, "reception.add_receptionnote", action=_("登记表扬或建议"))
    require_office_in_scope(actor, office.pk)
    now = _now(now)
    errors: dict[str, list[str]] = {}
    if data.kind not in NoteKind.values:
        errors["kind"] = [_("请选择表扬或建议")]
    _not_future(errors, "received_at", data.received_at, now, _("请填写接待时间"))
    _required(errors, data, "from_name", _("请填写业主/住户姓名"), max_length=50)
    _required(errors, data, "content", _("请填写内容"), max_length=TEXT_MAX_LENGTH)
    if data.household is not None and data.household.office_id != office.pk:
        errors["household"] = [_("该住户不属于本管理处")]
    if data.kind == NoteKind.PRAISE:
        if data.staff_praised is None:
            errors["staff_praised"] = [_("请选择被表扬的员工")]
        elif not data.staff_praised.offices.filter(pk=office.pk).exists():
            errors["staff_praised"] = [_("被表扬的员工须为本管理处员工")]
    elif data.staff_praised is not None:
        errors["staff_praised"] = [_("建议无需选择员工")]
    _raise(errors)
    note = ReceptionNote.objects.create(
        office=office,
        kind=data.kind,
        received_at=data.received_at,
        from_name=data.from_name.strip(),
        household=data.household,
        content=data.content.strip(),
        staff_praised=data.staff_praised,
        recorded_at=now,
        recorded_by=actor,
    )
    _event(note, EventType.NOTE_RECORDED, actor, at=now, data={"kind": data.kind})
    return note


@transaction.atomic
def praise_verify(*, actor, note: ReceptionNote, verified_true: bool, outcome: str, now=None):
    """查证属实 → reward under the staff handbook (the outcome says which); not true → closed
    with the finding. Done by a supervisor or above."""
    require_perm(actor, "reception.verify_praise", action=_("查证表扬"))
    note = _entry_access(actor, note, "reception.change_receptionnote", _("查证表扬"))
    if note.kind != NoteKind.PRAISE:
        raise ApplicationError(_("只有表扬需要查证"), code="invalid_kind")
    if note.verified_at is not None:
        raise ApplicationError(_("该表扬已查证"), code="already_verified")
    text = outcome.strip()
    if not text:
        raise ApplicationError(
            _("请填写查证情况及奖励"), field_errors={"outcome": [_("请填写查证情况及奖励")]}
        )
    now = _now(now)
    note.verified_at = now
    note.verified_by = actor
    note.verified_true = bool(verified_true)
    note.outcome = text
    note.closed_at = now
    note.save(update_fields=["verified_at", "verified_by", "verified_true", "outcome", "closed_at"])
    _event(
        note,
        EventType.PRAISE_VERIFIED,
        actor,
        at=now,
        note=text,
        data={"verified_true": note.verified_true},
    )
    return note


@transaction.atomic
def suggestion_forward(*, actor, note: ReceptionNote, manager, now=None):
    """收集上报项目经理: the suggestion goes to a manager of this office, who is notified."""
    from notifications.services import notify_users

    note = _entry_access(actor, note, "reception.change_receptionnote", _("上报建议"))
    if note.kind != NoteKind.SUGGESTION:
        raise ApplicationError(_("只有建议需要上报项目经理"), code="invalid_kind")
    if note.forwarded_at is not None:
        raise ApplicationError(_("该建议已上报"), code="already_forwarded")
    staff = getattr(manager, "staff", None) if manager is not None else None
    if (
        staff is None
        or not staff.offices.filter(pk=note.office_id).exists()
        or not staff.roles.filter(code="office_manager").exists()
    ):
        raise ApplicationError(
            _("请选择本管理处的管理处经理(项目经理)"),
            field_errors={"manager": [_("请选择本管理处的管理处经理(项目经理)")]},
        )
    now = _now(now)
    note.forwarded_to = manager
    note.forwarded_at = now
    note.save(update_fields=["forwarded_to", "forwarded_at"])
    _event(note, EventType.SUGGESTION_FORWARDED, actor, at=now, data={"manager": manager.pk})
    notify_users(
        office=note.office,
        users=[manager],
        subject=_("业主建议待阅:%(name)s") % {"name": note.from_name},
        body=note.content[:500],
        link=f"/reception/notes/{note.pk}/",
        dedupe_key=f"reception-note:{note.pk}:forwarded",
        now=now,
    )
    return note


@transaction.atomic
def note_close(*, actor, note: ReceptionNote, outcome: str, now=None):
    """Record how a suggestion was acted on and close it out (004 篇3 §4.11)."""
    note = _entry_access(actor, note, "reception.change_receptionnote", _("登记落实情况"))
    if note.closed_at is not None:
        raise ApplicationError(_("该记录已落实完毕"), code="already_closed")
    if note.kind == NoteKind.PRAISE:
        raise ApplicationError(_("表扬在查证时完结"), code="invalid_kind")
    if note.forwarded_at is None:
        raise ApplicationError(_("请先将建议上报项目经理"), code="not_forwarded")
    text = outcome.strip()
    if not text:
        raise ApplicationError(_("请填写落实情况"), field_errors={"outcome": [_("请填写落实情况")]})
    now = _now(now)
    note.outcome = text
    note.closed_at = now
    note.save(update_fields=["outcome", "closed_at"])
    _event(note, EventType.NOTE_CLOSED, actor, at=now, note=text)
    return note


# --- 住户求助登记表归档 (000 篇3 §4.10: 于次年年初归入管理处统一归档,保存期2年) ----------------

FIRST_ARCHIVE_YEAR = 2000
OPEN_NUMBERS_SHOWN = 5


@transaction.atomic
def help_register_archive(*, actor, office, year: int, now=None) -> HelpRegisterArchive:
    """File one office's help register for a finished year: the register in Excel and every
    request of the year with its timeline and deadlines in JSON, under settings.ARCHIVE_DIR,
    each file's SHA-256 kept on the archive row, with a register event.

    `actor` None is the system (the command line without --by). Refused, with nothing written:
    the current or a future year (not over yet), a year already archived (says where), and a
    year with requests still open (how many, and the first numbers), which staff must close or
    refer first. No request is changed or deleted: the database keeps them all."""
    from organization.models import ManagementOffice
    from policies.selectors import policy_for_office
    from reception import archive, selectors

    if actor is not None:
        require_perm(actor, "reception.add_helpregisterarchive", action=_("归档住户求助登记表"))
        require_office_in_scope(actor, office.pk)
    now = _now(now)
    # One archive at a time per office: the second waits here, then finds the first one's row.
    # NO KEY UPDATE: rows referencing the office (a new request, a notice) are not held up for
    # the seconds the archive takes, only another archive or a change of the office itself.
    office = ManagementOffice.objects.select_for_update(no_key=True).get(pk=office.pk)
    if year < FIRST_ARCHIVE_YEAR:
        raise ApplicationError(
            _("年度不正确:%(year)s") % {"year": year},
            code="invalid_year",
            field_errors={"year": [_("年度不正确:%(year)s") % {"year": year}]},
        )
    this_year = timezone.localdate(now).year
    if year >= this_year:
        message = _(
            "%(year)s年尚未结束:住户求助登记表于次年年初归档,请于%(next)s年1月1日起再归档。"
        ) % {"year": year, "next": year + 1}
        raise ApplicationError(message, code="year_not_over", field_errors={"year": [message]})
    done = selectors.help_register_archive_find(office=office, year=year)
    if done is not None:
        message = _("%(office)s %(year)s年的住户求助登记表已于%(at)s归档,归档目录:%(path)s") % {
            "office": office.name,
            "year": year,
            "at": f"{timezone.localtime(done.archived_at):%Y-%m-%d %H:%M}",
            "path": done.directory,
        }
        raise ApplicationError(
            message,
            code="already_archived",
            field_errors={"year": [message]},
            extra={"archive_id": done.pk, "directory": str(archive.file_path(done, ""))},
        )
    still_open = selectors.help_register_year_open(office=office, year=year)
    count = still_open.count()
    if count:
        numbers = [r.number for r in still_open[:OPEN_NUMBERS_SHOWN]]
        shown = "、".join(numbers) + (_("等") if count > len(numbers) else "")
        message = _("%(year)s年还有%(n)s件求助未办结(%(numbers)s),请先办结或转介后再归档。") % {
            "year": year,
            "n": count,
            "numbers": shown,
        }
        raise ApplicationError(
            message,
            code="requests_open",
            field_errors={"year": [message]},
            extra={"count": count, "numbers": numbers},
        )

    retention = policy_for_office(office).integer("retention.help_register")
    content = archive.build(office=office, year=year, now=now)
    directory = archive.relative_directory(office, year)
    stem = archive.file_stem(office, year)
    files = {f"{stem}.xlsx": content.register, f"{stem}.json": content.data}
    written = archive.write_files(archive.archive_root() / directory, files)
    try:
        row = HelpRegisterArchive.objects.create(
            office=office,
            year=year,
            directory=directory,
            register_file=f"{stem}.xlsx",
            register_sha256=archive.sha256(content.register),
            data_file=f"{stem}.json",
            data_sha256=archive.sha256(content.data),
            request_count=content.request_count,
            event_count=content.event_count,
            deadline_count=content.deadline_count,
            retention_years=retention,
            keep_until=archive.keep_until(year, retention),
            archived_at=now,
            archived_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        _event(
            row,
            EventType.HELP_REGISTER_ARCHIVED,
            actor,
            at=now,
            note=_("归档%(year)s年住户求助登记表,共%(n)s件求助")
            % {"year": year, "n": row.request_count},
            data={
                "year": year,
                "directory": directory,
                "files": {name: sha for _kind, name, sha in row.files},
                "requests": row.request_count,
                "events": row.event_count,
                "deadlines": row.deadline_count,
                "keep_until": row.keep_until.isoformat(),
            },
        )
    except BaseException:
        archive.remove_files(written)  # nothing recorded: leave no file behind either
        raise
    # Should an outer transaction roll back later, the files stay without a row: they are not
    # an archive (nothing lists them) and the next attempt writes them again.
    return row
