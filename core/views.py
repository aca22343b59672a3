from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.selectors import calendar_warning, home_cards, user_profile


@login_required
def home(request):
    return render(
        request,
        "core/home.html",
        {
            "profile": user_profile(user=request.user),
            "cards": home_cards(user=request.user),
            "calendar_warning": calendar_warning(user=request.user),
        },
    )


def not_found(request, exception=None):
    return render(
        request,
        "core/error.html",
        {"title": _("未找到"), "message": _("未找到该页面或记录,或您无权查看。")},
        status=404,
    )


def forbidden(request, exception=None):
    message = str(exception) if exception and str(exception) else _("您的岗位没有此项权限。")
    return render(
        request, "core/error.html", {"title": _("无权操作"), "message": message}, status=403
    )
