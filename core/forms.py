"""Showing a service's refusal on a console form."""

from core.exceptions import ApplicationError


def apply_application_error(form, error: ApplicationError, *, prefix: str = "") -> None:
    """Put each field error next to its field (trying `prefix + name` first); anything that
    has no field on this form goes to the top of the form."""
    placed = False
    for field, messages in error.field_errors.items():
        name = prefix + field if prefix + field in form.fields else field
        if name in form.fields:
            for message in messages:
                form.add_error(name, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)
