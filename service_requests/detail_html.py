"""The request page's repeated parts — its deadlines table and its timeline — written as HTML
without the template engine (issue #3: the page must serve ≥ 200 req/s on 2 cores; a request
two years old has a dozen events, and the `{% for %}` over them cost more CPU than the rest of
the page). The markup is what request_detail.html's loops wrote; tests read it.

SOP.md §2: every step is kept with who and when; what the resident was told (public note) is
shown apart from internal notes.
"""

import datetime
from html import escape

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.timesince import timeuntil
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core import caching
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
        none = _("无处理时限(已当场答复)")  # outside the f-string, for makemessages
        return SafeString(f'<tr><td colspan="5" class="muted">{escape(none)}</td></tr>')
    kinds, states = choice_labels(DeadlineKind), _state_labels()
    parts = []
    for row in rows:
        d, state = row.deadline, row.state
        escalated = (
            ' <span class="muted">{}</span>'.format(
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
    backdated = _("来电/来访于 %(at)s,事后补录")
    parts = []
    for item in items:
        e = item["event"]
        data = e.data or {}
        facts = []
        if item["before"] and item["after"] and item["before"] != item["after"]:
            facts.append(f"{escape(item['before'])} → {escape(item['after'])}")
        if data.get("department"):
            to = escape(str(data["department"]))
            if data.get("assignee_name"):
                to += f" · {escape(str(data['assignee_name']))}"
            facts.append(f"{dispatched_to} {to}")
        if data.get("party"):
            facts.append(f"{referred_to} {escape(str(data['party']))}")
        if data.get("label"):
            facts.append(escape(str(data["label"])))
        if (
            e.type == EventType.REQUEST_RECEIVED
            and data.get("backdated")
            and data.get("received_at")
        ):
            # Recorded after the call (SOP.md §2 记录): the event's time is the entry's; say when
            # the resident actually called.
            received = datetime.datetime.fromisoformat(data["received_at"])
            facts.append(escape(backdated % {"at": local(received)}))
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


def actions_html(action_forms: list[dict], csrf_token: str) -> SafeString:
    """The 办理 panel: one collapsible form per action the user may take. Each unbound form's
    fields are the same for every request of the office at the same version and language, so
    they are rendered once and read back in one cache call for all forms (a refused form,
    bound with the user's input and its errors, is rendered each time)."""
    if not action_forms:
        return SafeString("")
    language = get_language()
    keys = {
        item["action"].name: f"detail-action-fields:{item['cache_key']}:{language}"
        for item in action_forms
        if item["cache_seconds"] > 0
    }
    cached = caching.recall(keys.values()) if keys else {}
    fresh = {}
    token = f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(csrf_token)}">'
    parts = []
    for item in action_forms:
        action, form = item["action"], item["form"]
        key = keys.get(action.name)
        fields = cached.get(key) if key else None
        if fields is None:
            fields = render_to_string("service_requests/_action_fields.html", {"form": form})
            if key:
                fresh[key] = fields
        errors = ""
        if item["open"] and form.non_field_errors():
            errors = f'<div class="errorlist" role="alert">{form.non_field_errors()}</div>'
        label = escape(str(action.label))
        danger = action.danger
        button_class = ' class="danger"' if danger else ""
        parts.append(
            f'<details class="panel action{" danger" if danger else ""}" '
            f'data-action="{escape(action.name)}"{" open" if item["open"] else ""}>'
            f"<summary>{label}</summary>"
            f'<form method="post" action="{escape(item["url"])}" class="stacked" novalidate>'
            f"{token}{errors}{fields}"
            f'<button type="submit"{button_class}>{label}</button>'
            "</form></details>"
        )
    if fresh:
        caching.remember(fresh, max(item["cache_seconds"] for item in action_forms))
    return SafeString("\n".join(parts))


def facts_html(sr, *, entered_by: str, assignee: str, household_url: str) -> SafeString:
    """The request's facts (the <dl> of the 住户求助登记表's columns): who, what, where, contact,
    channel and label, when received (and when entered, for a call recorded afterwards), where
    it was dispatched, the promised time, the result, the referral, satisfaction, the reason of
    a cancellation."""
    from service_requests.choices import Channel, ReceptionLabel, Satisfaction

    labels = {
        "household": _("住户"),
        "public": _("公共区域"),
        "description": _("求助内容"),
        "location": _("地点"),
        "contact": _("联系人"),
        "channel": _("渠道 / 登记类别"),
        "received": _("受理"),
        "entered": _("补录于"),
        "dispatched": _("派往"),
        "promised": _("约定完成"),
        "result": _("处理结果"),
        "referred": _("转介单位"),
        "satisfaction": _("满意度"),
        "cancelled": _("撤销原因"),
    }
    t = {key: escape(str(value)) for key, value in labels.items()}
    rows = []

    def fact(key, html):
        rows.append(f"<dt>{t[key]}</dt><dd>{html}</dd>")

    if sr.household_id:
        unit = sr.household.unit
        place = f"{unit.building.estate.name} {unit.label}"
        fact(
            "household",
            f'<a href="{escape(household_url)}" data-testid="household-link">{escape(place)}</a>',
        )
    else:
        fact("household", f'<span class="muted">{t["public"]}</span>')
    fact("description", linebreaksbr(sr.description))
    if sr.location:
        fact("location", escape(sr.location))
    fact("contact", f"{escape(sr.contact_name or '—')} {escape(sr.contact_phone)}")
    channels, reception_labels = choice_labels(Channel), choice_labels(ReceptionLabel)
    fact(
        "channel",
        f"{escape(channels.get(sr.channel, sr.channel))} · "
        f"{escape(reception_labels.get(sr.reception_label, sr.reception_label))}",
    )
    received = f"{local(sr.received_at)} {escape(entered_by)}"
    if local(sr.entered_at) != local(sr.received_at):
        received += f' <span class="muted">({t["entered"]} {local(sr.entered_at)})</span>'
    fact("received", received)
    if sr.assigned_department_id:
        who = f" · {escape(assignee)}" if assignee else ""
        fact("dispatched", f"{escape(sr.assigned_department.name)}{who}")
    if sr.promised_at:
        fact("promised", local(sr.promised_at))
    if sr.result:
        fact("result", linebreaksbr(sr.result))
    if sr.referred_to_id:
        fact("referred", f"{escape(sr.referred_to.name)} {escape(sr.referred_to.phone)}")
    if sr.satisfaction:
        fact("satisfaction", escape(choice_labels(Satisfaction).get(sr.satisfaction, "")))
    if sr.cancel_reason:
        fact("cancelled", escape(sr.cancel_reason))
    return SafeString("\n".join(rows))


def next_deadline_html(next_deadline, now: datetime.datetime) -> SafeString:
    """The banner of the request's nearest open deadline and what happens when it passes (SOP.md
    §2: escalation staff → supervisor → manager, per the request's policy version), as the page's
    `{% blocktranslate %}`s wrote it (the same catalogue entries)."""
    if next_deadline is None:
        return SafeString("")
    d, state = next_deadline.deadline, next_deadline.state
    kind = choice_labels(DeadlineKind).get(d.kind, d.kind)
    if state == "open":
        left = _("还有 %(left)s") % {"left": escape(timeuntil(d.due_at, now))}
        when = f"({left})"
    else:
        overdue = _("已逾期")  # outside the f-string, for makemessages
        when = f'<span class="badge red">{escape(overdue)}</span>'
    after = _("逾期后:系统记录逾期,并依次升级通知 %(roles)s(每隔 %(interval)s 升一级)") % {
        "roles": escape(next_deadline.escalation_roles),
        "interval": escape(next_deadline.escalation_interval),
    }
    level = ""
    if d.escalation_level:
        level = " · " + _("已升级 %(n)s 级") % {"n": d.escalation_level}
    heading = _("下一时限:")  # outside the f-string, for makemessages
    return SafeString(
        f'<div class="next-deadline {escape(state)}" data-testid="next-deadline">'
        f"<b>{escape(heading)}{escape(str(kind))} {local(d.due_at)}</b> {when}<br>"
        f"{after}{level} "
        f'<span class="muted">{escape(next_deadline.escalation_clause)}</span></div>'
    )


def attachment_fields_html(form, *, key: str, seconds: int, with_supersedes: bool) -> SafeString:
    """The upload form's fields: the same for every request without attachments (and for a
    request until its next upload), so rendered once per key and language and kept in the
    process (core.caching.remember) for `seconds`; a refused form (seconds 0) each time."""
    full_key = f"detail-attachment-fields:{key}:{get_language()}"
    if seconds > 0:
        found = caching.recall([full_key])
        if found:
            return SafeString(found[full_key])
    html = render_to_string(
        "service_requests/_attachment_fields.html",
        {"attachment_form": form, "with_supersedes": with_supersedes},
    )
    caching.remember({full_key: html}, seconds)
    return SafeString(html)
