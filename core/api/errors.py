"""Every API error is `{"code", "message", "detail"}` (issue #2)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from core.exceptions import ApplicationError

_DEFAULT_MESSAGES = {
    "not_found": _("未找到该记录"),
    "not_authenticated": _("请先登录或提供有效的令牌"),
    "authentication_failed": _("身份验证失败"),
    "permission_denied": _("您的岗位没有此项权限"),
    "method_not_allowed": _("不支持该请求方法"),
    "throttled": _("请求过于频繁,请稍后再试"),
    "parse_error": _("请求内容无法解析"),
    "unsupported_media_type": _("不支持的内容类型"),
    "invalid": _("输入有误,请检查后重试"),
}


def error_body(code: str, message: str, detail=None) -> dict:
    return {"code": code, "message": message, "detail": detail}


def api_exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        set_rollback()  # like DRF's own handler: nothing half-written survives the refusal
        return Response(error_body(exc.code, exc.message, exc.detail), status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        code = "invalid"
        message = _first_message(exc.detail) or _DEFAULT_MESSAGES["invalid"]
        detail = exc.detail
    else:
        code = getattr(exc, "default_code", "error")
        if response.status_code == status.HTTP_404_NOT_FOUND:
            code = "not_found"
        message = _DEFAULT_MESSAGES.get(code) or str(getattr(exc, "detail", ""))
        detail = None
        if code not in _DEFAULT_MESSAGES:
            # An exception of our own may carry structured data (core/api/authentication.py's
            # TokenExpired: `expired_at`); otherwise its detail.
            detail = getattr(exc, "extra", getattr(exc, "detail", None))
    response.data = error_body(code, str(message), detail)
    return response


def _first_message(detail) -> str | None:
    if isinstance(detail, dict):
        for field, value in detail.items():
            msg = _first_message(value)
            if msg:
                return msg if field == "non_field_errors" else f"{field}: {msg}"
    elif isinstance(detail, list):
        for value in detail:
            msg = _first_message(value)
            if msg:
                return msg
    elif detail:
        return str(detail)
    return None
