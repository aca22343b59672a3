"""The one error type services raise (HackSoft style).

The API turns it into `{"code", "message", "detail"}` (core.api.errors); the console shows
`message` next to the form. Messages are Chinese (gettext) because staff read them.
"""

from typing import Any


class ApplicationError(Exception):
    """A refused action: `code` is stable (API clients switch on it), `message` is for people.

    `field_errors` maps form field names to messages so the console can show each one next to
    its field; `extra` carries structured detail (e.g. the rows of a rejected import).
    """

    status_code = 400

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid",
        field_errors: dict[str, list[str]] | None = None,
        extra: Any = None,
        status_code: int | None = None,
    ):
        super().__init__(message)
        self.message = str(message)
        self.code = code
        self.field_errors = field_errors or {}
        self.extra = extra
        if status_code is not None:
            self.status_code = status_code

    @property
    def detail(self) -> Any:
        if self.extra is not None:
            return self.extra
        return self.field_errors or None


class PermissionDeniedError(ApplicationError):
    """The actor's role may not do this (SOP authority rules); the message says why."""

    status_code = 403

    def __init__(self, message: str, *, code: str = "permission_denied", **kwargs):
        super().__init__(message, code=code, **kwargs)


def validation_error_to_application_error(exc, *, code: str = "invalid") -> ApplicationError:
    """Turn a django ValidationError from full_clean() into an ApplicationError."""
    from django.utils.translation import gettext as _

    if hasattr(exc, "message_dict"):
        field_errors = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
        first = next(iter(field_errors.values()))[0]
        return ApplicationError(first, code=code, field_errors=field_errors)
    messages = [str(m) for m in getattr(exc, "messages", [exc])]
    return ApplicationError(messages[0] if messages else _("输入有误"), code=code)
