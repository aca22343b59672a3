"""Authority checks services share (brief principle 3: authority is enforced)."""

from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, PermissionDeniedError
from organization.scoping import scope_for


def require_perm(actor, perm: str, *, action: str) -> None:
    """Refuse unless the actor's roles grant `perm`; the message names the action refused."""
    if actor is None or not actor.is_authenticated or not actor.has_perm(perm):
        raise PermissionDeniedError(
            _("您的岗位无权%(action)s。如需办理,请联系客服主管或管理处经理。") % {"action": action}
        )


def require_office_in_scope(actor, office_id: int | None) -> None:
    """An object of an office outside the actor's scope is 'not found', never 'forbidden'."""
    if not scope_for(actor).allows_office(office_id):
        raise ObjectNotFoundError()


class ObjectNotFoundError(ApplicationError):
    status_code = 404

    def __init__(self, message: str | None = None):
        super().__init__(message or _("未找到该记录"), code="not_found")
