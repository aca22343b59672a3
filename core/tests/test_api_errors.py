"""The API's contract (issue #2): token authentication, every error as
{"code", "message", "detail"} with the right status, and an OpenAPI schema with browsable docs
that need no outside network."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

from core.testing import (
    PASSWORD,
    api_client,
    make_building,
    make_estate,
    make_household,
    make_office,
    make_staff,
    make_superuser,
)

ERROR_KEYS = {"code", "message", "detail"}


@pytest.fixture
def clerk(db):
    return make_staff("cs_staff", offices=[make_office()])


def test_token_is_obtained_with_username_and_password_and_then_used(clerk):
    client = api_client()
    response = client.post(
        "/api/v1/auth/token/", {"username": clerk.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["roles"] == ["客服管理员"]
    assert client.get("/api/v1/households/").status_code == 200


def test_wrong_password_is_a_400_in_the_error_shape(clerk):
    response = api_client().post(
        "/api/v1/auth/token/", {"username": clerk.username, "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["code"] == "invalid"
    assert "non_field_errors" in body["detail"]


@pytest.mark.parametrize("path", ["/api/v1/households/", "/api/v1/staff/", "/api/v1/me/"])
def test_without_a_token_the_answer_is_401_with_a_challenge(db, path):
    response = api_client().get(path)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "code": "not_authenticated",
        "message": "请先登录或提供有效的令牌",
        "detail": None,
    }


def test_an_unknown_token_is_401_authentication_failed(db):
    client = api_client()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    response = client.get("/api/v1/households/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_role_without_the_view_permission_gets_403(db):
    cleaner = make_staff("cleaning", offices=[make_office()])  # places only (organization.roles)
    client = api_client(cleaner)
    assert client.get("/api/v1/estates/").status_code == 200
    response = client.get("/api/v1/households/")
    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "message": "您的岗位没有此项权限",
        "detail": None,
    }


def test_unparseable_json_is_a_400_parse_error(clerk):
    response = api_client(clerk).post(
        "/api/v1/auth/token/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert set(response.json()) == ERROR_KEYS
    assert response.json()["code"] == "parse_error"


def test_a_missing_field_names_the_field(clerk):
    household = make_household(make_building(make_estate(clerk.staff.offices.get())))
    response = api_client(clerk).post(
        f"/api/v1/households/{household.pk}/residents/", {"relation": "owner"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["code"] == "invalid"
    assert body["message"].startswith("name: ")
    assert re.search(r"[\u4e00-\u9fff]", body["message"])  # DRF's messages in Chinese
    assert list(body["detail"]) == ["name"]


def test_a_method_not_allowed_is_405_in_the_error_shape(db):
    response = api_client(make_superuser()).delete("/api/v1/estates/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_schema_is_served_and_generates_without_warnings(db, tmp_path):
    response = api_client().get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/households/{id}/move-ins/" in response.content
    # --fail-on-warn turns any drf-spectacular warning or error into a failure.
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )


def test_swagger_ui_loads_from_our_own_static_files(db):
    response = api_client().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"https?://", html), "the docs page must not load anything from a CDN"
    assets = re.findall(r'(?:src|href)="/static/([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        assert finders.find(asset), asset
