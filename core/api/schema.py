"""OpenAPI pieces every API area shares: the error body and the error responses."""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """The body of every API error (issue #2); clients switch on `code`."""

    code = serializers.CharField(
        help_text=(
            "Stable machine code: invalid, not_found, not_authenticated, authentication_failed, "
            "token_expired, permission_denied, method_not_allowed, parse_error, "
            "unsupported_media_type, import_rejected, import_file_invalid, or a service's own "
            "code."
        )
    )
    message = serializers.CharField(help_text="One sentence in Chinese, fit to show to staff.")
    detail = serializers.JSONField(
        allow_null=True,
        help_text=(
            "Structured detail or null: field errors as {field: [messages]}, or a service's "
            'extra data, e.g. {"errors": [{"row", "column", "message"}]} for a rejected import.'
        ),
    )


_DESCRIPTIONS = {
    400: "输入有误 — invalid input or a rule of the SOP refused the action",
    401: "未登录 — no or an invalid `Authorization: Token <key>` header, or an expired token "
    "(`token_expired`: log in again at /api/v1/auth/token/)",
    403: "无权操作 — the user's SOP roles do not grant this action",
    404: "未找到 — no such record, or it belongs to an office outside the user's scope",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """`{status: error response}` to merge into an operation's `responses`."""
    return {
        status: OpenApiResponse(response=ErrorSerializer, description=_DESCRIPTIONS[status])
        for status in statuses
    }


READ_ERRORS = error_responses(401, 403)
OBJECT_ERRORS = error_responses(401, 403, 404)
WRITE_ERRORS = error_responses(400, 401, 403, 404)
