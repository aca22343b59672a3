"""The request page's repeated parts — its deadlines table and its timeline — written as HTML
without the template engine (issue #3: the page must serve ≥ 200 req/s on 2 cores; a request
two years old has a dozen events, and the `{% for %}` over them cost more CPU than the rest of
the page). The markup is what request_detail.html's loops wrote; tests read it.

SOP.md §2: every step is kept with who and when; what the resident was told (public note) is
shown apart from internal notes.
"""

from html import escape

from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from service_requests.choices import DeadlineKind, EventType
from service_requests.queue_rows import choice_labels

_BADGE = {"met": "green", "open": "blue", "cancelled": "grey"}


def local(value, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """`value|date:"Y-m-d H:i"` in the current time zone ("" for None)."""
    return timezone.localtime(value).strftime(pattern) if value else ""


def linebreaksbr(text: str) -> str:
    """The `linebreaksbr` filter: escaped, each line break a <br>."""
    return escape(text).replace("\r\n", "\n").replace("\n", "<br>")


def _state_labels() -> dict[str, str]:
    return {
        "met": _("按时完成"),
        "late": _("超时完成"),
        "missed": _("已逾期(已升级)"),
        "overdue": _("已逾期"),
        "cancelled": _("已取消"),
        "open": _("进行中"),
    }


def deadlines_html(rows) -> SafeString:
    """The <tr>s of the deadlines table: each time limit, its state and the SOP clause."""
    if not rows:
        return SafeString(
            f'<tr><td colspan="5" class="muted">{escape(_("无处理时限(已当场答复)"))}</td></tr>'
        )
    kinds, states = choice_labels(DeadlineKind), _state_labels()
    parts = []
    for row in rows:
        d, state = row.deadline, row.state
        escalated = (
            '<span class="muted">{}</span>'.format(
                escape(_("升级 %(n)s 级") % {"n": d.escalation_level})
            )
            if d.escalation_level
            else ""
        )
        # A reopened request's limit is a new round; the earlier round keeps its record.
        again = (
            ' <span class="muted">{}</span>'.format(escape(_("第%(n)s轮") % {"n": d.round}))
            if d.round > 1
            else ""
        )
        parts.append(
            f'<tr class="deadline-{state}">'
            f"<td>{escape(kinds.get(d.kind, d.kind))}{again}</td><td>{local(d.due_at)}</td>"
            f'<td><span class="badge {_BADGE.get(state, "red")}">'
            f"{escape(states.get(state, states['open']))}</span>{escalated}</td>"
            f"<td>{local(d.met_at) or '—'}</td>"
            f'<td class="muted" data-testid="clause">{escape(d.clause)}</td></tr>'
        )
    return SafeString("\n".join(parts))


def timeline_html(items) -> SafeString:
    """The <li>s of the timeline: what happened, when, who, the status change, and the notes
    (told to the resident / internal) apart."""
    types = choice_labels(EventType)
    dispatched_to, referred_to = escape(_("派往")), escape(_("转介"))
    public_tag, internal_tag = escape(_("告知住户")), escape(_("内部备注"))
    parts = []
    for item in items:
        e = item["event"]
        data = e.data or {}
        facts = []
        if item["before"] and item["after"] and item["before"] != item["after"]:
            facts.append(f"{escape(item['before'])} → {escape(item['after'])}")
        if data.get("department"):
            facts.append(f"{dispatched_to} {escape(str(data['department']))}")
        if data.get("party"):
            facts.append(f"{referred_to} {escape(str(data['party']))}")
        if data.get("label"):
            facts.append(escape(str(data["label"])))
        if data.get("attachment"):
            facts.append(escape(str(data.get("name", ""))))
        line = "".join(f'<span class="muted"> · {fact}</span>' for fact in facts)
        html = (
            f"<li><div><b>{escape(types.get(e.type, e.type))}</b> "
            f'<span class="muted">{local(e.at)} · {escape(str(item["actor"]))}</span>{line}</div>'
        )
        if e.public_note:
            html += (
                '<div class="note public" data-testid="public-note">'
                f'<span class="note-tag">{public_tag}</span> {linebreaksbr(e.public_note)}</div>'
            )
        if e.internal_note:
            html += (
                '<div class="note internal" data-testid="internal-note">'
                f'<span class="note-tag">{internal_tag}</span> {linebreaksbr(e.internal_note)}'
                "</div>"
            )
        parts.append(html + "</li>")
    return SafeString("\n".join(parts))
