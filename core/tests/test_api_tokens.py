"""API tokens expire (issue #3): a token older than API_TOKEN_MAX_AGE is refused with 401
`token_expired` and a message saying how to get a new one; logging in again, rotating and
`manage.py issue_api_token` replace a token (the old one stops working at once); the age is
asked in the token's own SQL statement, so no request costs a query more."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from core.testing import PASSWORD, api_client, make_office, make_staff

TOKEN_URL = "/api/v1/auth/token/"
ROTATE_URL = "/api/v1/auth/token/rotate/"
# Served with core.api.authentication.TokenAuthentication whatever the default classes are.
REQUESTS = "/api/v1/requests/"
DAY = datetime.timedelta(days=1)


@pytest.fixture
def clerk(db):
    return make_staff("cs_staff", offices=[make_office()])


def with_token(key: str):
    client = api_client()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def token_of(user, *, age: datetime.timedelta) -> Token:
    token = Token.objects.create(user=user)
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - age)
    token.refresh_from_db()
    return token


def log_in(user, **extra):
    return api_client().post(
        TOKEN_URL, {"username": user.username, "password": PASSWORD}, format="json", **extra
    )


# --- Expiry ---------------------------------------------------------------------------------------


def test_a_fresh_token_works_and_says_when_it_expires(clerk, settings):
    """Without API_TOKEN_MAX_AGE in the settings a token lives 90 days."""
    if hasattr(settings, "API_TOKEN_MAX_AGE"):
        del settings.API_TOKEN_MAX_AGE
    response = log_in(clerk)
    assert response.status_code == 200
    body = response.json()
    expires_at = datetime.datetime.fromisoformat(body["expires_at"])
    assert abs(expires_at - (timezone.now() + 90 * DAY)) < datetime.timedelta(minutes=1)
    assert with_token(body["token"]).get(REQUESTS).status_code == 200


def test_an_expired_token_is_refused_with_401_and_how_to_get_a_new_one(clerk, settings):
    settings.API_TOKEN_MAX_AGE = 90 * 24 * 3600
    token = token_of(clerk, age=91 * DAY)
    response = with_token(token.key).get(REQUESTS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    body = response.json()
    assert set(body) == {"code", "message", "detail"}
    assert body["code"] == "token_expired"
    expired_at = timezone.localtime(token.created + 90 * DAY)
    assert body["message"] == (
        f"令牌已过期({expired_at:%Y-%m-%d %H:%M}到期)。请用用户名和密码重新获取:"
        "POST /api/v1/auth/token/;或请管理员在服务器上执行 manage.py issue_api_token 用户名"
    )
    assert datetime.datetime.fromisoformat(body["detail"]["expired_at"]) == expired_at


def test_the_message_is_english_for_an_english_client(clerk, settings):
    settings.API_TOKEN_MAX_AGE = 3600
    token = token_of(clerk, age=2 * datetime.timedelta(hours=1))
    response = with_token(token.key).get(REQUESTS, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401
    assert response.json()["message"].startswith("The token expired")


def test_the_age_counts_from_when_the_token_was_issued(clerk, settings):
    settings.API_TOKEN_MAX_AGE = 3600  # one hour
    token = token_of(clerk, age=datetime.timedelta(minutes=59))
    assert with_token(token.key).get(REQUESTS).status_code == 200
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - datetime.timedelta(hours=2))
    assert with_token(token.key).get(REQUESTS).json()["code"] == "token_expired"


def test_a_max_age_of_0_means_tokens_never_expire(clerk, settings):
    settings.API_TOKEN_MAX_AGE = 0
    token = token_of(clerk, age=3650 * DAY)
    assert with_token(token.key).get(REQUESTS).status_code == 200
    assert log_in(clerk).json() == {"token": token.key, "expires_at": None}


def test_an_unknown_token_and_an_inactive_account_are_still_drfs_refusals(clerk, settings):
    settings.API_TOKEN_MAX_AGE = 3600
    unknown = with_token("0123456789abcdef0123456789abcdef01234567").get(REQUESTS)
    assert (unknown.status_code, unknown.json()["code"]) == (401, "authentication_failed")
    token = token_of(clerk, age=2 * DAY)  # expired as well: the inactive account answers first
    clerk.is_active = False
    clerk.save()
    response = with_token(token.key).get(REQUESTS)
    assert (response.status_code, response.json()["code"]) == (401, "authentication_failed")


@pytest.mark.parametrize("path", ["/api/v1/me/", "/api/v1/households/", "/api/v1/staff/"])
def test_an_expired_token_is_refused_on_every_endpoint(clerk, settings, path):
    settings.API_TOKEN_MAX_AGE = 3600
    token = token_of(clerk, age=2 * DAY)
    response = with_token(token.key).get(path)
    assert (response.status_code, response.json()["code"]) == (401, "token_expired")


# --- Getting a new token --------------------------------------------------------------------------


def test_logging_in_again_replaces_an_expired_token(clerk, settings):
    settings.API_TOKEN_MAX_AGE = 3600
    old = token_of(clerk, age=2 * DAY)
    # The client still sends its old token: the login does not look at it.
    response = log_in(clerk, HTTP_AUTHORIZATION=f"Token {old.key}")
    assert response.status_code == 200
    new = response.json()["token"]
    assert new != old.key and not Token.objects.filter(key=old.key).exists()
    assert with_token(new).get(REQUESTS).status_code == 200
    assert with_token(old.key).get(REQUESTS).status_code == 401


def test_logging_in_while_the_token_is_valid_answers_the_same_token(clerk, settings):
    """Several apps of one user share the token: a second login must not cut off the first."""
    settings.API_TOKEN_MAX_AGE = 3600
    first = log_in(clerk).json()["token"]
    assert log_in(clerk).json()["token"] == first
    assert with_token(first).get(REQUESTS).status_code == 200


def test_rotating_gives_a_new_token_and_the_old_one_stops_working(clerk):
    old = log_in(clerk).json()["token"]
    response = with_token(old).post(ROTATE_URL)
    assert response.status_code == 200
    body = response.json()
    assert body["token"] != old and body["expires_at"]
    refused = with_token(old).get(REQUESTS)
    assert (refused.status_code, refused.json()["code"]) == (401, "authentication_failed")
    assert with_token(body["token"]).get(REQUESTS).status_code == 200
    assert Token.objects.filter(user=clerk).count() == 1


def test_an_expired_token_cannot_renew_itself(clerk, settings):
    settings.API_TOKEN_MAX_AGE = 3600
    token = token_of(clerk, age=2 * DAY)
    response = with_token(token.key).post(ROTATE_URL)
    assert (response.status_code, response.json()["code"]) == (401, "token_expired")
    assert Token.objects.get(user=clerk).key == token.key
    assert api_client().post(ROTATE_URL).status_code == 401


def test_a_console_session_may_rotate_the_users_token(client, clerk):
    old = Token.objects.create(user=clerk)
    assert client.login(username=clerk.username, password=PASSWORD)
    response = client.post(ROTATE_URL)
    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=clerk).key != old.key


def test_the_command_issues_a_new_token_and_prints_it(clerk, settings):
    settings.API_TOKEN_MAX_AGE = 3600
    old = token_of(clerk, age=2 * DAY)
    out, err = io.StringIO(), io.StringIO()
    call_command("issue_api_token", clerk.username, stdout=out, stderr=err)
    new = out.getvalue().strip()
    assert Token.objects.get(user=clerk).key == new != old.key
    assert "valid until" in err.getvalue()
    assert with_token(new).get(REQUESTS).status_code == 200
    assert with_token(old.key).get(REQUESTS).status_code == 401


def test_the_command_refuses_an_unknown_or_inactive_user(clerk):
    with pytest.raises(CommandError, match="no user 'nobody'"):
        call_command("issue_api_token", "nobody", stdout=io.StringIO(), stderr=io.StringIO())
    clerk.is_active = False
    clerk.save()
    with pytest.raises(CommandError, match="inactive"):
        call_command("issue_api_token", clerk.username, stdout=io.StringIO(), stderr=io.StringIO())
    assert not Token.objects.filter(user=clerk).exists()


# --- Cost -----------------------------------------------------------------------------------------


def test_the_age_is_checked_in_the_tokens_one_statement(clerk, settings, django_assert_num_queries):
    """The intake benchmark depends on one fixed statement for the token and its user: an
    expired token is refused by that statement alone, a valid one costs nothing more."""
    settings.API_TOKEN_MAX_AGE = 3600
    expired = token_of(clerk, age=2 * DAY)
    with django_assert_num_queries(1) as captured:
        assert with_token(expired.key).get(REQUESTS).status_code == 401
    [statement] = [query["sql"] for query in captured.captured_queries]
    assert "CASE WHEN" in statement and "authtoken_token" in statement

    Token.objects.filter(pk=expired.pk).delete()
    client = with_token(Token.objects.create(user=clerk).key)
    client.get(REQUESTS)  # warm the user's scope and permissions (cached, AUTHZ_CACHE_SECONDS)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(REQUESTS).status_code == 200
    token_statements = [q["sql"] for q in queries.captured_queries if "authtoken_token" in q["sql"]]
    # The queue's whole budget stays pinned by service_requests/tests/test_api.py
    # (test_queue_runs_a_fixed_number_of_queries: 4, the token statement one of them).
    assert len(token_statements) == 1 and "CASE WHEN" in token_statements[0]


# --- Audit ----------------------------------------------------------------------------------------


def _issued(user) -> list[tuple]:
    from core.audit import audit_events_for

    return [
        (e.actor_id, e.data["reason"], e.data["replaced_token_created"] is not None)
        for e in audit_events_for(user).filter(type="api_token_issued").order_by("at", "pk")
    ]


def test_every_token_issued_is_audited_with_who_and_why_but_never_its_key(clerk, settings):
    """Who may reach the API, from when, on whose word (brief principle 2: every decision kept
    with who and when): a login that makes a token, the holder's rotation, an administrator's
    command — each one audit event on the user; a login answered with the valid token issues
    nothing and records nothing."""
    settings.API_TOKEN_MAX_AGE = 3600
    first = log_in(clerk).json()["token"]
    log_in(clerk)  # the same token: nothing new
    rotated = with_token(first).post(ROTATE_URL).json()["token"]
    call_command("issue_api_token", clerk.username, stdout=io.StringIO(), stderr=io.StringIO())
    assert _issued(clerk) == [
        (clerk.pk, "login", False),
        (clerk.pk, "rotate", True),
        (None, "command", True),  # the server's command line: no user
    ]
    from core.models import AuditEvent

    recorded = str(list(AuditEvent.objects.values_list("data", flat=True)))
    assert first not in recorded and rotated not in recorded
