"""The organization's REST API (issue #2): offices, departments, staff and SOP roles, scoped
like the console — own office(s) for office roles, the company for company roles."""

from types import SimpleNamespace

import pytest

from core.testing import api_client, make_company, make_department, make_office, make_staff
from organization.choices import DepartmentKind
from organization.roles import ROLE_DEFINITIONS


@pytest.fixture
def org(db):
    company = make_company("阳光物业")
    office_a = make_office("阳光家园管理处", company=company)
    office_b = make_office("翠湖花园管理处", company=company)
    office_x = make_office("别家管理处", company=make_company("别家物业"))
    return SimpleNamespace(
        company=company,
        office_a=office_a,
        office_b=office_b,
        office_x=office_x,
        security_a=make_department(office_a, "保安部", DepartmentKind.SECURITY),
        security_b=make_department(office_b, "保安部", DepartmentKind.SECURITY),
        ambulance=make_department(
            None, "120急救中心", DepartmentKind.EMERGENCY_MEDICAL, company=company
        ),
        other_ambulance=make_department(
            None, "120", DepartmentKind.EMERGENCY_MEDICAL, company=office_x.company
        ),
        guard_a=make_staff("security_guard", offices=[office_a], name="门岗甲"),
        guard_b=make_staff("security_guard", offices=[office_b], name="门岗乙"),
    )


def _names(response) -> set[str]:
    assert response.status_code == 200, response.json()
    return {row["name"] for row in response.json()["results"]}


def test_departments_are_the_offices_own_and_the_companys_outside_parties(org):
    client = api_client(make_staff("cs_staff", offices=[org.office_a]))
    ids = {row["id"] for row in client.get("/api/v1/departments/").json()["results"]}
    assert ids == {org.security_a.pk, org.ambulance.pk}
    missing = client.get("/api/v1/departments/999999/")
    other = client.get(f"/api/v1/departments/{org.security_b.pk}/")
    assert (other.status_code, other.json()) == (404, missing.json())
    ambulance = client.get(f"/api/v1/departments/{org.ambulance.pk}/").json()
    assert (ambulance["is_external"], ambulance["kind_display"]) == (True, "急救中心(120)")


def test_staff_of_an_office_see_their_colleagues_only(org):
    supervisor = make_staff("cs_supervisor", offices=[org.office_a], name="主管甲")
    client = api_client(supervisor)
    assert _names(client.get("/api/v1/staff/")) == {"门岗甲", "主管甲"}
    other = client.get(f"/api/v1/staff/{org.guard_b.staff.pk}/")
    assert other.status_code == 404
    me = client.get(f"/api/v1/staff/{supervisor.staff.pk}/").json()
    assert me["roles"] == ["cs_supervisor"]
    assert me["offices"] == [org.office_a.pk]


def test_a_company_role_sees_every_office_of_its_company_only(org):
    client = api_client(make_staff("general_manager", company=org.company))
    assert _names(client.get("/api/v1/offices/")) == {"阳光家园管理处", "翠湖花园管理处"}
    assert _names(client.get("/api/v1/staff/")) == {"门岗甲", "门岗乙"}
    assert client.get(f"/api/v1/offices/{org.office_x.pk}/").status_code == 404
    ids = {row["id"] for row in client.get("/api/v1/departments/").json()["results"]}
    assert ids == {org.security_a.pk, org.security_b.pk, org.ambulance.pk}


def test_a_role_without_view_staff_gets_403(org):
    client = api_client(make_staff("cs_staff", offices=[org.office_a]))
    response = client.get("/api/v1/staff/")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_roles_list_the_sop_roles_with_their_permissions(org):
    client = api_client(make_staff("office_manager", offices=[org.office_a]))
    response = client.get("/api/v1/roles/")
    assert response.json()["count"] == len(ROLE_DEFINITIONS)
    codes = [row["code"] for row in response.json()["results"]]
    assert codes == [definition[0] for definition in ROLE_DEFINITIONS]
    clerk = client.get("/api/v1/roles/cs_staff/").json()
    assert clerk["name"] == "客服管理员"
    assert clerk["scope"] == "office"
    assert "estates.add_movein" in clerk["permissions"]
    assert client.get("/api/v1/roles/no_such_role/").json()["code"] == "not_found"


def test_role_list_runs_a_fixed_number_of_queries(org, django_assert_num_queries):
    client = api_client(make_staff("office_manager", offices=[org.office_a]))
    # token+user, permissions (user, group+role), count, roles, their permissions
    with django_assert_num_queries(6):
        assert client.get("/api/v1/roles/").status_code == 200
