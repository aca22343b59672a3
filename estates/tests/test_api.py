"""The REST API of places and people (issue #2): scoping, search, the counter's writes through
the services, ID-number masking and a fixed number of queries for the search list."""

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.models import AuditEvent
from core.testing import (
    VALID_ID_CARD,
    VALID_ID_CARD_2,
    api_client,
    make_building,
    make_company,
    make_estate,
    make_household,
    make_office,
    make_resident_account,
    make_staff,
    owner,
)
from core.validators import mask_id_number
from estates.importer import HEADERS
from estates.models import Household, MoveIn, Resident

HOUSEHOLDS = "/api/v1/households/"


@pytest.fixture
def world(db):
    """Two offices of one company, and an office of another company, one household each."""
    company = make_company("阳光物业")
    office_a = make_office("阳光家园管理处", company=company)
    office_b = make_office("翠湖花园管理处", company=company)
    office_x = make_office("别家管理处", company=make_company("别家物业"))
    estate_a = make_estate(office_a, "阳光家园")
    building_a = make_building(estate_a, "3")
    home_a = make_household(building_a, "1502", residents=[owner("张伟", "13812345678")])
    home_b = make_household(
        make_building(make_estate(office_b, "翠湖花园"), "3"),
        "1502",
        residents=[owner("李娜", "13900001111")],
    )
    home_x = make_household(
        make_building(make_estate(office_x, "别家小区"), "3"),
        "1502",
        residents=[owner("王芳", "13712340000")],
    )
    return SimpleNamespace(
        company=company,
        office_a=office_a,
        office_b=office_b,
        office_x=office_x,
        estate_a=estate_a,
        building_a=building_a,
        home_a=home_a,
        home_b=home_b,
        home_x=home_x,
    )


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


def _written() -> tuple[int, int, int]:
    return Resident.objects.count(), MoveIn.objects.count(), AuditEvent.objects.count()


# --- Scoping ----------------------------------------------------------------------------------


def test_another_offices_household_is_the_same_404_as_a_missing_one(world):
    """Issue #2: asking for another office's object is indistinguishable from a missing one."""
    client = api_client(make_staff("cs_staff", offices=[world.office_a]))
    assert client.get(f"{HOUSEHOLDS}{world.home_a.pk}/").status_code == 200

    missing = client.get(f"{HOUSEHOLDS}999999/")
    for path in ("", "residents/", "move-ins/"):
        other = client.get(f"{HOUSEHOLDS}{world.home_b.pk}/{path}")
        assert other.status_code == missing.status_code == 404
        assert other.json() == missing.json()
    assert missing.json() == {"code": "not_found", "message": "未找到该记录", "detail": None}

    patch = client.patch(f"{HOUSEHOLDS}{world.home_b.pk}/", {"notes": "改"}, format="json")
    assert (patch.status_code, patch.json()) == (404, missing.json())
    world.home_b.refresh_from_db()
    assert world.home_b.notes == ""


def test_another_offices_households_are_not_listed_or_found(world):
    client = api_client(make_staff("cs_staff", offices=[world.office_a]))
    assert _ids(client.get(HOUSEHOLDS)) == {world.home_a.pk}
    # 3-2-1502 exists in office B too; 李娜 and her phone live in office B.
    assert _ids(client.get(HOUSEHOLDS, {"q": "3-2-1502"})) == {world.home_a.pk}
    assert _ids(client.get(HOUSEHOLDS, {"q": "李娜"})) == set()
    assert _ids(client.get(HOUSEHOLDS, {"q": "13900001111"})) == set()
    assert _ids(client.get(HOUSEHOLDS, {"q": "1111"})) == set()


def test_places_are_scoped_too(world):
    client = api_client(make_staff("cs_staff", offices=[world.office_a]))
    estates = client.get("/api/v1/estates/").json()["results"]
    assert [e["name"] for e in estates] == ["阳光家园"]
    buildings = client.get("/api/v1/buildings/").json()["results"]
    assert [b["estate"] for b in buildings] == [world.estate_a.pk]
    units = client.get("/api/v1/units/").json()["results"]
    assert [u["household"] for u in units] == [world.home_a.pk]
    other_building = world.home_b.unit.building_id
    assert client.get(f"/api/v1/buildings/{other_building}/").status_code == 404
    assert client.get("/api/v1/units/", {"building": other_building}).json()["count"] == 0


def test_buildings_and_units_filter_by_parent(world):
    client = api_client(make_staff("cs_staff", offices=[world.office_a]))
    make_building(world.estate_a, "5")
    other_estate = make_estate(world.office_a, "阳光二期")
    make_building(other_estate, "1")
    by_estate = client.get("/api/v1/buildings/", {"estate": world.estate_a.pk}).json()
    assert sorted(b["number"] for b in by_estate["results"]) == ["3", "5"]
    units = client.get("/api/v1/units/", {"building": world.building_a.pk}).json()["results"]
    assert [(u["short_code"], u["label"]) for u in units] == [("3-2-1502", "3栋2单元1502")]


def test_company_role_sees_every_office_of_its_company_only(world):
    client = api_client(make_staff("general_manager", company=world.company))
    assert _ids(client.get(HOUSEHOLDS)) == {world.home_a.pk, world.home_b.pk}
    assert client.get(f"{HOUSEHOLDS}{world.home_b.pk}/").status_code == 200
    assert client.get(f"{HOUSEHOLDS}{world.home_x.pk}/").status_code == 404


def test_resident_account_sees_only_its_own_household(world):
    user = make_resident_account(world.home_a, "张小伟")
    client = api_client(user)
    assert _ids(client.get(HOUSEHOLDS)) == {world.home_a.pk}
    assert _ids(client.get(HOUSEHOLDS, {"q": "李娜"})) == set()
    detail = client.get(f"{HOUSEHOLDS}{world.home_a.pk}/").json()
    assert {r["name"] for r in detail["current_residents"]} == {"张伟", "张小伟"}
    other = make_household(world.building_a, "1501", residents=[owner("邻居", "13611112222")])
    assert client.get(f"{HOUSEHOLDS}{other.pk}/").status_code == 404
    assert client.get(f"{HOUSEHOLDS}{world.home_b.pk}/").status_code == 404


# --- Search -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["3-2-1502", "3栋2单元1502", "3栋1502", "13812345678", "138-1234-5678", "5678", "张伟"]
)
def test_receptionist_search_through_the_api(world, typed):
    make_household(world.building_a, "1601", residents=[owner("赵六", "13700009999")])
    client = api_client(make_staff("cs_staff", offices=[world.office_a]))
    results = client.get(HOUSEHOLDS, {"q": typed}).json()["results"]
    assert [r["id"] for r in results] == [world.home_a.pk]
    row = results[0]
    assert row["unit"]["label"] == "3栋2单元1502"
    assert row["unit"]["estate_name"] == "阳光家园"
    assert [(r["name"], r["phone"]) for r in row["current_residents"]] == [("张伟", "13812345678")]


def test_filters_and_a_bad_filter(world):
    client = api_client(make_staff("cs_staff", offices=[world.office_a]))
    assert _ids(client.get(HOUSEHOLDS, {"occupancy": "vacant"})) == {world.home_a.pk}
    assert _ids(client.get(HOUSEHOLDS, {"occupancy": "let"})) == set()
    assert _ids(client.get(HOUSEHOLDS, {"estate": world.estate_a.pk})) == {world.home_a.pk}
    assert _ids(client.get(HOUSEHOLDS, {"building": world.building_a.pk})) == {world.home_a.pk}
    bad = client.get(HOUSEHOLDS, {"estate": "abc"})
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid"
    assert bad.json()["message"].startswith("estate: ")
    assert "estate" in bad.json()["detail"]


def test_household_list_runs_a_fixed_number_of_queries(db, django_assert_num_queries):
    """A page of 40 rows costs what a page of 5 does (prefetches in household_list)."""
    office = make_office()
    building = make_building(make_estate(office))
    user = make_staff("cs_staff", offices=[office])
    client = api_client(user)

    def add_households(count, start):
        for n in range(start, start + count):
            make_household(building, f"{n}01", residents=[owner(f"业主{n}", f"1381234{n:04d}")])

    add_households(5, 1)
    # token+user, staff, role scopes, office ids, permissions (user, group+role),
    # page count, households, residents
    with django_assert_num_queries(9):
        assert len(client.get(HOUSEHOLDS).json()["results"]) == 5
    add_households(35, 6)
    with django_assert_num_queries(9):
        assert len(client.get(HOUSEHOLDS).json()["results"]) == 40


# --- Households: detail and update ------------------------------------------------------------


def test_detail_has_current_and_past_residents_and_move_ins(world):
    manager = make_staff("office_manager", offices=[world.office_a])
    client = api_client(manager)
    url = f"{HOUSEHOLDS}{world.home_a.pk}/"
    leaving = client.post(
        f"{url}residents/", {"name": "钱七", "relation": "family"}, format="json"
    ).json()
    moved_out = client.post(
        f"/api/v1/residents/{leaving['id']}/move-out/",
        {"moved_out_on": timezone.localdate().isoformat()},
        format="json",
    )
    assert moved_out.status_code == 200
    assert moved_out.json()["is_current"] is False

    detail = client.get(url).json()
    assert [r["name"] for r in detail["current_residents"]] == ["张伟"]
    assert [r["name"] for r in detail["past_residents"]] == ["钱七"]
    assert detail["move_ins"] == []
    residents = client.get(f"{url}residents/").json()
    assert [(r["name"], r["is_current"]) for r in residents] == [("张伟", True), ("钱七", False)]


def test_a_role_without_move_in_rights_sees_the_household_without_move_ins(world):
    """保安员 may see residents' contacts but not the move-in records (organization.roles)."""
    client = api_client(make_staff("security_guard", offices=[world.office_a]))
    detail = client.get(f"{HOUSEHOLDS}{world.home_a.pk}/").json()
    assert detail["move_ins"] is None
    assert [r["name"] for r in detail["current_residents"]] == ["张伟"]
    forbidden = client.get(f"{HOUSEHOLDS}{world.home_a.pk}/move-ins/")
    assert forbidden.status_code == 403
    assert forbidden.json()["code"] == "permission_denied"


def test_patch_changes_occupancy_and_notes_through_the_service(world):
    client = api_client(make_staff("cs_staff", offices=[world.office_a]))
    url = f"{HOUSEHOLDS}{world.home_a.pk}/"
    response = client.patch(url, {"occupancy": "let", "notes": "房东在外地"}, format="json")
    assert response.status_code == 200
    assert (response.json()["occupancy"], response.json()["notes"]) == ("let", "房东在外地")
    world.home_a.refresh_from_db()
    assert (world.home_a.occupancy, world.home_a.notes) == ("let", "房东在外地")
    assert AuditEvent.objects.filter(type="household_changed").exists()

    bad = client.patch(url, {"occupancy": "sold"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid"
    assert client.put(url, {"occupancy": "let"}, format="json").status_code == 405


def test_patch_needs_the_change_permission(world):
    client = api_client(make_staff("security_guard", offices=[world.office_a]))
    response = client.patch(f"{HOUSEHOLDS}{world.home_a.pk}/", {"notes": "x"}, format="json")
    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "message": "您的岗位没有此项权限",
        "detail": None,
    }


# --- Residents --------------------------------------------------------------------------------


def test_register_a_resident(world):
    client = api_client(make_staff("cs_staff", offices=[world.office_a]))
    response = client.post(
        f"{HOUSEHOLDS}{world.home_a.pk}/residents/",
        {
            "name": "张小伟",
            "relation": "family",
            "phone": "+86 139 0000 2222",
            "id_number": VALID_ID_CARD_2,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["phone"] == "13900002222"
    assert body["household"] == world.home_a.pk
    resident = Resident.objects.get(pk=body["id"])
    assert resident.id_number == VALID_ID_CARD_2
    assert AuditEvent.objects.filter(type="resident_added", object_id=str(resident.pk)).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "12345", "电话号码“12345”"),
        ("id_number", "110105194912310021", "身份证号码校验位不正确,请核对"),
        ("id_number", "1101051949", "身份证号码应为18位"),
    ],
)
def test_bad_phone_or_id_number_is_refused_and_nothing_is_written(world, field, value, message):
    client = api_client(make_staff("cs_staff", offices=[world.office_a]))
    before = _written()
    response = client.post(
        f"{HOUSEHOLDS}{world.home_a.pk}/residents/",
        {"name": "孙八", "relation": "owner", field: value},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert message in body["message"]
    assert message in body["detail"][field][0]
    assert _written() == before


def test_a_bad_relation_gets_the_domain_message(world):
    client = api_client(make_staff("cs_staff", offices=[world.office_a]))
    response = client.post(
        f"{HOUSEHOLDS}{world.home_a.pk}/residents/",
        {"name": "孙八", "relation": "lodger"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == {"relation": ["身份须为业主、租户或家庭成员"]}


def test_move_out_twice_is_refused(world):
    client = api_client(make_staff("cs_staff", offices=[world.office_a]))
    resident = world.home_a.residents.get()
    url = f"/api/v1/residents/{resident.pk}/move-out/"
    today = timezone.localdate().isoformat()
    assert client.post(url, {"moved_out_on": today}, format="json").status_code == 200
    again = client.post(url, {"moved_out_on": today}, format="json")
    assert again.status_code == 400
    assert "已于" in again.json()["message"]


def test_move_out_of_another_offices_resident_is_404(world):
    client = api_client(make_staff("cs_staff", offices=[world.office_a]))
    resident = world.home_b.residents.get()
    response = client.post(
        f"/api/v1/residents/{resident.pk}/move-out/",
        {"moved_out_on": timezone.localdate().isoformat()},
        format="json",
    )
    assert response.status_code == 404
    resident.refresh_from_db()
    assert resident.moved_out_on is None


# --- Move-ins ---------------------------------------------------------------------------------


def _tenant_move_in(**overrides):
    today = timezone.localdate()
    data = {
        "new_person": {
            "name": "周九",
            "relation": "tenant",
            "phone": "13600001234",
            "id_number": VALID_ID_CARD,
        },
        "moved_in_on": today.isoformat(),
        "registration_form_received": True,
        "lease_checked": True,
        "lease_start": today.isoformat(),
        "lease_end": today.replace(year=today.year + 1).isoformat(),
        "access_card_numbers": ["A001", "A002"],
        "key_count": 3,
    }
    data.update(overrides)
    return data


def test_register_a_tenants_move_in(world):
    client = api_client(make_staff("cs_staff", offices=[world.office_a]))
    response = client.post(
        f"{HOUSEHOLDS}{world.home_a.pk}/move-ins/", _tenant_move_in(), format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["resident"]["name"] == "周九"
    assert body["access_card_numbers"] == ["A001", "A002"]
    assert body["key_count"] == 3
    assert Household.objects.get(pk=world.home_a.pk).occupancy == "let"
    listed = client.get(f"{HOUSEHOLDS}{world.home_a.pk}/move-ins/").json()
    assert [m["id"] for m in listed] == [body["id"]]


def test_move_in_of_a_registered_resident(world):
    client = api_client(make_staff("cs_staff", offices=[world.office_a]))
    resident = client.post(
        f"{HOUSEHOLDS}{world.home_a.pk}/residents/",
        {"name": "吴十", "relation": "owner", "id_number": VALID_ID_CARD_2},
        format="json",
    ).json()
    response = client.post(
        f"{HOUSEHOLDS}{world.home_a.pk}/move-ins/",
        {
            "resident": resident["id"],
            "moved_in_on": timezone.localdate().isoformat(),
            "registration_form_received": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["resident"]["id"] == resident["id"]


def test_tenant_move_in_without_a_lease_is_refused(world):
    """SOP.md §1 (002 篇5): a tenant's move-in needs the lease checked."""
    client = api_client(make_staff("cs_staff", offices=[world.office_a]))
    before = _written()
    response = client.post(
        f"{HOUSEHOLDS}{world.home_a.pk}/move-ins/",
        _tenant_move_in(lease_checked=False, lease_start=None, lease_end=None),
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["message"] == "租户入住须核验租赁合同"
    assert set(body["detail"]) == {"lease_checked", "lease_end"}
    assert _written() == before


def test_a_role_without_add_movein_gets_403_and_nothing_is_written(world):
    client = api_client(make_staff("security_guard", offices=[world.office_a]))
    before = _written()
    response = client.post(
        f"{HOUSEHOLDS}{world.home_a.pk}/move-ins/", _tenant_move_in(), format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert _written() == before


def test_move_in_needs_exactly_one_person(world):
    client = api_client(make_staff("cs_staff", offices=[world.office_a]))
    response = client.post(
        f"{HOUSEHOLDS}{world.home_a.pk}/move-ins/",
        _tenant_move_in(new_person=None),
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["message"] == "请选择已登记的住户成员,或填写新入住人员信息"


def test_move_in_with_another_offices_resident_is_refused(world):
    client = api_client(make_staff("cs_staff", offices=[world.office_a]))
    stranger = world.home_b.residents.get()
    response = client.post(
        f"{HOUSEHOLDS}{world.home_a.pk}/move-ins/",
        _tenant_move_in(new_person=None, resident=stranger.pk),
        format="json",
    )
    assert response.status_code == 400
    assert "resident" in response.json()["detail"]
    assert not MoveIn.objects.exists()


# --- ID numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "full"), [("cs_supervisor", True), ("cs_staff", False)])
def test_id_numbers_are_masked_unless_the_role_may_see_them(world, role, full):
    clerk = api_client(make_staff("cs_staff", offices=[world.office_a]))
    clerk.post(f"{HOUSEHOLDS}{world.home_a.pk}/move-ins/", _tenant_move_in(), format="json")
    expected = VALID_ID_CARD if full else mask_id_number(VALID_ID_CARD)
    assert expected != VALID_ID_CARD or full

    client = api_client(make_staff(role, offices=[world.office_a]))
    url = f"{HOUSEHOLDS}{world.home_a.pk}/"
    detail = client.get(url).json()
    tenant = next(r for r in detail["current_residents"] if r["name"] == "周九")
    assert tenant["id_number"] == expected
    assert detail["move_ins"][0]["id_number"] == expected
    residents = client.get(f"{url}residents/").json()
    assert next(r for r in residents if r["name"] == "周九")["id_number"] == expected
    assert client.get(f"{url}move-ins/").json()[0]["id_number"] == expected
    resident = client.get(f"/api/v1/residents/{tenant['id']}/").json()
    assert resident["id_number"] == expected


# --- Import -----------------------------------------------------------------------------------

IMPORTS = "/api/v1/imports/households/"


def _csv(*rows) -> SimpleUploadedFile:
    lines = [",".join(HEADERS), *(",".join(row) for row in rows)]
    return SimpleUploadedFile("住户资料.csv", "\n".join(lines).encode(), content_type="text/csv")


# 小区, 楼栋, 单元, 楼层, 房号, 建筑面积, 使用状态, 姓名, 身份, 电话, 证件类型, 证件号码, 入住日期
GOOD_ROW = ("阳光家园", "3", "2", "16", "1602", "98.5", "自住", "郑一", "业主", "13711112222",
            "", "", "")  # fmt: skip


def test_import_a_file_into_the_users_only_office(world):
    client = api_client(make_staff("cs_supervisor", offices=[world.office_a]))
    response = client.post(IMPORTS, {"file": _csv(GOOD_ROW)}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json() == {
        "file_name": "住户资料.csv",
        "rows": 1,
        "estates_created": 0,
        "buildings_created": 0,
        "units_created": 1,
        "households_created": 1,
        "residents_created": 1,
        "households_updated": 0,
    }
    found = client.get(HOUSEHOLDS, {"q": "郑一"}).json()["results"]
    assert [h["unit"]["short_code"] for h in found] == ["3-2-1602"]


def test_a_bad_row_rejects_the_file_with_row_errors_and_writes_nothing(world):
    client = api_client(make_staff("cs_supervisor", offices=[world.office_a]))
    bad = (*GOOD_ROW[:9], "12345", "", "", "")
    households = Household.objects.count()
    response = client.post(IMPORTS, {"file": _csv(GOOD_ROW, bad)}, format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "import_rejected"
    assert "未导入任何数据" in body["message"]
    assert [(e["row"], e["column"]) for e in body["detail"]["errors"]] == [(3, "电话")]
    assert Household.objects.count() == households


def test_import_needs_the_import_permission(world):
    client = api_client(make_staff("cs_staff", offices=[world.office_a]))
    response = client.post(IMPORTS, {"file": _csv(GOOD_ROW)}, format="multipart")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_a_user_of_two_offices_names_the_office_and_only_one_in_scope(world):
    client = api_client(make_staff("cs_supervisor", offices=[world.office_a, world.office_b]))
    unnamed = client.post(IMPORTS, {"file": _csv(GOOD_ROW)}, format="multipart")
    assert unnamed.status_code == 400
    assert list(unnamed.json()["detail"]) == ["office"]
    outside = client.post(
        IMPORTS, {"file": _csv(GOOD_ROW), "office": world.office_x.pk}, format="multipart"
    )
    assert outside.status_code == 400
    assert list(outside.json()["detail"]) == ["office"]
    named = client.post(
        IMPORTS, {"file": _csv(GOOD_ROW), "office": world.office_b.pk}, format="multipart"
    )
    assert named.status_code == 201, named.json()
    assert named.json()["estates_created"] == 1  # 阳光家园 is office A's; B gets its own
