"""Hooks through which a procedure built on top of a request takes part in the request's
lifecycle without service_requests importing it (the dependency goes the other way:
complaints → service_requests).

A procedure may own some of the request's steps: it takes them itself, through the request's
services with `by_procedure=True` (or `request_reopen_for_procedure`), after its own rules.
The complaint procedure (SOP.md §3; complaints app) owns, on a category c request that has a
complaint record, the result (the department returns the 住户投诉意见表), the resident's
confirmation (telling the resident), the follow-up visit, the close, the referral, the
cancellation and the reopening: taken on the request page they would skip the slip, the telling,
the visit its severity requires and the complaint's own record. It registers a `step owner` when
the app loads (complaints/apps.py); the generic services then refuse those steps with where to
take them instead, and the request page offers a link there instead of their forms.
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class Step(StrEnum):
    """The request's steps a procedure may own (the names of the request page's actions)."""

    RESOLVE = "resolve"
    CONFIRM = "confirm"
    FOLLOW_UP = "follow_up"
    CLOSE = "close"
    REFER = "refer"
    CANCEL = "cancel"
    REOPEN = "reopen"


@dataclass(frozen=True)
class StepOwner:
    """The procedure on top of this request: its name as the console shows it (a menu entry),
    the page where to take its steps, the id of its record (for API clients), the steps it
    owns and why (one sentence the refusal starts with)."""

    procedure: str
    url: str
    object_id: int
    steps: frozenset[str]
    reason: str = ""
    view_permission: str = ""  # who may open `url`; others read the reason without a link

    def owns(self, step: str) -> bool:
        return step in self.steps


_STEP_OWNERS: list[Callable] = []


def register_step_owner(find: Callable) -> Callable:
    """`find(request) -> StepOwner | None`; registered once per process (AppConfig.ready)."""
    if find not in _STEP_OWNERS:
        _STEP_OWNERS.append(find)
    return find


def procedure_owner(request) -> StepOwner | None:
    """The procedure on top of this request, if any (one look-up for the whole page)."""
    for find in _STEP_OWNERS:
        owner = find(request)
        if owner is not None:
            return owner
    return None


def step_owner(request, step: str) -> StepOwner | None:
    """The procedure that takes this step of this request itself, if any."""
    owner = procedure_owner(request)
    return owner if owner is not None and owner.owns(step) else None
