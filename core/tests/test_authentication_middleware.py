"""core.middleware.AuthenticationMiddleware (issue #3, docs/performance.md): request.user is the
user itself, not a lazy proxy, and it still behaves as Django's does for a signed-in user, a
visitor, signing out and an API client without a session."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.functional import LazyObject

from core.middleware import AuthenticationMiddleware
from core.testing import make_office, make_staff


def _through_middleware(request):
    from django.contrib.sessions.middleware import SessionMiddleware

    seen = {}

    def view(req):
        seen["user"] = req.user
        return HttpResponse()

    SessionMiddleware(lambda r: AuthenticationMiddleware(view)(r))(request)
    return seen["user"]


@pytest.mark.django_db
def test_a_signed_in_users_request_user_is_the_user_itself(client):
    user = make_staff("cs_staff", offices=[make_office()])
    client.force_login(user)
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    seen = response.wsgi_request.user
    assert not isinstance(seen, LazyObject)
    assert isinstance(seen, get_user_model()) and seen.pk == user.pk


@pytest.mark.django_db
def test_a_visitor_without_a_session_is_anonymous_without_a_query():
    request = RequestFactory().get("/api/v1/requests/")
    with CaptureQueriesContext(connection) as queries:
        user = _through_middleware(request)
    assert isinstance(user, AnonymousUser)
    assert len(queries) == 0


@pytest.mark.django_db
def test_signing_out_leaves_the_visitor_anonymous(client):
    user = make_staff("cs_staff", offices=[make_office()])
    client.force_login(user)
    client.post(reverse("logout"))
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
