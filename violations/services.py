"""Every change of a violation case (SOP.md §8; 000 篇4, 6–9) goes through one function here:
authority (the role's permission; for a measure the policy's signing roles) → scope (another
office's case is "not found") → validation (each prerequisite the SOP sets, refused with a
Chinese message naming what is missing) → the write and its CaseEvent in one transaction. A
refusal changes nothing.
"""

import datetime
import hashlib
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.authz import require_office_in_scope, require_perm
from core.exceptions import ApplicationError, PermissionDeniedError
from core.images import STRIPPED_TYPES
from notifications.services import notify_role
from policies.selectors import Policy, policy_for_office
from service_requests.attachments import (
    ALLOWED_TYPES,
    MB,
    SNIFF_BYTES,
    image_without_metadata,
    sniff_content_type,
)
from violations import notices
from violations.authority import decision_refusal, signing_roles
from violations.choices import (
    CHARGES,
    PENALTIES,
    PERSUASION_MEASURES,
    EventType,
    Kind,
    Measure,
    NoticeKind,
    Outcome,
    Severity,
    Status,
    SubKind,
    Utility,
    kind_of,
    ladder_for,
)
from violations.models import (
    TEXT_MAX_LENGTH,
    CaseEvent,
    CaseMeasure,
    CasePhoto,
    ChargeBatch,
    CoordinationSlip,
    CovenantClause,
    NoticePrint,
    NoticeTemplate,
    ViolationCase,
    ViolationNotice,
)

FUTURE_TOLERANCE = datetime.timedelta(minutes=1)
# Measures that issue a printed notice when they are decided.
NOTICE_OF = {
    Measure.RECTIFICATION: NoticeKind.RECTIFICATION,
    Measure.REMINDER_LETTER: NoticeKind.REMINDER_LETTER,
}
# Measures that publish the household's name: the owners' committee must support them first
# (000 篇8 §4.5.4; 002 篇6 §4.3: arrears are published by the committee).
NEED_COMMITTEE = frozenset({Measure.PUBLIC_CRITICISM, Measure.COMMITTEE_NOTICE})


def _now(now):
    return now or timezone.now()


def _event(case, type, actor, *, at, note="", data=None) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        type=type,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        at=at,
        note=note,
        data=data or {},
    )


def _refuse(message, *, field=None, code="invalid", missing=None):
    raise ApplicationError(
        message,
        code=code,
        field_errors={field: [message]} if field else None,
        extra={"missing": missing} if missing else None,
    )


def _text(errors, field, value, message, *, max_length=TEXT_MAX_LENGTH, required=True) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[field] = [message]
    elif len(value) > max_length:
        errors[field] = [_("不能超过%(n)s字,现有%(len)s字") % {"n": max_length, "len": len(value)}]
    return value


def _raise(errors):
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], field_errors=errors)


def _access(actor, case, perm, action) -> ViolationCase:
    """Permission, then scope, then the row re-read under a lock (the caller's copy may be
    stale; two people cannot act on the same case at once)."""
    require_perm(actor, perm, action=action)
    require_office_in_scope(actor, case.office_id)
    return ViolationCase.objects.select_for_update().select_related("household").get(pk=case.pk)


def _require_open(case):
    if not case.is_open:
        _refuse(_("该违章事件已结案,不能再办理"), code="case_closed")


def _estate_of(case):
    return case.household.unit.building.estate


def derive_severity(*, harms_residents: bool, harms_office_finances: bool, harms_public_safety):
    """000 篇8 §4.3.7: general unless residents' interests, the office's finances or public
    safety were harmed."""
    if harms_residents or harms_office_finances or harms_public_safety:
        return Severity.MAJOR
    return Severity.GENERAL


# --- 业主公约 ------------------------------------------------------------------------------------


@transaction.atomic
def covenant_clause_record(*, actor, estate, text: str, allows_utility_cut: bool, now=None):
    """Record a clause of the estate's owners' covenant (000 篇8 §4.1.2, §4.5.5(a))."""
    require_perm(actor, "violations.manage_covenant_clauses", action=_("登记业主公约条款"))
    require_office_in_scope(actor, estate.office_id)
    errors = {}
    text = _text(errors, "text", text, _("请填写条款原文"))
    _raise(errors)
    return CovenantClause.objects.create(
        office_id=estate.office_id,
        estate=estate,
        text=text,
        allows_utility_cut=allows_utility_cut,
        recorded_at=_now(now),
        recorded_by=actor,
    )


# --- Registering ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseData:
    household: object
    sub_kind: str
    place: str
    occurred_at: datetime.datetime | None
    description: str
    reported_by: str
    harms_residents: bool = False
    harms_office_finances: bool = False
    harms_public_safety: bool = False
    persuaded_on_site: bool = False
    arrears_amount: Decimal | None = None


@dataclass(frozen=True)
class SlipData:
    """A 协调单 issued with the case (offices that use it: 000 篇4 §4.4.2(a))."""

    addressed_to: str
    content: str


def _photo_checks(files, *, policy: Policy, existing: int):
    """Check every photo without storing anything; (file as it will be stored, name, type, size)
    each. A JPEG, PNG or WebP is stored without its metadata — a phone photo's EXIF carries
    where it was taken (GPS) and with which camera, evidence of a resident's home that staff
    and finance download (SOP.md §8 records) — turned upright, and only if it decodes; its size
    and SHA-256 are those of the stored bytes (core/images.py, as for requests' attachments)."""
    max_mb = policy.integer("violations.photo_max_mb")
    max_count = policy.integer("violations.photos_max_count")
    errors, checked = [], []
    if existing + len(files) > max_count:
        errors.append(
            _("每个违章事件最多%(max)s张照片(策略“每个违章事件的照片数上限”),已有%(have)s张")
            % {"max": max_count, "have": existing}
        )
    for file in files:
        name = (getattr(file, "name", "") or _("未命名")).rsplit("/", 1)[-1][-200:]
        size = file.size or 0
        if size == 0 or size > max_mb * MB:
            errors.append(
                _("“%(name)s”为空或超过%(max)sMB(策略“违章照片大小上限”)")
                % {"name": name, "max": max_mb}
            )
            continue
        file.seek(0)
        content_type = sniff_content_type(file.read(SNIFF_BYTES))
        file.seek(0)
        if content_type is None:
            errors.append(
                _("“%(name)s”不是允许的文件类型:只能上传 JPEG、PNG、WebP、HEIC 图片或 PDF 文件")
                % {"name": name}
            )
            continue
        if content_type in STRIPPED_TYPES:
            file, error = image_without_metadata(file, name=name, content_type=content_type)
            if error:
                errors.append(error)
                continue
            size = file.size
        checked.append((file, name, content_type, size))
    if errors:
        raise ApplicationError(errors[0], field_errors={"photos": errors}, code="invalid_file")
    return checked


def _store_photos(case, checked, *, actor, now, stored: list):
    for file, name, content_type, size in checked:
        digest = hashlib.sha256()
        file.seek(0)
        for chunk in file.chunks() if hasattr(file, "chunks") else [file.read()]:
            digest.update(chunk)
        file.seek(0)
        path = default_storage.save(
            f"violations/{case.office_id}/{case.pk}/{uuid.uuid4().hex}{ALLOWED_TYPES[content_type]}",
            file,
        )
        stored.append(path)
        photo = CasePhoto.objects.create(
            case=case,
            file=path,
            original_name=name,
            content_type=content_type,
            size=size,
            sha256=digest.hexdigest(),
            uploaded_by=actor,
            uploaded_at=now,
        )
        _event(case, EventType.PHOTO_ADDED, actor, at=now, data={"photo": photo.pk, "name": name})


def _with_files(write):
    """Run `write(stored)`; files it stored are removed again if the transaction fails."""
    stored: list[str] = []
    try:
        with transaction.atomic():
            return write(stored)
    except BaseException:
        for path in stored:
            default_storage.delete(path)
        raise


def case_register(
    *, actor, office, data: CaseData, photos=(), slip: SlipData | None = None, now=None
) -> ViolationCase:
    """Register a violation in the 住户违章事件记录表 (000 篇6 §4.4.2): general cases are sent to
    the supervisor, major ones to the office manager (policy roles), with photos and, where the
    office uses it, a 协调单 — all or nothing."""
    require_perm(actor, "violations.add_violationcase", action=_("登记住户违章"))
    require_office_in_scope(actor, office.pk)
    now = _now(now)
    policy = policy_for_office(office)
    errors: dict[str, list[str]] = {}
    if data.household is None:
        errors["household"] = [_("请选择违章住户")]
    elif data.household.office_id != office.pk:
        errors["household"] = [_("该住户不属于本管理处")]
    if data.sub_kind not in SubKind.values:
        errors["sub_kind"] = [_("请选择违章现象")]
    place = _text(errors, "place", data.place, _("请填写地点"), max_length=200)
    if data.occurred_at is None:
        errors["occurred_at"] = [_("请填写发现时间")]
    elif data.occurred_at > now + FUTURE_TOLERANCE:
        errors["occurred_at"] = [_("时间不能晚于现在")]
    description = _text(errors, "description", data.description, _("请填写违章情况"))
    reported_by = _text(errors, "reported_by", data.reported_by, _("请填写报告人"), max_length=50)
    if data.arrears_amount is not None and data.arrears_amount < 0:
        errors["arrears_amount"] = [_("欠费金额不能为负数")]
    slip_to = slip_content = ""
    if slip is not None:
        slip_to = _text(
            errors, "slip_to", slip.addressed_to, _("请填写协调部门/对象"), max_length=100
        )
        slip_content = _text(errors, "slip_content", slip.content, _("请填写协调事项"))
    _raise(errors)
    checked = _photo_checks(list(photos), policy=policy, existing=0)
    kind = kind_of(data.sub_kind)
    severity = derive_severity(
        harms_residents=data.harms_residents,
        harms_office_finances=data.harms_office_finances,
        harms_public_safety=data.harms_public_safety,
    )

    def write(stored):
        case = ViolationCase.objects.create(
            office=office,
            household=data.household,
            kind=kind,
            sub_kind=data.sub_kind,
            place=place,
            occurred_at=data.occurred_at,
            description=description,
            reported_by=reported_by,
            persuaded_on_site=data.persuaded_on_site,
            harms_residents=data.harms_residents,
            harms_office_finances=data.harms_office_finances,
            harms_public_safety=data.harms_public_safety,
            severity=severity,
            arrears_amount=data.arrears_amount if kind == Kind.FEE_REFUSAL else None,
            registered_at=now,
            registered_by=actor,
        )
        _event(case, EventType.CASE_REGISTERED, actor, at=now, data={"severity": severity})
        if data.persuaded_on_site:
            first = ladder_for(kind)[0]
            CaseMeasure.objects.create(
                case=case,
                kind=first,
                decided_at=data.occurred_at,
                decided_by=actor,
                reason=_("发现人当场劝导(000 篇4 §4.4.1)"),
                outcome=_("住户未理会,报客服中心"),
                policy_number=policy.number,
            )
        if slip is not None:
            _slip_create(case, actor, slip_to, slip_content, now)
        _store_photos(case, checked, actor=actor, now=now, stored=stored)
        _notify_registered(case, policy, now)
        return case

    return _with_files(write)


def _notify_registered(case, policy, now):
    key = (
        "violations.major_handler_roles"
        if case.severity == Severity.MAJOR
        else "violations.general_handler_roles"
    )
    subject = _("%(severity)s:%(unit)s %(what)s") % {
        "severity": case.get_severity_display(),
        "unit": case.household.unit.label,
        "what": case.get_sub_kind_display(),
    }
    for role in policy.roles(key):
        notify_role(
            office=case.office,
            role_code=role,
            subject=subject[:200],
            body=case.description[:500],
            link=reverse("violations:case_detail", args=[case.pk]),
            dedupe_key=f"violation:{case.pk}:registered:{role}",
            now=now,
        )


def case_add_photos(*, actor, case, photos, now=None) -> list[CasePhoto]:
    now = _now(now)
    photos = list(photos)
    if not photos:
        _refuse(_("请选择要上传的照片"), field="photos")

    def write(stored):
        locked = _access(actor, case, "violations.change_violationcase", _("上传违章照片"))
        checked = _photo_checks(
            photos,
            policy=policy_for_office(locked.office),
            existing=CasePhoto.objects.filter(case=locked).count(),
        )
        _store_photos(locked, checked, actor=actor, now=now, stored=stored)
        return list(CasePhoto.objects.filter(case=locked))

    return _with_files(write)


def _slip_create(case, actor, addressed_to, content, now):
    year = timezone.localtime(now).year
    last = (
        CoordinationSlip.objects.select_for_update()
        .filter(office_id=case.office_id, year=year)
        .order_by("-sequence")
        .first()
    )
    slip = CoordinationSlip.objects.create(
        office_id=case.office_id,
        case=case,
        year=year,
        sequence=(last.sequence if last else 0) + 1,
        addressed_to=addressed_to,
        content=content,
        issued_at=now,
        issued_by=actor,
    )
    _event(case, EventType.SLIP_ISSUED, actor, at=now, note=slip.number)
    return slip


@transaction.atomic
def slip_issue(*, actor, case, addressed_to: str, content: str, now=None) -> CoordinationSlip:
    """Issue the case's 协调单 and log it in the 协调单登记表 (000 篇4 §4.4.2(a))."""
    case = _access(actor, case, "violations.change_violationcase", _("发出协调单"))
    _require_open(case)
    if CoordinationSlip.objects.filter(case=case).exists():
        _refuse(_("该违章事件已发出协调单"), code="slip_exists")
    errors = {}
    addressed_to = _text(
        errors, "addressed_to", addressed_to, _("请填写协调部门/对象"), max_length=100
    )
    content = _text(errors, "content", content, _("请填写协调事项"))
    _raise(errors)
    return _slip_create(case, actor, addressed_to, content, _now(now))


# --- The measures ladder -------------------------------------------------------------------------


def _covenant_allows_cut(case) -> bool:
    return CovenantClause.objects.filter(estate=_estate_of(case), allows_utility_cut=True).exists()


def _cut_prerequisites_missing(case, notice, policy: Policy, now) -> list[str]:
    """What a utility cut still lacks (000 篇8 §4.5.5 (a)–(c)); the decision is checked apart."""
    missing = []
    if not _covenant_allows_cut(case):
        missing.append(_("本小区《业主公约》中没有登记约定可停水停电的条款"))
    notice_period = policy.duration("violations.utility_cut_notice")
    visit_period = policy.duration("violations.utility_cut_visit")
    if notice is None or notice.delivered_at is None:
        missing.append(
            _("停水停电书面通知尚未送达住户(须提前%(period)s)") % {"period": notice_period}
        )
    else:
        if notice_period.after(notice.delivered_at) > now:
            missing.append(
                _("书面通知于%(at)s送达,未满提前%(period)s")
                % {
                    "at": f"{timezone.localtime(notice.delivered_at):%Y-%m-%d %H:%M}",
                    "period": notice_period,
                }
            )
        if notice.effective_on and notice.effective_on > now + FUTURE_TOLERANCE:
            missing.append(
                _("通知书写明的停水停电时间是%(at)s,未到该时间")
                % {"at": f"{timezone.localtime(notice.effective_on):%Y-%m-%d %H:%M}"}
            )
    if notice is None or notice.visited_at is None:
        missing.append(
            _("停水停电前未再次登门告知住户(须提前%(period)s)") % {"period": visit_period}
        )
    elif visit_period.after(notice.visited_at) > now:
        missing.append(
            _("登门告知于%(at)s,距停水停电不足%(period)s")
            % {"at": f"{timezone.localtime(notice.visited_at):%H:%M}", "period": visit_period}
        )
    return missing


def _latest_cut_notice(case):
    return (
        ViolationNotice.objects.filter(case=case, kind=NoticeKind.UTILITY_CUT)
        .order_by("-issued_at", "-id")
        .first()
    )


@dataclass(frozen=True)
class MeasureData:
    kind: str
    reason: str
    outcome: str = ""
    deadline: datetime.date | None = None  # rectification, reminder letter
    amount: Decimal | None = None  # compensation, late fee
    utility: str = ""  # utility cut (taken from its notice when blank)


def measure_record(*, actor, case, data: MeasureData, now=None) -> CaseMeasure:
    """Record a step on the ladder (000 篇8 §4.4.1–4.4.2, §4.5). Persuasion by anyone who
    handles violations; every other measure only signed by the policy's roles; the refusal
    names each missing prerequisite and changes nothing."""
    with transaction.atomic():
        return _measure_record(actor=actor, case=case, data=data, now=_now(now))


def _measure_record(*, actor, case, data: MeasureData, now):
    kind = data.kind
    # Signing a measure is a matter of the policy's roles (checked below), which may be
    # company-level roles that do not handle cases day to day; persuasion needs the handling
    # permission.
    perm = (
        "violations.change_violationcase"
        if kind in PERSUASION_MEASURES
        else "violations.view_violationcase"
    )
    case = _access(actor, case, perm, _("记录违章处理措施"))
    _require_open(case)
    policy = policy_for_office(case.office)
    if kind not in ladder_for(case.kind):
        _refuse(
            _("“%(measure)s”不是此类违章的处理方式") % {"measure": Measure(kind).label}
            if kind in Measure.values
            else _("请选择处理措施"),
            field="kind",
        )
    refusal = decision_refusal(actor, case, kind, policy)
    if refusal:
        raise PermissionDeniedError(refusal, extra={"missing": ["signature"]})
    errors = {}
    reason = _text(errors, "reason", data.reason, _("请填写理由"))
    outcome = _text(errors, "outcome", data.outcome, "", required=False)
    today = timezone.localdate(now)
    if kind in NOTICE_OF:
        if data.deadline is None:
            errors["deadline"] = [_("请填写期限")]
        elif data.deadline <= today:
            errors["deadline"] = [_("期限须晚于今天(%(today)s)") % {"today": today.isoformat()}]
    if kind in CHARGES and (data.amount is None or data.amount <= 0):
        errors["amount"] = [_("请填写金额(元),须大于0")]
    _raise(errors)
    if kind in NEED_COMMITTEE and case.committee_support_at is None:
        _refuse(
            _("“%(measure)s”须先取得业主委员会的支持,尚未记录业主委员会支持")
            % {"measure": Measure(kind).label},
            code="prerequisite_missing",
            missing=["committee_support"],
        )
    notice = None
    utility = data.utility
    if kind == Measure.UTILITY_CUT:
        if CaseMeasure.objects.filter(
            case=case, kind=Measure.UTILITY_CUT, restored_at__isnull=True
        ).exists():
            _refuse(_("已在停水停电中"), code="cut_in_force")
        notice = _latest_cut_notice(case)
        missing = _cut_prerequisites_missing(case, notice, policy, now)
        if missing:
            _refuse(
                _("不能停水停电,缺少:") + ";".join(missing),
                code="prerequisite_missing",
                missing=missing,
            )
        utility = notice.utility or Utility.BOTH
    measure = CaseMeasure.objects.create(
        case=case,
        kind=kind,
        decided_at=now,
        decided_by=actor,
        decided_as=_signed_as(actor, case, kind, policy),
        reason=reason,
        outcome=outcome,
        deadline=data.deadline if kind in NOTICE_OF else None,
        amount=data.amount if kind in CHARGES else None,
        utility=utility if kind == Measure.UTILITY_CUT else "",
        notice=notice,
        policy_number=policy.number,
    )
    if kind in NOTICE_OF:
        notice = _notice_create(
            case,
            NOTICE_OF[kind],
            actor,
            now,
            effective_on=data.deadline,
            amount=case.arrears_amount,
        )
        measure.notice = notice
        measure.save(update_fields=["notice"])
    _event(
        case,
        EventType.MEASURE_RECORDED,
        actor,
        at=now,
        note=reason,
        data={"measure": measure.pk, "kind": kind, "policy": policy.number},
    )
    if kind in PENALTIES and not case.followup_due:
        case.followup_due = True
        case.save(update_fields=["followup_due"])
    return measure


def _signed_as(actor, case, kind, policy) -> str:
    from violations.authority import actor_roles

    if kind in PERSUASION_MEASURES:
        return ""
    held = actor_roles(actor)
    return next((code for code in signing_roles(policy, case, kind) if code in held), "")


@transaction.atomic
def measure_outcome_record(*, actor, measure: CaseMeasure, outcome: str, now=None):
    """Add what came of a step (the household rectified, paid, ignored it…)."""
    case = _access(actor, measure.case, "violations.change_violationcase", _("记录措施结果"))
    errors = {}
    outcome = _text(errors, "outcome", outcome, _("请填写结果"))
    _raise(errors)
    measure = CaseMeasure.objects.select_for_update().get(pk=measure.pk)
    measure.outcome = outcome
    measure.save(update_fields=["outcome"])
    _event(
        case,
        EventType.MEASURE_OUTCOME_RECORDED,
        actor,
        at=_now(now),
        note=outcome,
        data={"measure": measure.pk},
    )
    return measure


# --- Notices -------------------------------------------------------------------------------------


def _notice_create(case, kind, actor, now, *, effective_on=None, utility="", amount=None):
    title, body = notices.template_for(case.office, kind)
    values = notices.values_for(
        case,
        effective_on=effective_on,
        amount=amount,
        utility_label=Utility(utility).label if utility else "",
        now=now,
    )
    if isinstance(effective_on, datetime.date) and not isinstance(effective_on, datetime.datetime):
        effective_on = datetime.datetime.combine(
            effective_on, datetime.time(23, 59), tzinfo=timezone.get_current_timezone()
        )
    notice = ViolationNotice.objects.create(
        case=case,
        kind=kind,
        title=notices.fill(title, values),
        body=notices.fill(body, values),
        effective_on=effective_on,
        utility=utility,
        issued_at=now,
        issued_by=actor,
    )
    _event(
        case,
        EventType.NOTICE_ISSUED,
        actor,
        at=now,
        note=notice.title,
        data={"notice": notice.pk, "kind": kind},
    )
    return notice


@transaction.atomic
def utility_cut_notice_issue(
    *, actor, case, cut_at: datetime.datetime | None, utility: str, now=None
):
    """The written notice of a cut (000 篇8 §4.5.5(b)): signed like the cut itself, only where
    the covenant allows it, for a time at least the policy's notice period away."""
    case = _access(actor, case, "violations.change_violationcase", _("发出停水停电通知"))
    _require_open(case)
    now = _now(now)
    policy = policy_for_office(case.office)
    if Measure.UTILITY_CUT not in ladder_for(case.kind):
        _refuse(_("此类违章不适用停水停电"))
    refusal = decision_refusal(actor, case, Measure.UTILITY_CUT, policy)
    if refusal:
        raise PermissionDeniedError(refusal)
    period = policy.duration("violations.utility_cut_notice")
    if utility not in Utility.values:
        _refuse(_("请选择停水、停电或停水停电"), field="utility")
    if cut_at is None:
        _refuse(_("请填写停水停电时间"), field="cut_at")
    if cut_at <= now:
        _refuse(_("停水停电时间不能早于现在"), field="cut_at", code="date_in_past")
    if cut_at < period.after(now):
        _refuse(
            _("停水停电时间须在通知送达至少%(period)s之后(策略“停水停电书面通知提前时间”)")
            % {"period": period},
            field="cut_at",
            code="notice_too_short",
        )
    if not _covenant_allows_cut(case):
        _refuse(
            _("本小区《业主公约》中没有登记约定可停水停电的条款,不能发出停水停电通知"),
            code="prerequisite_missing",
            missing=["covenant_clause"],
        )
    return _notice_create(
        case, NoticeKind.UTILITY_CUT, actor, now, effective_on=cut_at, utility=utility
    )


def _notice_access(actor, notice, action):
    case = _access(actor, notice.case, "violations.change_violationcase", action)
    return case, ViolationNotice.objects.select_for_update().get(pk=notice.pk)


@transaction.atomic
def notice_deliver(*, actor, notice, delivered_at, delivered_to: str, now=None):
    """The notice reached the household (signed for by `delivered_to`)."""
    case, notice = _notice_access(actor, notice, _("登记通知书送达"))
    _require_open(case)
    now = _now(now)
    errors = {}
    delivered_to = _text(errors, "delivered_to", delivered_to, _("请填写签收人"), max_length=50)
    if delivered_at is None:
        errors["delivered_at"] = [_("请填写送达时间")]
    elif delivered_at > now + FUTURE_TOLERANCE:
        errors["delivered_at"] = [_("时间不能晚于现在")]
    elif delivered_at < notice.issued_at:
        errors["delivered_at"] = [_("送达时间不能早于发出时间")]
    _raise(errors)
    if notice.delivered_at is not None:
        _refuse(_("该通知书已登记送达"), code="already_delivered")
    notice.delivered_at = delivered_at
    notice.delivered_to = delivered_to
    notice.save(update_fields=["delivered_at", "delivered_to"])
    _event(
        case,
        EventType.NOTICE_DELIVERED,
        actor,
        at=now,
        note=delivered_to,
        data={"notice": notice.pk, "delivered_at": delivered_at.isoformat()},
    )
    return notice


@transaction.atomic
def utility_visit_record(*, actor, notice, visited_at, now=None):
    """The visit just before a cut (000 篇8 §4.5.5(c): 停水停电前5分钟再次登门告之)."""
    case, notice = _notice_access(actor, notice, _("登记停水停电前登门告知"))
    _require_open(case)
    now = _now(now)
    if notice.kind != NoticeKind.UTILITY_CUT:
        _refuse(_("只有停水停电通知需要登门告知"))
    if notice.delivered_at is None:
        _refuse(_("请先登记书面通知送达"), code="prerequisite_missing")
    if visited_at is None:
        _refuse(_("请填写登门告知时间"), field="visited_at")
    if visited_at > now + FUTURE_TOLERANCE:
        _refuse(_("时间不能晚于现在"), field="visited_at")
    if visited_at < notice.delivered_at:
        _refuse(_("登门告知不能早于书面通知送达"), field="visited_at")
    notice.visited_at = visited_at
    notice.save(update_fields=["visited_at"])
    _event(
        case,
        EventType.VISIT_RECORDED,
        actor,
        at=now,
        data={"notice": notice.pk, "visited_at": visited_at.isoformat()},
    )
    return notice


@transaction.atomic
def notice_print_record(*, actor, notice, format: str, now=None) -> NoticePrint:
    """Each print of a notice is recorded (who, when, HTML or PDF)."""
    require_perm(actor, "violations.view_violationcase", action=_("打印违章通知书"))
    require_office_in_scope(actor, notice.case.office_id)
    now = _now(now)
    printed = NoticePrint.objects.create(
        notice=notice, printed_at=now, printed_by=actor, format=format
    )
    _event(
        notice.case,
        EventType.NOTICE_PRINTED,
        actor,
        at=now,
        note=notice.title,
        data={"notice": notice.pk, "format": format},
    )
    return printed


@transaction.atomic
def notice_template_save(*, actor, office, kind: str, title: str, body: str, now=None):
    """An office's own wording of a notice; unknown placeholders are refused (a typo would be
    printed as it is)."""
    import re

    require_perm(actor, "violations.manage_notice_templates", action=_("编辑违章通知书模板"))
    require_office_in_scope(actor, office.pk)
    errors = {}
    if kind not in NoticeKind.values:
        errors["kind"] = [_("请选择通知书")]
    title = _text(errors, "title", title, _("请填写标题"), max_length=100)
    body = _text(errors, "body", body, _("请填写正文"), max_length=5000)
    unknown = sorted(set(re.findall(r"\{([^{}]*)\}", body + title)) - set(notices.PLACEHOLDERS))
    if unknown and "body" not in errors:
        errors["body"] = [
            _("未知的占位符:%(names)s") % {"names": "、".join("{" + n + "}" for n in unknown)}
        ]
    _raise(errors)
    template, _created = NoticeTemplate.objects.update_or_create(
        office=office,
        kind=kind,
        defaults={"title": title, "body": body, "updated_at": _now(now), "updated_by": actor},
    )
    return template


# --- The owners' committee, restoring supply, follow-up, closing ---------------------------------


@transaction.atomic
def committee_support_record(*, actor, case, note: str, now=None):
    """The owners' committee supports a penalty (000 篇8 §4.2.6, §4.5.4)."""
    case = _access(actor, case, "violations.record_committee_support", _("记录业主委员会支持"))
    _require_open(case)
    now = _now(now)
    errors = {}
    note = _text(
        errors, "note", note, _("请填写业主委员会的意见(谁、何时、如何表示支持)"), max_length=500
    )
    _raise(errors)
    case.committee_support_at = now
    case.committee_support_note = note
    case.save(update_fields=["committee_support_at", "committee_support_note"])
    _event(case, EventType.COMMITTEE_SUPPORT_RECORDED, actor, at=now, note=note)
    return case


@transaction.atomic
def supply_restore(*, actor, measure: CaseMeasure, note: str = "", now=None):
    """Restore water/electricity as soon as the matter is settled (000 篇8 §4.5.5(d))."""
    case = _access(actor, measure.case, "violations.change_violationcase", _("恢复供水供电"))
    measure = CaseMeasure.objects.select_for_update().get(pk=measure.pk)
    if not measure.cut_in_force:
        _refuse(_("该措施不是正在执行的停水停电"), code="no_cut_in_force")
    now = _now(now)
    measure.restored_at = now
    measure.restored_by = actor
    if note.strip():
        measure.outcome = note.strip()[:TEXT_MAX_LENGTH]
    measure.save(update_fields=["restored_at", "restored_by", "outcome"])
    _event(
        case,
        EventType.SUPPLY_RESTORED,
        actor,
        at=now,
        note=note.strip(),
        data={"measure": measure.pk},
    )
    return measure


@transaction.atomic
def followup_record(*, actor, case, note: str, now=None):
    """After a penalty the centre talks with the household and mends the relationship
    (000 篇8 §4.5.7: 处理完毕后,客户服务中心应主动与当事人沟通及缓和双方关系)."""
    case = _access(actor, case, "violations.change_violationcase", _("记录事后沟通"))
    now = _now(now)
    errors = {}
    note = _text(errors, "note", note, _("请填写沟通情况"))
    _raise(errors)
    if not case.followup_due:
        _refuse(_("该事件没有待办的事后沟通"), code="no_followup_due")
    case.followup_due = False
    case.save(update_fields=["followup_due"])
    _event(case, EventType.FOLLOWUP_RECORDED, actor, at=now, note=note)
    return case


def cuts_in_force(case):
    return CaseMeasure.objects.filter(case=case, kind=Measure.UTILITY_CUT, restored_at__isnull=True)


@transaction.atomic
def case_close(*, actor, case, outcome: str, note: str, now=None) -> ViolationCase:
    """Close the case with its outcome. Refused while water or electricity is cut, and while
    the follow-up after a penalty is still to do."""
    case = _access(actor, case, "violations.close_violationcase", _("违章结案"))
    _require_open(case)
    now = _now(now)
    errors = {}
    if outcome not in Outcome.values:
        errors["outcome"] = [_("请选择处理结果")]
    note = _text(errors, "note", note, _("请填写结案说明"))
    _raise(errors)
    if cuts_in_force(case).exists():
        _refuse(
            _("仍在停水停电中,须先恢复供应才能结案"),
            code="cut_in_force",
            missing=["supply_restored"],
        )
    if case.followup_due:
        _refuse(
            _("处罚后尚未记录事后沟通、缓和关系,不能结案"),
            code="followup_due",
            missing=["followup"],
        )
    case.status = Status.CLOSED
    case.outcome = outcome
    case.closing_note = note
    case.closed_at = now
    case.closed_by = actor
    case.save(update_fields=["status", "outcome", "closing_note", "closed_at", "closed_by"])
    _event(case, EventType.CASE_CLOSED, actor, at=now, note=note, data={"outcome": outcome})
    return case


# --- Finance and retention -----------------------------------------------------------------------


def month_bounds(month: datetime.date):
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(month.replace(day=1), datetime.time(), tzinfo=tz)
    nxt = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return start, datetime.datetime.combine(nxt, datetime.time(), tzinfo=tz)


def charges_for_month(*, office, month: datetime.date, unsent_only: bool = True):
    start, end = month_bounds(month)
    qs = CaseMeasure.objects.filter(
        case__office=office,
        kind__in=CHARGES,
        amount__gt=0,
        decided_at__gte=start,
        decided_at__lt=end,
    ).select_related("case__household__unit__building__estate", "decided_by__staff")
    if unsent_only:
        qs = qs.filter(charge_batch__isnull=True)
    return qs.order_by("decided_at", "id")


@transaction.atomic
def charges_send(*, actor, office, month: datetime.date, now=None) -> ChargeBatch:
    """At month end the charges go to finance for deduction: the original list to finance, a
    copy kept here (000 篇8 §4.5.8). Each charge is sent once."""
    from violations import exports

    require_perm(actor, "violations.send_violation_charges", action=_("将违章费用报财务"))
    require_office_in_scope(actor, office.pk)
    now = _now(now)
    month = month.replace(day=1)
    if month > timezone.localdate(now).replace(day=1):
        _refuse(_("不能报送未来月份的费用"), field="month")
    measures = list(charges_for_month(office=office, month=month).select_for_update(of=("self",)))
    if not measures:
        _refuse(
            _("%(month)s没有待报财务的违章费用") % {"month": f"{month:%Y-%m}"},
            code="nothing_to_send",
        )
    total = sum((m.amount for m in measures), Decimal(0))
    content = exports.charges_workbook(office=office, month=month, measures=measures)
    path = default_storage.save(
        f"violations/charges/{office.pk}/{month:%Y-%m}-{uuid.uuid4().hex[:8]}.xlsx",
        ContentFile(content),
    )
    try:
        batch = ChargeBatch.objects.create(
            office=office, month=month, sent_at=now, sent_by=actor, total=total, copy=path
        )
        CaseMeasure.objects.filter(pk__in=[m.pk for m in measures]).update(charge_batch=batch)
        for case_id in dict.fromkeys(m.case_id for m in measures):
            _event(
                ViolationCase(pk=case_id),
                EventType.CHARGES_SENT,
                actor,
                at=now,
                data={"batch": batch.pk, "month": f"{month:%Y-%m}"},
            )
    except BaseException:
        default_storage.delete(path)
        raise
    return batch


def retention_years(policy: Policy, severity: str) -> int:
    key = (
        "retention.violations_major"
        if severity == Severity.MAJOR
        else "retention.violations_general"
    )
    return policy.integer(key)


def retention_ends(case, policy: Policy) -> datetime.date | None:
    """The day the case's records may be archived: closed date + 1 year (general) or 5 years
    (major) (000 篇6 §4.5, 篇8 §4.6). An open case is kept."""
    if case.closed_at is None:
        return None
    closed = timezone.localdate(case.closed_at)
    years = retention_years(policy, case.severity)
    try:
        return closed.replace(year=closed.year + years)
    except ValueError:  # 29 February
        return closed.replace(year=closed.year + years, day=28)


@dataclass(frozen=True)
class ArchiveResult:
    count: int
    path: str


def cases_archive(
    *, office, before: datetime.date, directory, severity: str = "", now=None
) -> ArchiveResult:
    """Export the office's cases closed before `before` to an Excel file and mark them
    archived (rows are never deleted). Refused, with nothing changed, if any of them is still
    inside its retention period: 1 year general, 5 years major (000 篇6 §4.5, 篇8 §4.6)."""
    from pathlib import Path

    from violations import exports

    now = _now(now)
    today = timezone.localdate(now)
    if before > today:
        raise ApplicationError(_("归档日期不能晚于今天"), code="date_in_future")
    policy = policy_for_office(office)
    with transaction.atomic():
        qs = ViolationCase.objects.select_for_update().filter(
            office=office,
            status=Status.CLOSED,
            archived_at__isnull=True,
            closed_at__date__lt=before,
        )
        if severity:
            qs = qs.filter(severity=severity)
        cases = list(qs.select_related("household__unit__building").order_by("closed_at", "id"))
        ends = [(case, retention_ends(case, policy)) for case in cases]
        younger = [(case, end) for case, end in ends if end > today]
        if younger:
            listed = "、".join(f"{c.number}(保存至{end.isoformat()})" for c, end in younger[:10])
            raise ApplicationError(
                _("%(n)s起违章记录未到保存期限,不能归档:%(list)s")
                % {"n": len(younger), "list": listed},
                code="retention_not_over",
            )
        if not cases:
            return ArchiveResult(0, "")
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        path = (
            directory
            / f"violations-{office.code}-before-{before.isoformat()}-{now:%Y%m%d%H%M%S}.xlsx"
        )
        path.write_bytes(exports.archive_workbook(ends))
        ViolationCase.objects.filter(pk__in=[c.pk for c in cases]).update(archived_at=now)
        CaseEvent.objects.bulk_create(
            CaseEvent(case=c, type=EventType.CASE_ARCHIVED, at=now, note=path.name) for c in cases
        )
    return ArchiveResult(len(cases), str(path))
