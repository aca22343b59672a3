"""API tokens that expire (issue #3): a token older than settings.API_TOKEN_MAX_AGE is refused
(core/api/authentication.py) and replaced by a new one.

A token is DRF's `authtoken.Token` (one per user, its `created` time). It is replaced — never
extended — in three ways: logging in again (`POST /api/v1/auth/token/` with the password
answers the user's token if it is still valid, otherwise a new one), rotating
(`POST /api/v1/auth/token/rotate/` with the current token or a console session), and
`manage.py issue_api_token USERNAME` on the server. Replacing deletes the old token, so it stops
working at once.
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from core.audit import audit_record
from core.choices import AuditEventType

DEFAULT_MAX_AGE = datetime.timedelta(days=90)
# The cut-off when tokens never expire (API_TOKEN_MAX_AGE = 0): every token is newer.
NEVER = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def token_max_age() -> datetime.timedelta | None:
    """settings.API_TOKEN_MAX_AGE (seconds, or a timedelta); None when tokens never expire."""
    value = getattr(settings, "API_TOKEN_MAX_AGE", DEFAULT_MAX_AGE)
    if not isinstance(value, datetime.timedelta):
        value = datetime.timedelta(seconds=value or 0)
    return value if value > datetime.timedelta(0) else None


def token_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    """Tokens created before this moment have expired."""
    max_age = token_max_age()
    if max_age is None:
        return NEVER
    return (now or timezone.now()) - max_age


def token_expires_at(token: Token) -> datetime.datetime | None:
    max_age = token_max_age()
    return None if max_age is None else token.created + max_age


def token_is_expired(token: Token, *, now: datetime.datetime | None = None) -> bool:
    return token.created < token_cutoff(now)


def _lock_user(user) -> None:
    """Two logins (or rotations) of one user at once must not both create a token."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()


# Why a token was issued (the audit event's data): a login with the password, the holder's
# own rotation, an administrator's `manage.py issue_api_token`.
ISSUED_AT_LOGIN, ISSUED_BY_ROTATION, ISSUED_BY_COMMAND = "login", "rotate", "command"


@transaction.atomic
def token_issue(*, user, actor=None, reason: str) -> Token:
    """A new token for `user`; the old one, if any, is deleted and stops working at once. The
    issue is audited — for whom, by whom (None: the server's command line), why and which
    token it replaced (by its creation time; keys are never recorded)."""
    _lock_user(user)
    replaced = Token.objects.filter(user=user).values_list("created", flat=True).first()
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    audit_record(
        type=AuditEventType.API_TOKEN_ISSUED,
        actor=actor,
        obj=user,
        data={
            "reason": reason,
            "replaced_token_created": replaced.isoformat() if replaced else None,
        },
    )
    return token


@transaction.atomic
def token_for_login(*, user, now: datetime.datetime | None = None) -> Token:
    """The token a login with the password answers: the user's current one while it is valid
    (several apps of one user may share it), a new one when there is none or it expired."""
    _lock_user(user)
    token = Token.objects.filter(user=user).first()
    if token is not None and not token_is_expired(token, now=now):
        return token
    return token_issue(user=user, actor=user, reason=ISSUED_AT_LOGIN)
