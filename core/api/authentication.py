"""Token authentication for the hot API paths (issue #3, docs/performance.md).

DRF's TokenAuthentication reads the token and its user with `select_related("user").get()`:
building that query costs more CPU than PostgreSQL spends answering it. This one sends the same
join as one fixed statement (prepared by the server after a few runs) and builds the user from
the row, with the model fields' own converters. A missing token or an inactive user falls back
to DRF's code, so those refusals (and their messages) are DRF's.

A token older than settings.API_TOKEN_MAX_AGE (core/api/tokens.py) is refused with 401
`token_expired` and a message saying how to get a new one. Its age is asked in the same
statement — a column comparing `created` with a cut-off computed in Python — so an expired
token costs no query more than a valid one, and the statement's text stays fixed.
"""

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from drf_spectacular.drainage import set_override
from rest_framework import authentication, exceptions

from core.api.tokens import token_cutoff, token_expires_at


class TokenExpired(exceptions.AuthenticationFailed):
    """401 `token_expired`: the token is older than API_TOKEN_MAX_AGE."""

    default_code = "token_expired"

    def __init__(self, token):
        expired_at = token_expires_at(token)
        message = _(
            "令牌已过期(%(at)s到期)。请用用户名和密码重新获取:POST /api/v1/auth/token/;"
            "或请管理员在服务器上执行 manage.py issue_api_token 用户名"
        ) % {"at": formats.date_format(timezone.localtime(expired_at), "Y-m-d H:i")}
        super().__init__(message)
        self.extra = {"expired_at": timezone.localtime(expired_at).isoformat()}


def _column_reader(model, connection):
    """(quoted columns, function building an instance from a row) for every concrete field."""
    opts = model._meta
    fields = opts.concrete_fields
    quote = connection.ops.quote_name
    columns = ", ".join(f"{quote(opts.db_table)}.{quote(field.column)}" for field in fields)
    converters = []
    for position, field in enumerate(fields):
        column = field.get_col(opts.db_table)
        found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if found:
            converters.append((position, column, found))
    attnames = [field.attname for field in fields]

    def build(values):
        values = list(values)
        for position, column, found in converters:
            for converter in found:
                values[position] = converter(values[position], column, connection)
        return model.from_db(connection.alias, attnames, values)

    return columns, build


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`, as DRF's, in one fixed SQL statement."""

    _readers: dict = {}

    def _reader(self, connection):
        cache_key = (connection.alias, connection.vendor)
        reader = self._readers.get(cache_key)
        if reader is None:
            token_model, user_model = self.get_model(), get_user_model()
            quote = connection.ops.quote_name
            user_columns, build_user = _column_reader(user_model, connection)
            token_columns, build_token = _column_reader(token_model, connection)
            token_table = quote(token_model._meta.db_table)
            user_table = quote(user_model._meta.db_table)
            user_pk = quote(user_model._meta.pk.column)
            user_fk = quote(token_model._meta.get_field("user").column)
            key_column = quote(token_model._meta.get_field("key").column)
            created = quote(token_model._meta.get_field("created").column)
            sql = (
                f"SELECT {token_columns}, {user_columns}, "
                f"CASE WHEN {token_table}.{created} >= %s THEN 1 ELSE 0 END FROM {token_table} "
                f"INNER JOIN {user_table} ON {token_table}.{user_fk} = {user_table}.{user_pk} "
                f"WHERE {token_table}.{key_column} = %s"
            )
            width = len(token_model._meta.concrete_fields)
            reader = self._readers[cache_key] = (sql, width, build_token, build_user)
        return reader

    def authenticate_credentials(self, key):
        model = self.get_model()
        connection = connections[router.db_for_read(model)]
        sql, width, build_token, build_user = self._reader(connection)
        cutoff = connection.ops.adapt_datetimefield_value(token_cutoff())
        with connection.cursor() as cursor:
            cursor.execute(sql, [cutoff, key])
            row = cursor.fetchone()
        if row is None:
            return super().authenticate_credentials(key)  # DRF's refusal
        token, user = build_token(row[:width]), build_user(row[width:-1])
        if not user.is_active:
            return super().authenticate_credentials(key)  # DRF's refusal
        if not row[-1]:
            raise TokenExpired(token)
        token.user = user
        return (user, token)


# The OpenAPI schema: the same `tokenAuth` security scheme as DRF's class (drf-spectacular's
# TokenScheme matches subclasses), so the two classes sharing the component's name is intended.
set_override(TokenAuthentication, "suppress_collision_warning", True)
