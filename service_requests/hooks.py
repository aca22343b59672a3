"""Hooks through which a procedure built on top of a request takes part in the request's
lifecycle without service_requests importing it (the dependency goes the other way:
complaints → service_requests).

The complaint procedure (SOP.md §3; complaints app) owns the reopening of a category c request
that has a complaint record: reopening it means sending the 住户投诉意见表 again, telling the
resident again and a new follow-up visit, under the complaint's own resolve limit. It registers
a `reopen owner` when the app loads (complaints/apps.py); the generic reopen then refuses with
where to reopen instead (service_requests.services.request_reopen).
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ReopenOwner:
    """The procedure that reopens this request: its name as the console shows it (a menu
    entry), the page where to do it and the id of its record (for API clients)."""

    procedure: str
    url: str
    object_id: int


_REOPEN_OWNERS: list[Callable] = []


def register_reopen_owner(find: Callable) -> Callable:
    """`find(request) -> ReopenOwner | None`; registered once per process (AppConfig.ready)."""
    if find not in _REOPEN_OWNERS:
        _REOPEN_OWNERS.append(find)
    return find


def reopen_owner(request) -> ReopenOwner | None:
    for find in _REOPEN_OWNERS:
        owner = find(request)
        if owner is not None:
            return owner
    return None
