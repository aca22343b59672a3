"""The console menu: each entry is shown only to roles holding its permission."""

import functools
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.urlcache import cached_url


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url_name: str
    permission: str | None  # None: every signed-in user
    staff_only: bool = False
    # Staff pages that show internal notes: a resident account reads its own requests through
    # the resident API (internal notes hidden), not the staff console.
    console_staff_only: bool = False


MENU = [
    MenuEntry(_("工作台"), "core:home", None),
    MenuEntry(_("求助受理"), "service_requests:request_new", "service_requests.add_servicerequest"),
    MenuEntry(
        _("求助/报事"),
        "service_requests:request_list",
        "service_requests.view_servicerequest",
        console_staff_only=True,
    ),
    MenuEntry(_("住户查询"), "estates:household_list", "estates.view_household"),
    MenuEntry(_("资料导入"), "estates:import", "estates.import_households"),
    MenuEntry(_("小区楼栋"), "estates:estate_list", "estates.view_building"),
    MenuEntry(_("部门与外部单位"), "organization:department_list", "organization.view_department"),
    MenuEntry(_("员工"), "organization:staff_list", "organization.view_staff"),
    MenuEntry(_("作业规程策略"), "policies:policy_detail", "policies.view_policyversion"),
    MenuEntry(_("登记簿"), "reception:index", "reception.view_lostitem"),
    MenuEntry(_("值班与交接班"), "duty:index", "duty.view_shift"),
    MenuEntry(_("值班记录"), "duty:log", "duty.view_logentry"),
    MenuEntry(
        _("投诉处理"), "complaints:list", "complaints.view_complaint", console_staff_only=True
    ),
    MenuEntry(
        _("住户违章"),
        "violations:case_list",
        "violations.view_violationcase",
        console_staff_only=True,
    ),
    MenuEntry(_("统计"), "service_requests_reports:on_time", "reception.view_on_time_report"),
    MenuEntry(_("管理后台"), "admin:index", None, staff_only=True),
]


def menu_for(user, current_path: str = "") -> list[dict]:
    from organization.scoping import scope_for

    is_resident = scope_for(user).is_resident
    # user.has_perm per entry would walk the auth backends (importing each) sixteen times a
    # page; the permission set is read once (the backend caches it, organization.backends).
    granted_all = user.is_active and user.is_superuser
    granted = set() if granted_all or not user.is_active else user.get_all_permissions()
    entries = []
    for entry in MENU:
        if entry.console_staff_only and is_resident:
            continue
        if entry.permission and not (granted_all or entry.permission in granted):
            continue
        if entry.staff_only and not user.is_staff:
            continue
        url = cached_url(entry.url_name)
        active = current_path == url if url == "/" else current_path.startswith(url)
        entries.append({"label": entry.label, "url": url, "active": active})
    # Only the most specific match is highlighted (/requests/new/ is not also /requests/).
    longest = max((len(e["url"]) for e in entries if e["active"]), default=0)
    for e in entries:
        e["active"] = e["active"] and len(e["url"]) == longest
    return entries


def menu_html(entries: list[dict]) -> SafeString:
    """The side menu's links (on every page): written once per process for each language and
    set of entries shown, since translating its labels cost more than the rest of the menu."""
    return _menu_html(get_language(), tuple((e["url"], e["active"]) for e in entries))


@functools.lru_cache(maxsize=512)  # languages × role sets × the entry shown as active
def _menu_html(language: str, shown: tuple[tuple[str, bool], ...]) -> SafeString:
    labels = {cached_url(entry.url_name): entry.label for entry in MENU}
    return SafeString(
        "".join(
            '<a href="{}"{}>{}</a>'.format(
                escape(url), ' class="active"' if active else "", escape(str(labels[url]))
            )
            for url, active in shown
        )
    )
