"""Every write of duty and handover (SOP.md §6, 000 篇2): authority → scope → validate → write.

The record of each write is an entry in the office's chained duty log (duty/chain.py), written
in the same transaction: roster changes, signatures, handovers and archive markers are log
entries too, so the log is its own audit trail and nothing in it can be rewritten unnoticed.
"""

import datetime
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.authz import require_office_in_scope, require_perm
from core.exceptions import ApplicationError, PermissionDeniedError
from duty.chain import entry_content, entry_hash
from duty.choices import ChangeKind, ChangeStatus, EntryKind, HandoverStatus, ShiftKind
from duty.models import (
    ChainHead,
    Handover,
    HandoverCount,
    HandoverItem,
    LogEntry,
    Post,
    Roster,
    RosterChange,
    Shift,
)
from duty.policy import time_of_day
from policies.selectors import policy_for_office


def _name(user) -> str:
    if user is None:
        return _("系统")
    staff = getattr(user, "staff", None)
    return staff.name if staff is not None else user.get_username()


def _local(value: datetime.datetime) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


# --- The chained log ------------------------------------------------------------------------


def _append(
    *,
    office,
    kind: str,
    text: str,
    author,
    now: datetime.datetime,
    at: datetime.datetime | None = None,
    shift: Shift | None = None,
    corrects: LogEntry | None = None,
    service_request=None,
    household=None,
    data: dict | None = None,
) -> LogEntry:
    """Append one entry to the office's chain. The head row is locked (SELECT … FOR UPDATE) so
    two entries written at once are numbered one after the other and never fork the chain."""
    ChainHead.objects.get_or_create(office=office)
    head = ChainHead.objects.select_for_update().get(office=office)
    entry = LogEntry(
        office=office,
        seq=head.last_seq + 1,
        kind=kind,
        at=at or now,
        recorded_at=now,
        author=author if getattr(author, "is_authenticated", False) else None,
        text=text,
        shift=shift,
        corrects=corrects,
        service_request=service_request,
        household=household,
        data=data or {},
        prev_hash=head.last_hash,
    )
    entry.hash = entry_hash(entry)
    entry.save()
    ChainHead.objects.filter(pk=head.pk).update(last_seq=entry.seq, last_hash=entry.hash)
    return entry


def _require_text(text: str, field: str = "text") -> str:
    text = (text or "").strip()
    if not text:
        raise ApplicationError(_("请填写内容"), field_errors={field: [_("请填写内容")]})
    return text


def _shift_of(office, at: datetime.datetime) -> Shift | None:
    return Shift.objects.filter(office=office, starts_at__lte=at, ends_at__gt=at).first()


@transaction.atomic
def log_entry_add(
    *,
    actor,
    office,
    text: str,
    at: datetime.datetime | None = None,
    service_request=None,
    household=None,
    now: datetime.datetime | None = None,
) -> LogEntry:
    """A line of the 值班记录 (000 篇2 §4.1.8), optionally linked to a request or a household."""
    require_perm(actor, "duty.add_logentry", action=_("填写值班记录"))
    require_office_in_scope(actor, office.pk)
    now = now or timezone.now()
    text = _require_text(text)
    at = at or now
    if at > now:
        raise ApplicationError(
            _("记录时间不能晚于现在"), field_errors={"at": [_("记录时间不能晚于现在")]}
        )
    for linked in (service_request, household):
        if linked is not None and linked.office_id != office.pk:
            raise ApplicationError(_("关联的记录不属于本管理处"), code="wrong_office")
    return _append(
        office=office,
        kind=EntryKind.NOTE,
        text=text,
        author=actor,
        now=now,
        at=at,
        shift=_shift_of(office, at),
        service_request=service_request,
        household=household,
    )


@transaction.atomic
def log_entry_correct(*, actor, entry: LogEntry, text: str, now=None) -> LogEntry:
    """A correction is a new entry pointing at the one it corrects; the original stays."""
    require_perm(actor, "duty.add_logentry", action=_("更正值班记录"))
    require_office_in_scope(actor, entry.office_id)
    now = now or timezone.now()
    text = _require_text(text)
    return _append(
        office=entry.office,
        kind=EntryKind.CORRECTION,
        text=text,
        author=actor,
        now=now,
        shift=_shift_of(entry.office, now),
        corrects=entry,
        data={"corrects_seq": entry.seq},
    )


def log_entry_change(*, actor, entry: LogEntry, **changes) -> None:
    """Editing or deleting a log entry is refused for everyone (000 篇2 §4.1.8)."""
    raise ApplicationError(
        _("值班记录不得撕页、不得涂改:已写入的记录不能修改或删除,请另写一条更正。"),
        code="append_only",
        status_code=409,
    )


@transaction.atomic
def missed_call_record(
    *, actor, office, at: datetime.datetime, rings: int | None, caller: str, note: str, now=None
) -> LogEntry:
    """A call not answered within the policy's rings (000 篇2 §4.1.5), recorded by hand."""
    require_perm(actor, "duty.add_logentry", action=_("登记未及时接听的来电"))
    require_office_in_scope(actor, office.pk)
    now = now or timezone.now()
    if at > now:
        raise ApplicationError(
            _("来电时间不能晚于现在"), field_errors={"at": [_("来电时间不能晚于现在")]}
        )
    limit = policy_for_office(office).integer("duty.phone_rings")
    if rings is not None and rings <= limit:
        message = _("铃响%(limit)s声内接听符合规定,无需登记") % {"limit": limit}
        raise ApplicationError(message, field_errors={"rings": [message]})
    text = _("来电铃响%(rings)s声后才接听") % {"rings": rings} if rings else _("来电未接听")
    if caller.strip():
        text += _(",来电:%(caller)s") % {"caller": caller.strip()}
    if note.strip():
        text += f"。{note.strip()}"
    return _append(
        office=office,
        kind=EntryKind.MISSED_CALL,
        text=text,
        author=actor,
        now=now,
        at=at,
        shift=_shift_of(office, at),
        data={"rings": rings, "limit": limit, "caller": caller.strip()},
    )


# --- Roster (值班安排表) ---------------------------------------------------------------------


def _month_start(month: datetime.date) -> datetime.date:
    return month.replace(day=1)


def _next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def shift_times(office, day: datetime.date, *, working: bool):
    """(kind, start, end) of the duty shift on `day` (000 篇2 §4.1.2, from the policy)."""
    policy = policy_for_office(office)
    end_time = time_of_day(policy, "duty.shift_end")
    tz = timezone.get_current_timezone()
    following = day + datetime.timedelta(days=1)
    end = datetime.datetime.combine(following, end_time, tzinfo=tz)
    if working:
        start_time = time_of_day(policy, "duty.working_day_start")
        return ShiftKind.WORKING_DAY, datetime.datetime.combine(day, start_time, tzinfo=tz), end
    return ShiftKind.HOLIDAY, datetime.datetime.combine(day, end_time, tzinfo=tz), end


@transaction.atomic
def roster_generate(*, actor, office, month: datetime.date, now=None) -> Roster:
    """Make the month's roster with one shift per day from the official calendar (调休
    included); running it again adds only the days still missing."""
    from workdays.calendar import days

    require_perm(actor, "duty.manage_roster", action=_("编制值班安排表"))
    require_office_in_scope(actor, office.pk)
    now = now or timezone.now()
    month = _month_start(month)
    roster, created = Roster.objects.get_or_create(
        office=office, month=month, defaults={"created_by": actor, "created_at": now}
    )
    if roster.is_published:
        raise ApplicationError(
            _("%(month)s的值班安排表已发布,只能通过请假或调班审批变更")
            % {"month": f"{month:%Y-%m}"},
            code="roster_published",
        )
    existing = set(roster.shifts.values_list("date", flat=True))
    last = _next_month(month) - datetime.timedelta(days=1)
    new = []
    for info in days(month, last):
        if info.date in existing:
            continue
        kind, start, end = shift_times(office, info.date, working=info.is_working_day)
        new.append(
            Shift(
                roster=roster,
                office=office,
                date=info.date,
                kind=kind,
                day_name=info.name,
                starts_at=start,
                ends_at=end,
            )
        )
    Shift.objects.bulk_create(new)
    if created:
        _append(
            office=office,
            kind=EntryKind.ROSTER,
            text=_("编制%(month)s值班安排表") % {"month": f"{month:%Y-%m}"},
            author=actor,
            now=now,
            data={"roster": roster.pk},
        )
    return roster


@transaction.atomic
def shift_assign(*, actor, shift: Shift, assignee, now=None) -> Shift:
    """The supervisor puts an officer on a shift of a roster not yet published."""
    require_perm(actor, "duty.manage_roster", action=_("调整值班安排(未经主管批准不允许私自调班)"))
    require_office_in_scope(actor, shift.office_id)
    now = now or timezone.now()
    shift = Shift.objects.select_for_update().select_related("roster").get(pk=shift.pk)
    if shift.roster.is_published:
        raise ApplicationError(
            _("值班安排表已发布,不能直接改班;请由值班人员提出请假或调班申请,经主管批准。"),
            code="roster_published",
        )
    if assignee is not None:
        _require_office_staff(assignee, shift.office_id, field="assignee")
    shift.assignee = assignee
    shift.save(update_fields=["assignee"])
    return shift


def _require_office_staff(user, office_id: int, *, field: str) -> None:
    staff = getattr(user, "staff", None)
    if staff is None or not staff.offices.filter(pk=office_id).exists() or not user.is_active:
        message = _("所选人员不是本管理处的在职员工")
        raise ApplicationError(message, field_errors={field: [message]})


@transaction.atomic
def roster_publish(*, actor, roster: Roster, now=None) -> Roster:
    """Publish the roster; refused while any shift has nobody (000 篇2 §4.1.1)."""
    require_perm(actor, "duty.manage_roster", action=_("发布值班安排表"))
    require_office_in_scope(actor, roster.office_id)
    now = now or timezone.now()
    roster = Roster.objects.select_for_update().get(pk=roster.pk)
    if roster.is_published:
        raise ApplicationError(_("该值班安排表已发布"), code="roster_published")
    shifts = list(roster.shifts.order_by("date"))
    if not shifts:
        raise ApplicationError(_("值班安排表还没有班次,请先生成班次"), code="roster_empty")
    uncovered = [s.date for s in shifts if s.assignee_id is None]
    if uncovered:
        raise ApplicationError(
            _("以下日期还没有安排值班人员,不能发布:%(dates)s")
            % {"dates": "、".join(f"{d:%m-%d}" for d in uncovered)},
            code="roster_uncovered",
            extra={"uncovered": [d.isoformat() for d in uncovered]},
        )
    roster.published_at = now
    roster.published_by = actor
    roster.save(update_fields=["published_at", "published_by"])
    _append(
        office=roster.office,
        kind=EntryKind.ROSTER,
        text=_("发布%(month)s值班安排表") % {"month": f"{roster.month:%Y-%m}"},
        author=actor,
        now=now,
        data={"roster": roster.pk, "assignees": {str(s.date): s.assignee_id for s in shifts}},
    )
    return roster


@transaction.atomic
def roster_change_request(
    *, actor, shift: Shift, kind: str, reason: str, swap_with: Shift | None = None, now=None
) -> RosterChange:
    """An officer asks for leave or a swap of their own shift (000 篇2 §4.1.5)."""
    require_perm(actor, "duty.add_rosterchange", action=_("申请请假或调班"))
    require_office_in_scope(actor, shift.office_id)
    now = now or timezone.now()
    reason = _require_text(reason, "reason")
    if shift.assignee_id != actor.pk:
        raise PermissionDeniedError(_("只能为自己的班次申请请假或调班"))
    if shift.ends_at <= now:
        raise ApplicationError(_("该班次已结束"), code="shift_over")
    if kind == ChangeKind.SWAP:
        if swap_with is None or swap_with.office_id != shift.office_id or swap_with == shift:
            message = _("请选择本管理处另一个班次对调")
            raise ApplicationError(message, field_errors={"swap_with": [message]})
        if swap_with.assignee_id is None:
            message = _("对调的班次还没有值班人员")
            raise ApplicationError(message, field_errors={"swap_with": [message]})
    elif kind == ChangeKind.LEAVE:
        swap_with = None
    else:
        raise ApplicationError(_("未知的申请类型"))
    if shift.changes.filter(status=ChangeStatus.PENDING).exists():
        raise ApplicationError(_("该班次已有待审批的申请"), code="pending_exists")
    return RosterChange.objects.create(
        office_id=shift.office_id,
        kind=kind,
        shift=shift,
        swap_with=swap_with,
        reason=reason,
        requested_by=actor,
        requested_at=now,
    )


@transaction.atomic
def roster_change_decide(
    *, actor, change: RosterChange, approve: bool, replacement=None, note: str = "", now=None
) -> RosterChange:
    """The supervisor approves (naming the replacement for leave) or rejects a request."""
    require_perm(actor, "duty.approve_roster_change", action=_("审批请假或调班"))
    require_office_in_scope(actor, change.office_id)
    now = now or timezone.now()
    change = RosterChange.objects.select_for_update().get(pk=change.pk)
    if change.status != ChangeStatus.PENDING:
        raise ApplicationError(_("该申请已审批"), code="already_decided")
    shift = Shift.objects.select_for_update().get(pk=change.shift_id)
    if approve and change.kind == ChangeKind.LEAVE:
        if replacement is None:
            message = _("批准请假须指定顶班人员")
            raise ApplicationError(message, field_errors={"replacement": [message]})
        if replacement.pk == shift.assignee_id:
            message = _("顶班人员不能是请假人本人")
            raise ApplicationError(message, field_errors={"replacement": [message]})
        _require_office_staff(replacement, shift.office_id, field="replacement")
        before = shift.assignee
        shift.assignee = replacement
        shift.save(update_fields=["assignee"])
        change.replacement = replacement
        text = _("批准%(who)s %(date)s请假,由%(replacement)s顶班") % {
            "who": _name(before),
            "date": shift.date,
            "replacement": _name(replacement),
        }
    elif approve:
        other = Shift.objects.select_for_update().get(pk=change.swap_with_id)
        shift.assignee, other.assignee = other.assignee, shift.assignee
        shift.save(update_fields=["assignee"])
        other.save(update_fields=["assignee"])
        text = _("批准%(date)s与%(other)s调班") % {"date": shift.date, "other": other.date}
    else:
        text = _("驳回%(date)s的%(kind)s申请") % {
            "date": shift.date,
            "kind": change.get_kind_display(),
        }
    change.status = ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED
    change.decided_by = actor
    change.decided_at = now
    change.decision_note = note.strip()[:200]
    change.save()
    _append(
        office=shift.office,
        kind=EntryKind.ROSTER,
        text=text,
        author=actor,
        now=now,
        shift=shift,
        data={"change": change.pk, "approved": approve},
    )
    return change


# --- Supervisor's signature (000 篇2 §4.3) ----------------------------------------------------


@transaction.atomic
def shift_log_sign(*, actor, shift: Shift, note: str = "", now=None) -> LogEntry:
    """The supervisor signs a finished shift's log. The signer is always the actor: there is no
    way to sign in another person's name."""
    require_perm(actor, "duty.sign_duty_log", action=_("签阅值班记录"))
    require_office_in_scope(actor, shift.office_id)
    now = now or timezone.now()
    if shift.ends_at > now:
        raise ApplicationError(
            _("该班次%(end)s才结束,结束后再签阅") % {"end": _local(shift.ends_at)},
            code="shift_not_over",
        )
    # Lock the chain first so two supervisors signing at once cannot both sign.
    ChainHead.objects.get_or_create(office_id=shift.office_id)
    ChainHead.objects.select_for_update().get(office_id=shift.office_id)
    if LogEntry.objects.filter(shift=shift, kind=EntryKind.SIGNATURE).exists():
        raise ApplicationError(_("该班次的值班记录已签阅"), code="already_signed")
    entries = LogEntry.objects.filter(shift=shift).exclude(kind=EntryKind.SIGNATURE)
    last = entries.order_by("-seq").first()
    text = _("%(who)s签阅%(date)s值班记录") % {"who": _name(actor), "date": shift.date}
    if note.strip():
        text += f":{note.strip()}"
    return _append(
        office=shift.office,
        kind=EntryKind.SIGNATURE,
        text=text,
        author=actor,
        now=now,
        shift=shift,
        data={
            "signer": actor.pk,
            "signer_name": _name(actor),
            "entries": entries.count(),
            "through_seq": last.seq if last else None,
        },
    )


# --- Retention and archive (000 篇2 §4.1.8) ---------------------------------------------------


@dataclass(frozen=True)
class ArchiveResult:
    office_id: int
    count: int
    path: Path | None
    marker: LogEntry | None


def archive_cutoff(office, today: datetime.date) -> datetime.date:
    """The latest `--before` date allowed: entries younger than the retention period stay."""
    years = policy_for_office(office).integer("retention.duty_log")
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


@transaction.atomic
def log_archive(*, office, before: datetime.date, directory: Path, now=None) -> ArchiveResult:
    """Export the office's entries recorded before `before` (not archived yet) to a JSON file
    and append an archive marker entry; rows are never deleted."""
    now = now or timezone.now()
    cutoff = archive_cutoff(office, timezone.localdate(now))
    if before > cutoff:
        raise ApplicationError(
            _("值班记录须保存%(years)s年:只能归档%(cutoff)s之前的记录")
            % {
                "years": policy_for_office(office).integer("retention.duty_log"),
                "cutoff": cutoff.isoformat(),
            },
            code="retention",
        )
    ChainHead.objects.get_or_create(office=office)
    ChainHead.objects.select_for_update().get(office=office)
    done = (
        LogEntry.objects.filter(office=office, kind=EntryKind.ARCHIVED)
        .order_by("-seq")
        .values_list("data", flat=True)
        .first()
    )
    archived_through = (done or {}).get("through_seq", 0)
    limit = datetime.datetime.combine(
        before, datetime.time(), tzinfo=timezone.get_current_timezone()
    )
    rows = list(
        LogEntry.objects.filter(
            office=office, seq__gt=archived_through, recorded_at__lt=limit
        ).order_by("seq")
    )
    if not rows:
        return ArchiveResult(office.pk, 0, None, None)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"duty-log-{office.code}-{rows[0].seq}-{rows[-1].seq}.json"
    payload = {
        "office": office.name,
        "before": before.isoformat(),
        "entries": [{**entry_content(e), "hash": e.hash} for e in rows],
    }
    content = json.dumps(payload, ensure_ascii=False, indent=1).encode("utf-8")
    path.write_bytes(content)
    marker = _append(
        office=office,
        kind=EntryKind.ARCHIVED,
        text=_("归档%(first)s至%(last)s号值班记录共%(n)s条,文件%(file)s")
        % {"first": rows[0].seq, "last": rows[-1].seq, "n": len(rows), "file": path.name},
        author=None,
        now=now,
        data={
            "from_seq": rows[0].seq,
            "through_seq": rows[-1].seq,
            "count": len(rows),
            "file": path.name,
            "sha256": hashlib.sha256(content).hexdigest(),
        },
    )
    return ArchiveResult(office.pk, len(rows), path, marker)


# --- Handover (交接班, 000 篇2 §4.2) -----------------------------------------------------------


def _important_q(policy, prefix: str = ""):
    """Which open requests are important unfinished work (000 篇2 §4.2.2), by the policy:
    special and major help requests, and open 重大 complaints (SOP.md §3). `prefix` reaches
    the request from a related model (a handover item)."""
    from django.db.models import Q

    from complaints.choices import Severity

    q = Q(pk__in=[]) if not prefix else Q(**{f"{prefix}pk__in": []})
    if policy.value("duty.important.special_requests").value:
        q |= Q(**{f"{prefix}is_special": True})
    if policy.value("duty.important.major_requests").value:
        q |= Q(**{f"{prefix}is_major": True})
    if policy.value("duty.important.major_complaints").value:
        q |= Q(
            **{
                f"{prefix}complaint__severity": Severity.MAJOR,
                f"{prefix}complaint__closed_at__isnull": True,
            }
        )
    return q


def _previous_shift(shift: Shift) -> Shift | None:
    return (
        Shift.objects.filter(office_id=shift.office_id, ends_at__lte=shift.starts_at)
        .select_related("assignee")
        .order_by("-ends_at")
        .first()
    )


@transaction.atomic
def handover_start(*, actor, shift: Shift, post: Post | None = None, now=None) -> Handover:
    """The incoming officer arrives: arrival time (late if after start − policy), and every
    request still open from the outgoing shift (and every important one) is carried over."""
    from service_requests.choices import OPEN_STATUSES
    from service_requests.selectors import request_queryset

    require_perm(actor, "duty.add_handover", action=_("交接班"))
    require_office_in_scope(actor, shift.office_id)
    now = now or timezone.now()
    if shift.assignee_id != actor.pk:
        raise PermissionDeniedError(_("只有该班次的值班人员本人才能接班"))
    if Handover.objects.filter(incoming_shift=shift).exists():
        raise ApplicationError(_("该班次已开始交接"), code="handover_exists")
    if post is not None and post.office_id != shift.office_id:
        raise ApplicationError(_("岗位不属于本管理处"), code="wrong_office")
    if post is None:
        post = Post.objects.filter(office_id=shift.office_id).first()
    policy = policy_for_office(shift.office)
    latest = shift.starts_at - datetime.timedelta(
        minutes=policy.duration("duty.arrive_early").value
    )
    previous = _previous_shift(shift)
    handover = Handover.objects.create(
        office_id=shift.office_id,
        post=post,
        incoming_shift=shift,
        outgoing_shift=previous,
        incoming=actor,
        outgoing=previous.assignee if previous else None,
        arrived_at=now,
        arrived_late=now > latest,
    )
    from django.db.models import Q

    open_requests = request_queryset(user=actor).filter(
        office_id=shift.office_id, status__in=OPEN_STATUSES
    )
    since = previous.starts_at if previous else shift.starts_at
    important_q = _important_q(policy)
    carried = open_requests.filter(Q(received_at__gte=since) | important_q).filter(
        received_at__lte=now
    )
    important_ids = set(carried.filter(important_q).values_list("pk", flat=True))
    HandoverItem.objects.bulk_create(
        HandoverItem(handover=handover, service_request_id=pk, important=pk in important_ids)
        for pk in carried.values_list("pk", flat=True)
    )
    text = _("%(who)s到岗接班,到岗时间%(at)s") % {"who": _name(actor), "at": _local(now)}
    if handover.arrived_late:
        text += _("(迟到:应在%(latest)s前到岗)") % {"latest": _local(latest)}
    _append(
        office=shift.office,
        kind=EntryKind.HANDOVER,
        text=text,
        author=actor,
        now=now,
        shift=shift,
        data={"handover": handover.pk, "late": handover.arrived_late},
    )
    return handover


def _open_handover(handover: Handover) -> Handover:
    handover = Handover.objects.select_for_update().get(pk=handover.pk)
    if handover.status != HandoverStatus.OPEN:
        raise ApplicationError(_("该交接班已完成"), code="handover_completed")
    return handover


def _require_incoming(actor, handover: Handover, action: str) -> None:
    require_perm(actor, "duty.add_handover", action=action)
    require_office_in_scope(actor, handover.office_id)
    if handover.incoming_id != actor.pk:
        raise PermissionDeniedError(_("只有接班人员本人才能%(action)s") % {"action": action})


@transaction.atomic
def handover_count(*, actor, handover: Handover, counts: dict, now=None) -> Handover:
    """Count the post's items: {PostItem id: (counted, explanation)}; each discrepancy needs the
    outgoing officer's explanation (000 篇2 §4.2.1)."""
    _require_incoming(actor, handover, _("清点公物"))
    now = now or timezone.now()
    handover = _open_handover(handover)
    if handover.counts.exists():
        raise ApplicationError(_("公物已清点"), code="already_counted")
    items = list(handover.post.items.all()) if handover.post else []
    errors = {}
    rows = []
    for item in items:
        counted, explanation = counts.get(item.pk, (None, ""))
        explanation = (explanation or "").strip()
        if counted is None:
            errors[f"count_{item.pk}"] = [_("请填写清点数量")]
        elif counted != item.quantity and not explanation:
            errors[f"explain_{item.pk}"] = [_("数量不符,请记录交班人员的说明")]
        else:
            rows.append(
                HandoverCount(
                    handover=handover,
                    item=item,
                    expected=item.quantity,
                    counted=counted,
                    explanation=explanation,
                )
            )
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], field_errors=errors)
    HandoverCount.objects.bulk_create(rows)
    handover.inventory_counted_at = now
    handover.save(update_fields=["inventory_counted_at"])
    gaps = [
        f"{r.item.name} {r.expected}→{r.counted}({r.explanation})"
        for r in rows
        if r.counted != r.expected
    ]
    text = _("清点公物:") + ("; ".join(gaps) if gaps else _("齐全无损"))
    _append(
        office=handover.incoming_shift.office,
        kind=EntryKind.HANDOVER,
        text=text,
        author=actor,
        now=now,
        shift=handover.incoming_shift,
        data={"handover": handover.pk, "discrepancies": len(gaps)},
    )
    return handover


@transaction.atomic
def handover_log_read(*, actor, handover: Handover, now=None) -> Handover:
    _require_incoming(actor, handover, _("确认查阅上一班值班记录"))
    now = now or timezone.now()
    handover = _open_handover(handover)
    handover.log_read_at = now
    handover.save(update_fields=["log_read_at"])
    last = (
        LogEntry.objects.filter(shift=handover.outgoing_shift).order_by("-seq").first()
        if handover.outgoing_shift_id
        else None
    )
    _append(
        office=handover.incoming_shift.office,
        kind=EntryKind.HANDOVER,
        text=_("已查阅上一班值班记录"),
        author=actor,
        now=now,
        shift=handover.incoming_shift,
        data={"handover": handover.pk, "read_through_seq": last.seq if last else None},
    )
    return handover


@transaction.atomic
def handover_area_check(*, actor, handover: Handover, abnormal: bool, note: str, now=None):
    _require_incoming(actor, handover, _("记录区域检查"))
    now = now or timezone.now()
    handover = _open_handover(handover)
    note = note.strip()
    if abnormal and not note:
        message = _("区域有异常,请记录情况和交班人员的解释")
        raise ApplicationError(message, field_errors={"note": [message]})
    handover.area_checked_at = now
    handover.area_abnormal = abnormal
    handover.area_note = note
    handover.save(update_fields=["area_checked_at", "area_abnormal", "area_note"])
    text = (
        (_("区域检查有异常:") + note)
        if abnormal
        else (_("区域检查无异常") + (f"。{note}" if note else ""))
    )
    _append(
        office=handover.incoming_shift.office,
        kind=EntryKind.HANDOVER,
        text=text,
        author=actor,
        now=now,
        shift=handover.incoming_shift,
        data={"handover": handover.pk, "abnormal": abnormal},
    )
    return handover


def checklist_opens_at(handover: Handover) -> datetime.datetime | None:
    if handover.outgoing_shift is None:
        return None
    policy = policy_for_office(handover.incoming_shift.office)
    before = policy.duration("duty.outgoing_checklist_before").value
    return handover.outgoing_shift.ends_at - datetime.timedelta(minutes=before)


@transaction.atomic
def handover_outgoing_checklist(*, actor, handover: Handover, note: str, now=None) -> Handover:
    """The outgoing officer tidies the post, collects the evidence and explains the unfinished
    work; the checklist opens only the policy's minutes before the shift ends (000 篇2 §4.2.2)."""
    require_perm(actor, "duty.add_handover", action=_("填写交班清单"))
    require_office_in_scope(actor, handover.office_id)
    now = now or timezone.now()
    handover = _open_handover(handover)
    if handover.outgoing_id != actor.pk:
        raise PermissionDeniedError(_("只有交班人员本人才能填写交班清单"))
    opens = checklist_opens_at(handover)
    if opens is not None and now < opens:
        raise ApplicationError(
            _("交班清单%(at)s才开放(交班前%(minutes)s分钟)")
            % {
                "at": _local(opens),
                "minutes": policy_for_office(handover.incoming_shift.office)
                .duration("duty.outgoing_checklist_before")
                .value,
            },
            code="checklist_not_open",
        )
    handover.outgoing_checklist_at = now
    handover.outgoing_note = note.strip()
    handover.save(update_fields=["outgoing_checklist_at", "outgoing_note"])
    _append(
        office=handover.incoming_shift.office,
        kind=EntryKind.HANDOVER,
        text=_("交班清单:公物摆放整齐、桌面整洁、工作证据已整理。未完成工作:%(note)s")
        % {"note": note.strip() or _("无")},
        author=actor,
        now=now,
        shift=handover.outgoing_shift,
        data={"handover": handover.pk},
    )
    return handover


def important_open_items(handover: Handover):
    """Carried important requests still open now (they block the handover): those important
    when the handover started, and those that became important since (a complaint judged or
    upgraded 重大 during the shift)."""
    from django.db.models import Q

    from service_requests.choices import OPEN_STATUSES

    important_now = _important_q(policy_for_office(handover.office), prefix="service_request__")
    return (
        handover.carried.filter(service_request__status__in=OPEN_STATUSES)
        .filter(Q(important=True) | important_now)
        .select_related("service_request")
    )


@transaction.atomic
def handover_exception_approve(*, actor, handover: Handover, reason: str, now=None) -> Handover:
    """The supervisor lets the handover proceed despite important unfinished work, recorded."""
    require_perm(actor, "duty.approve_handover_exception", action=_("批准带重要未完成工作交班"))
    require_office_in_scope(actor, handover.office_id)
    now = now or timezone.now()
    handover = _open_handover(handover)
    reason = _require_text(reason, "reason")
    handover.exception_by = actor
    handover.exception_at = now
    handover.exception_reason = reason[:200]
    handover.save(update_fields=["exception_by", "exception_at", "exception_reason"])
    numbers = [item.service_request.number for item in important_open_items(handover)]
    _append(
        office=handover.incoming_shift.office,
        kind=EntryKind.HANDOVER,
        text=_("%(who)s批准带重要未完成工作交班(%(numbers)s):%(reason)s")
        % {"who": _name(actor), "numbers": "、".join(numbers) or "—", "reason": reason},
        author=actor,
        now=now,
        shift=handover.incoming_shift,
        data={"handover": handover.pk, "requests": numbers},
    )
    return handover


@transaction.atomic
def handover_sign(*, actor, handover: Handover, now=None) -> Handover:
    """The outgoing or incoming officer signs as themselves; when both have signed the handover
    is complete. Important unfinished work blocks it unless the supervisor approved an exception
    (000 篇2 §4.2.2: 重要的工作未处理完毕,不允许交班)."""
    require_perm(actor, "duty.add_handover", action=_("交接班签名"))
    require_office_in_scope(actor, handover.office_id)
    now = now or timezone.now()
    handover = _open_handover(handover)
    if actor.pk == handover.outgoing_id and handover.outgoing_signed_at is None:
        side = "outgoing"
    elif actor.pk == handover.incoming_id and handover.incoming_signed_at is None:
        side = "incoming"
    elif actor.pk in (handover.outgoing_id, handover.incoming_id):
        raise ApplicationError(_("您已签名"), code="already_signed")
    else:
        raise PermissionDeniedError(_("只有交班人员和接班人员本人才能在交接班记录上签名"))
    missing = []
    if side == "incoming":
        if handover.post_id and handover.inventory_counted_at is None:
            missing.append(_("清点公物"))
        if handover.outgoing_shift_id and handover.log_read_at is None:
            missing.append(_("查阅上一班值班记录"))
        if handover.area_checked_at is None:
            missing.append(_("区域检查"))
    if handover.outgoing_id and handover.outgoing_checklist_at is None:
        missing.append(_("交班清单"))
    if missing:
        raise ApplicationError(
            _("还未完成:%(steps)s") % {"steps": "、".join(missing)}, code="handover_incomplete"
        )
    blocking = list(important_open_items(handover))
    if blocking and handover.exception_by_id is None:
        raise ApplicationError(
            _("有重要工作未处理完毕,不允许交班:%(numbers)s。请处理完毕,或由主管批准例外。")
            % {"numbers": "、".join(i.service_request.number for i in blocking)},
            code="important_open_work",
        )
    setattr(handover, f"{side}_signed_at", now)
    fields = [f"{side}_signed_at"]
    both = handover.incoming_signed_at and (
        handover.outgoing_signed_at or handover.outgoing_id is None
    )
    if both:
        handover.status = HandoverStatus.COMPLETED
        fields.append("status")
    handover.save(update_fields=fields)
    text = (_("交班人员%(who)s签名") if side == "outgoing" else _("接班人员%(who)s签名")) % {
        "who": _name(actor)
    }
    if both:
        text += _(",交接完成")
    _append(
        office=handover.incoming_shift.office,
        kind=EntryKind.HANDOVER,
        text=text,
        author=actor,
        now=now,
        shift=handover.outgoing_shift if side == "outgoing" else handover.incoming_shift,
        data={"handover": handover.pk, "side": side, "completed": bool(both)},
    )
    return handover
