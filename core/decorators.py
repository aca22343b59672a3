"""View decorators shared by console apps."""

import functools

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from organization.scoping import scope_for


def staff_console(view):
    """Refuse resident accounts on staff pages (they show internal notes and other households'
    data shapes); residents use the resident API, which hides internal notes."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if scope_for(request.user).is_resident:
            raise PermissionDenied(
                _("住户账号不能使用员工工作台的求助页面,请通过住户端查看本户求助。")
            )
        return view(request, *args, **kwargs)

    return wrapper
