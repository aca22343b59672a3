"""Issue #3: a gunicorn worker serves the hot pages all day; nothing may keep a reference to
a finished request (a stray cache once kept every queue request alive: a worker grew by
~40 kB per page and Python's full collections paused it for 200 ms)."""

import gc
import io
import sys

import pytest
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.urls import reverse

from service_requests.choices import Category
from service_requests.tests.test_console import intake


@pytest.fixture
def keep_test_connection():
    """As django.test.Client does: a served request must not close the connection that holds
    the test's transaction (on PostgreSQL it would; in-memory SQLite ignores the close)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _wsgi_get(handler, path, cookie):
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "HTTP_COOKIE": cookie,
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
    }
    statuses = []
    body = handler(environ, lambda status, headers, exc_info=None: statuses.append(status))
    b"".join(body)
    body.close()
    return statuses[0]


@pytest.mark.parametrize("page", ["queue", "detail"])
def test_served_pages_keep_no_request_alive(
    page, office, household, receptionist, keep_test_connection
):
    sr = intake(receptionist, office, household=household, category=Category.REPAIR)
    client = Client()
    client.force_login(receptionist)
    cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items())
    path = (
        reverse("service_requests:request_list")
        if page == "queue"
        else reverse("service_requests:request_detail", args=[sr.pk])
    )
    handler = WSGIHandler()
    for _ in range(3):
        assert _wsgi_get(handler, path, cookie).startswith("200")
    gc.collect()
    # type(), not isinstance(): another test's dead weakref.proxy raises ReferenceError.
    before = sum(issubclass(type(o), WSGIRequest) for o in gc.get_objects())
    for _ in range(20):
        _wsgi_get(handler, path, cookie)
    gc.collect()
    after = sum(issubclass(type(o), WSGIRequest) for o in gc.get_objects())
    assert after <= before, f"{after - before} requests kept alive by 20 page views"
