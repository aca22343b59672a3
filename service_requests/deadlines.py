"""The deadline sweep the worker runs (issue #3; SOP.md §2 时限): marks passed deadlines as
missed, escalates them level by level to the roles the policy names (staff → supervisor →
manager), and queues the notifications in the same transaction (the outbox).

Each deadline gets its own DEADLINE_MISSED and REQUEST_ESCALATED events and its own escalation
row; the people told get one digest per level per batch listing the requests that reached them
(a supervisor back from a long outage gets one message naming 300 requests, not 300 messages;
a digest of one request reads like a single notification).

Safe with several workers on PostgreSQL: each batch locks its rows with SKIP LOCKED, and an
escalation is unique per (deadline, level) — a deadline is never escalated or notified twice.
A worker killed mid-sweep loses nothing: each batch commits on its own, and an unfinished
batch is simply swept again.

Fast on a large backlog (docs/performance.md): rows are read as tuples, and the events and
escalations are appended without model instances (COPY on PostgreSQL, executemany elsewhere).
"""

import datetime
import json
from collections import defaultdict, namedtuple
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import Notice, notify_many
from organization.choices import RoleCode
from organization.selectors import role_holder_users
from policies.rules import RULES
from policies.selectors import Policy, RuleValue, policy_version_get
from service_requests.choices import DeadlineKind, EventType
from service_requests.models import Deadline, Escalation, RequestEvent, ServiceRequest

# Deadlines per transaction: larger batches mean fewer commits and digests; a batch of 2,000
# holds its row locks for well under a second.
BATCH_SIZE = 2000

# What a batch reads of each deadline and its request (tuples, not model instances).
_COLUMNS = (
    "pk",
    "kind",
    "due_at",
    "policy_key",
    "clause",
    "missed_at",
    "escalation_level",
    "request_id",
    "request__status",
    "request__office_id",
    "request__policy_version_id",
    "request__received_at",
)
_EVENT_FIELDS = (
    "request",
    "type",
    "at",
    "actor",
    "status_before",
    "status_after",
    "public_note",
    "internal_note",
    "data",
)
_ESCALATION_FIELDS = ("deadline", "level", "role_code", "at")


def escalation_ladder(policy: Policy, kind: str) -> RuleValue:
    """The roles a missed limit of this kind climbs, in order, with the rule that names them:
    the kind's own ladder (escalation.<kind>, e.g. a major report straight to the 主任, 000 篇12
    二.2) when the office set one, otherwise the general request.escalation_roles."""
    key = f"escalation.{kind}"
    if key not in RULES:
        return policy.value("request.escalation_roles")
    own = policy.value(key)
    return own.fallback or own  # left empty: the rule it falls back to (Rule.falls_back_to)


@dataclass
class SweepResult:
    missed: int = 0
    escalated: int = 0
    notifications: int = 0


class _SweepContext:
    """Per-sweep caches: policies by version, recipients by (office, role), labels."""

    def __init__(self, now: datetime.datetime):
        self.now = now
        self._policies: dict[int | None, Policy] = {}
        self._roles: dict[tuple[int | None, str], tuple[str, ...]] = {}
        self._next_escalation: dict[int | None, datetime.datetime] = {}
        self._recipients: dict[tuple[int, str], list] = {}
        self._labels: dict[tuple[str, str], str] = {}

    def policy(self, version_id: int | None) -> Policy:
        if version_id not in self._policies:
            self._policies[version_id] = policy_version_get(version_id)
        return self._policies[version_id]

    def roles(self, version_id: int | None, kind: str) -> tuple[str, ...]:
        key = (version_id, kind)
        if key not in self._roles:
            self._roles[key] = tuple(escalation_ladder(self.policy(version_id), kind).value)
        return self._roles[key]

    def next_escalation(self, version_id: int | None) -> datetime.datetime:
        """When the next level is due under this policy (working days may read the calendar)."""
        if version_id not in self._next_escalation:
            interval = self.policy(version_id).duration("request.escalation_interval")
            self._next_escalation[version_id] = interval.after(self.now)
        return self._next_escalation[version_id]

    def label(self, choices, value: str) -> str:
        """A choice's translated label, looked up once per sweep (the backlog of a long outage
        names the same few kinds and roles tens of thousands of times)."""
        key = (choices.__name__, value)
        if key not in self._labels:
            self._labels[key] = str(choices(value).label)
        return self._labels[key]

    def recipients(self, office_id: int, role_code: str) -> list:
        """The active holders of the role who answer for the office: its own staff, and the
        holders of a company-wide role (总经理, 分管副总, 品质部) of the company that runs it, who
        work for every office of it without being staff of any (organization.scoping). A policy
        may end its ladder with company leadership (003 §3.1 上报公司领导); they are told too."""
        key = (office_id, role_code)
        if key not in self._recipients:
            self._recipients[key] = role_holder_users(office_id=office_id, role_codes=[role_code])
        return self._recipients[key]


# Enough of a request for ServiceRequest.number (the register number) without a model instance.
_Numbered = namedtuple("_Numbered", ["pk", "received_at"])


@dataclass
class _Digest:
    """What one recipient is told about one escalation level in one batch."""

    user: object
    level: int
    first_deadline_id: int
    office_ids: set[int] = field(default_factory=set)
    items: list[tuple] = field(default_factory=list)  # (due at, request id, number, kind, text)


def _open() -> Q:
    return Q(met_at__isnull=True, cancelled_at__isnull=True)


def sweep_deadlines(
    *, now: datetime.datetime | None = None, batch_size: int = BATCH_SIZE
) -> SweepResult:
    now = now or timezone.now()
    result = SweepResult()
    context = _SweepContext(now)
    newly_missed = _open() & Q(missed_at__isnull=True, due_at__lte=now)
    escalation_due = _open() & Q(missed_at__isnull=False, next_escalation_at__lte=now)
    for condition in (newly_missed, escalation_due):
        while _sweep_batch(condition, now, batch_size, context, result):
            pass
    return result


def _lock_batch(condition: Q, batch_size: int) -> list[int]:
    """The ids of the next due deadlines, locked until the batch commits. Only the deadline
    table is read, so only deadline rows are locked (not their requests); rows another
    worker holds are skipped (PostgreSQL)."""
    return list(
        Deadline.objects.filter(condition)
        .order_by("due_at", "id")
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[:batch_size]
    )


def _sweep_batch(
    condition: Q, now, batch_size: int, context: _SweepContext, result: SweepResult
) -> bool:
    """Process one batch in its own transaction; False when nothing was left."""
    with transaction.atomic():
        ids = _lock_batch(condition, batch_size)
        if not ids:
            return False
        rows = Deadline.objects.filter(pk__in=ids).order_by("due_at", "id").values_list(*_COLUMNS)
        at = connection.ops.adapt_datetimefield_value(now)
        missed_type = EventType.DEADLINE_MISSED.value
        escalated_type = EventType.REQUEST_ESCALATED.value
        # Translated once per batch, not once per deadline.
        escalated_note = _("“%(kind)s”逾期,已升级至%(role)s")
        due_text = _("截止时间 %(due)s。%(clause)s")
        tz = timezone.get_current_timezone()
        events: list[tuple] = []
        escalations: list[tuple] = []
        newly_missed: list[int] = []
        updates: dict[tuple, list[int]] = defaultdict(list)  # (level, next at) → ids
        digests: dict[tuple[int, int], _Digest] = {}  # (user id, level) → digest
        for (
            pk,
            kind,
            due_at,
            policy_key,
            clause,
            missed_at,
            escalation_level,
            request_id,
            status,
            office_id,
            version_id,
            received_at,
        ) in rows:
            roles = context.roles(version_id, kind)
            if missed_at is None:
                newly_missed.append(pk)
                data = {
                    "deadline": kind,
                    "due_at": due_at.isoformat(),
                    "policy_key": policy_key,
                    "clause": clause,
                }
                events.append(
                    (request_id, missed_type, at, None, status, status, "", "", json.dumps(data))
                )
            level = escalation_level + 1
            if level > len(roles):
                updates[(escalation_level, None)].append(pk)
                continue
            role = roles[level - 1]
            next_at = context.next_escalation(version_id) if level < len(roles) else None
            updates[(level, next_at)].append(pk)
            escalations.append((pk, level, role, at))
            kind_label = context.label(DeadlineKind, kind)
            note = escalated_note % {"kind": kind_label, "role": context.label(RoleCode, role)}
            data = {"deadline": kind, "level": level, "role": role}
            events.append(
                (request_id, escalated_type, at, None, status, status, "", note, json.dumps(data))
            )
            recipients = context.recipients(office_id, role)
            if not recipients:
                continue
            number = ServiceRequest.number.fget(_Numbered(request_id, received_at))
            due = due_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
            text = due_text % {"due": due, "clause": clause}
            item = (due_at, request_id, number, kind_label, text)
            for user in recipients:
                digest = digests.get((user.pk, level))
                if digest is None:
                    digest = digests[(user.pk, level)] = _Digest(user, level, pk)
                digest.first_deadline_id = min(digest.first_deadline_id, pk)
                digest.office_ids.add(office_id)
                digest.items.append(item)
        for (level, next_at), pks in updates.items():
            Deadline.objects.filter(pk__in=pks).update(
                missed_at=Coalesce(F("missed_at"), Value(now, output_field=DateTimeField())),
                escalation_level=level,
                next_escalation_at=next_at,
            )
        _append(Escalation, _ESCALATION_FIELDS, escalations)
        _append(RequestEvent, _EVENT_FIELDS, events)
        result.missed += len(newly_missed)
        result.escalated += len(escalations)
        result.notifications += notify_many(
            notices=[_notice(digest) for digest in digests.values()], now=now
        )
        return len(ids) == batch_size


def _notice(digest: _Digest) -> Notice:
    """One recipient's digest for one level. Its dedupe key names the lowest deadline in it:
    each (deadline, level) is escalated once, so no two digests to the same person at the same
    level can share it, and a retried batch queues nothing twice."""
    office_id = next(iter(digest.office_ids)) if len(digest.office_ids) == 1 else None
    key = f"deadline:digest:{digest.first_deadline_id}:level:{digest.level}"
    if len(digest.items) == 1:
        _due_at, request_id, number, kind, text = digest.items[0]
        subject = _("逾期升级(%(level)s级):%(number)s %(kind)s已超时") % {
            "level": digest.level,
            "number": number,
            "kind": kind,
        }
        link = f"/requests/{request_id}/"
    else:
        subject = _("逾期升级(%(level)s级):%(count)s条求助已超时") % {
            "level": digest.level,
            "count": len(digest.items),
        }
        text = "\n".join(
            f"{number} {kind}:{line}" for _due, _pk, number, kind, line in sorted(digest.items)
        )
        link = "/requests/?tab=overdue"  # the console's overdue queue
    return Notice(
        office_id=office_id,
        user=digest.user,
        subject=subject,
        body=text,
        link=link,
        dedupe_key=key,
    )


def _append(model, fields: tuple[str, ...], rows: list[tuple]) -> None:
    """Append rows (values in the order of `fields`, ready for the database) to an
    append-only table without building model instances: COPY on PostgreSQL, one executemany
    elsewhere. Constraints and foreign keys are checked as for any INSERT."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        if connection.vendor == "postgresql" and hasattr(raw, "copy"):
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)
