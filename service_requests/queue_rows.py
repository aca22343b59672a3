"""The work queue's rows (SOP.md §2: every open item shows its next deadline, overdue ones
marked), read as plain tuples and written as HTML without the template engine.

The queue is the page the centre keeps open all day (issue #3 asks ≥ 300 req/s on 2 cores).
With model instances and a `{% for %}` over 30 rows, the rows alone cost more CPU than the
rest of the request; here they are one `values_list` and one string join. The markup is the
same the template wrote (tests and the browser tests read it).
"""

import datetime
from dataclasses import dataclass
from html import escape

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from estates.models import unit_label
from service_requests.choices import OPEN_STATUSES, STATUS_BADGE, Category, DeadlineKind, Status

# What a row shows, in this order (one LEFT JOIN chain for the household's room).
ROW_COLUMNS = (
    "id",
    "received_at",
    "category",
    "is_special",
    "location",
    "description",
    "status",
    "next_deadline_at",
    "assignee_id",
    "household_id",
    "household__unit__entrance",
    "household__unit__room_number",
    "household__unit__building__number",
    "household__unit__building__name",
    "assigned_department__name",
    "next_deadline_kind",  # an annotation of console_selectors.queue_list
)

_ID_SLOT = 987654321  # reversed once; each row's link is this URL with the id put in
_LABELS: dict[tuple[str, str], dict[str, str]] = {}


def choice_labels(choices, language: str | None = None) -> dict[str, str]:
    """Choice labels in one language (the current one by default), looked up once per process
    and language (`get_FOO_display()` hashes every choice on every call)."""
    language = language or get_language()
    key = (choices.__name__, language)
    if key not in _LABELS:
        _LABELS[key] = {value: str(label) for value, label in choices.choices}
    return _LABELS[key]


@dataclass(frozen=True)
class QueueRow:
    pk: int
    number: str
    url: str
    category: str
    is_special: bool
    place: str
    location: str
    description: str
    status: str
    badge: str
    deadline: str
    deadline_kind: str
    overdue: bool
    department: str
    assignee: str
    received: str


def _truncate(text: str, length: int = 40) -> str:
    """Truncator(text).chars(40) for plain text (no combining marks in what staff type)."""
    return text if len(text) <= length else text[: length - 1] + "…"


def build_rows(tuples, names: dict[int, str], now: datetime.datetime) -> list[QueueRow]:
    language = get_language()
    categories, statuses = choice_labels(Category, language), choice_labels(Status, language)
    kinds = choice_labels(DeadlineKind, language)
    detail_url = reverse("service_requests:request_detail", args=[_ID_SLOT])
    zone = timezone.get_current_timezone()
    rows = []
    for (
        pk,
        received_at,
        category,
        is_special,
        location,
        description,
        status,
        deadline_at,
        assignee_id,
        _household_id,
        entrance,
        room,
        building_number,
        building_name,
        department,
        deadline_kind,
    ) in tuples:
        received = received_at.astimezone(zone)
        deadline = deadline_at.astimezone(zone) if deadline_at else None
        rows.append(
            QueueRow(
                pk=pk,
                number=f"QZ{received:%Y%m%d}-{pk:06d}",  # ServiceRequest.number
                url=detail_url.replace(str(_ID_SLOT), str(pk)),
                category=categories.get(category, category),
                is_special=is_special,
                place=""
                if room is None  # a public-area report: no household
                else unit_label(building_number, building_name, entrance, room),
                location=location,
                description=_truncate(description),
                status=statuses.get(status, status),
                badge=STATUS_BADGE.get(status, ""),
                deadline=f"{deadline:%m-%d %H:%M}" if deadline else "",
                deadline_kind=kinds.get(deadline_kind, "") if deadline and deadline_kind else "",
                overdue=status in OPEN_STATUSES and deadline_at is not None and deadline_at < now,
                department=department or "",
                assignee=names.get(assignee_id, "") if assignee_id else "",
                received=f"{received:%m-%d %H:%M}",
            )
        )
    return rows


def rows_html(rows: list[QueueRow]) -> SafeString:
    """The <tr> elements of the queue table (what request_queue.html's loop used to write)."""
    # Translated outside the f-strings: makemessages does not read inside them.
    if not rows:
        none = _("没有符合条件的求助。")
        return SafeString(f'<tr><td colspan="8" class="muted">{escape(none)}</td></tr>')
    special, overdue = _("特别"), _("已逾期")
    special_badge = f' <span class="badge red">{escape(special)}</span>'
    overdue_badge = f' <span class="badge red">{escape(overdue)}</span>'
    public_area = escape(_("公共区域"))
    no_deadline = '<span class="muted">—</span>'
    parts = []
    for row in rows:
        css = ("overdue" if row.overdue else "") + (" special" if row.is_special else "")
        place = (
            escape(row.place)
            if row.place
            else f'<span class="muted">{escape(row.location) or public_area}</span>'
        )
        kind = (
            f' <span class="muted">{escape(row.deadline_kind)}</span>' if row.deadline_kind else ""
        )
        deadline = (
            escape(row.deadline) + kind + (overdue_badge if row.overdue else "")
            if row.deadline
            else no_deadline
        )
        who = escape(row.department) + (f" · {escape(row.assignee)}" if row.assignee else "")
        parts.append(
            f'<tr class="{css}" data-testid="queue-row">'
            f'<td><a href="{row.url}">{row.number}</a></td>'
            f"<td>{escape(row.category)}{special_badge if row.is_special else ''}</td>"
            f"<td>{place}</td>"
            f"<td>{escape(row.description)}</td>"
            f'<td><span class="badge {row.badge}">{escape(row.status)}</span></td>'
            f"<td>{deadline}</td>"
            f"<td>{who}</td>"
            f"<td>{row.received}</td></tr>"
        )
    return SafeString("\n".join(parts))


def tabs_html(tabs: list[dict], current: str) -> SafeString:
    """The queue's tabs with their counts (my work, my department, all open, overdue, all)."""
    return SafeString(
        "".join(
            '<a href="?{}"{} data-tab="{}">{} <span class="count">{}</span></a>'.format(
                escape(tab["query"]),
                ' class="active" aria-current="page"' if tab["name"] == current else "",
                escape(tab["name"]),
                escape(str(tab["label"])),
                tab["count"],
            )
            for tab in tabs
        )
    )


def pagination_html(page, query_string: str) -> SafeString:
    """core/_pagination.html for the queue (the same markup, without the template engine)."""
    paginator = page.paginator
    if paginator.num_pages <= 1:
        return SafeString("")
    prefix = f"?{escape(query_string)}&amp;" if query_string else "?"
    previous, following = _("上一页"), _("下一页")  # outside the f-strings, for makemessages
    parts = ['<div class="pagination">']
    if page.has_previous():
        parts.append(f'<a href="{prefix}page={page.previous_page_number()}">{escape(previous)}</a>')
    summary = _("第 %(n)s / %(total)s 页,共 %(rows)s 条") % {
        "n": page.number,
        "total": paginator.num_pages,
        "rows": paginator.count,
    }
    parts.append(f'<span class="muted">{escape(summary)}</span>')
    if page.has_next():
        parts.append(f'<a href="{prefix}page={page.next_page_number()}">{escape(following)}</a>')
    parts.append("</div>")
    return SafeString("\n".join(parts))
