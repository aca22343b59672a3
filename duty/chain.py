"""The duty log's hash chain (000 篇2 §4.1.8: 不得撕页,记录不得涂改).

Each entry stores SHA-256 over its own content and the previous entry's hash; the office's
ChainHead remembers the last sequence number and hash. `verify_chain` walks an office's log and
names each entry that was altered (its hash no longer matches its content, or it was rewritten
with a new hash and the next entry no longer chains to it), removed (a gap in the sequence, or
the head points past the last row) or inserted (a row beyond the head, written outside the
service).
"""

import datetime
import hashlib
import json
from dataclasses import dataclass, field

from duty.choices import ChainProblem

GENESIS = ""


def entry_content(entry) -> dict:
    """The fields the hash covers, in a stable form (ids, UTC ISO times)."""

    def when(value):
        return value.astimezone(datetime.UTC).isoformat() if value else None

    return {
        "office": entry.office_id,
        "seq": entry.seq,
        "kind": entry.kind,
        "at": when(entry.at),
        "recorded_at": when(entry.recorded_at),
        "author": entry.author_id,
        "text": entry.text,
        "shift": entry.shift_id,
        "corrects": entry.corrects_id,
        "service_request": entry.service_request_id,
        "household": entry.household_id,
        "data": entry.data,
        "prev_hash": entry.prev_hash,
    }


def entry_hash(entry) -> str:
    payload = json.dumps(entry_content(entry), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Finding:
    problem: str  # ChainProblem
    seq: int
    entry_id: int | None = None

    @property
    def label(self) -> str:
        return str(ChainProblem(self.problem).label)


@dataclass
class ChainReport:
    office_id: int
    checked: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def lines(self) -> list[str]:
        from django.utils.translation import gettext as _

        if self.ok:
            return [_("完整:共%(n)s条记录,哈希链无误") % {"n": self.checked}]
        return [
            _("第%(seq)s条记录%(problem)s") % {"seq": f.seq, "problem": f.label}
            for f in self.findings
        ]


def verify_chain(office_id: int) -> ChainReport:
    """Walk the office's log in sequence order (one query, streamed)."""
    from duty.models import ChainHead, LogEntry

    report = ChainReport(office_id=office_id)
    head = ChainHead.objects.filter(office_id=office_id).first()
    head_seq = head.last_seq if head else 0
    previous_seq, previous_hash, previous_id = 0, GENESIS, None
    rows = LogEntry.objects.filter(office_id=office_id).order_by("seq", "id")
    for entry in rows.iterator(chunk_size=2000):
        report.checked += 1
        content_ok = entry_hash(entry) == entry.hash
        if entry.seq > head_seq:
            report.findings.append(Finding(ChainProblem.INSERTED, entry.seq, entry.pk))
            continue
        if entry.seq > previous_seq + 1:
            for missing in range(previous_seq + 1, entry.seq):
                report.findings.append(Finding(ChainProblem.REMOVED, missing))
        elif content_ok and entry.prev_hash != previous_hash and previous_id is not None:
            # This row is intact but the row before it no longer has the hash it chained to:
            # that row was rewritten together with its hash.
            finding = Finding(ChainProblem.ALTERED, previous_seq, previous_id)
            if finding not in report.findings:
                report.findings.append(finding)
        if not content_ok:
            report.findings.append(Finding(ChainProblem.ALTERED, entry.seq, entry.pk))
        previous_seq, previous_hash, previous_id = entry.seq, entry.hash, entry.pk
    for missing in range(previous_seq + 1, head_seq + 1):
        report.findings.append(Finding(ChainProblem.REMOVED, missing))
    return report
