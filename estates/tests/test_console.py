"""The staff console: login, role menus, household search and detail, move-in (issue #2)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core import caching
from core.testing import (
    PASSWORD,
    VALID_ID_CARD,
    make_building,
    make_estate,
    make_household,
    make_office,
    make_staff,
    owner,
)
from estates.choices import OccupancyStatus, ResidentRelation
from estates.models import Household, MoveIn, Resident
from estates.services import PersonData, resident_add


@pytest.fixture
def office(db):
    return make_office("阳光家园管理处")


@pytest.fixture
def building(office):
    return make_building(make_estate(office), "3")


@pytest.fixture
def household(building):
    return make_household(building, "1502", entrance="2", residents=[owner("张伟", "13812345678")])


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


# --- Login and role menus ------------------------------------------------------------------


def test_anonymous_users_are_sent_to_the_chinese_login_page(client, db):
    response = client.get(reverse("estates:household_list"))
    assert response.status_code == 302
    page = client.get(response.url)
    assert "登录物业客服台" in page.content.decode()


def test_login_with_wrong_password_says_so_in_chinese(client, office):
    user = make_staff("cs_staff", offices=[office])
    response = client.post(reverse("login"), {"username": user.username, "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_login_lands_on_the_workbench_with_roles(client, office):
    user = make_staff("cs_staff", offices=[office], name="张婷")
    response = client.post(
        reverse("login"), {"username": user.username, "password": PASSWORD}, follow=True
    )
    text = response.content.decode()
    assert "工作台" in text and "客服管理员" in text and "阳光家园管理处" in text


def _menu(client):
    return [item["label"] for item in client.get(reverse("core:home")).context["console_menu"]]


def test_menus_follow_the_role(client, office):
    login(client, make_staff("cs_supervisor", offices=[office]))
    assert _menu(client) == [
        "工作台",
        "求助受理",
        "求助/报事",
        "住户查询",
        "资料导入",
        "小区楼栋",
        "部门与外部单位",
        "员工",
        "作业规程策略",
        "登记簿",
        "值班与交接班",
        "值班记录",
        "投诉处理",
        "住户违章",
        "统计",
    ]
    client.logout()
    login(client, make_staff("cs_staff", offices=[office]))
    assert _menu(client) == [
        "工作台",
        "求助受理",
        "求助/报事",
        "住户查询",
        "小区楼栋",
        "部门与外部单位",
        "作业规程策略",
        "登记簿",
        "值班与交接班",
        "值班记录",
        "投诉处理",
        "住户违章",
    ]
    client.logout()
    login(client, make_staff("cleaning", offices=[office]))
    assert _menu(client) == ["工作台", "求助/报事", "小区楼栋"]


def test_a_role_without_the_permission_gets_a_chinese_403(client, office, household):
    login(client, make_staff("cleaning", offices=[office]))
    response = client.get(reverse("estates:household_list"))
    assert response.status_code == 403
    assert "无权" in response.content.decode()


def test_english_is_available(client, office):
    login(client, make_staff("cs_staff", offices=[office]))
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("core:home"))
    assert response.context["LANGUAGE_CODE"] == "en"
    assert '<html lang="en">' in response.content.decode()


# --- Household list and search -------------------------------------------------------------


def test_search_by_room_shows_the_household(client, office, household):
    login(client, make_staff("cs_staff", offices=[office]))
    response = client.get(reverse("estates:household_list"), {"q": "3-2-1502"})
    text = response.content.decode()
    assert "3栋2单元1502" in text and "张伟" in text and "13812345678" in text
    assert "找到 1 户" in text


def test_htmx_search_returns_only_the_results_fragment(client, office, household):
    login(client, make_staff("cs_staff", offices=[office]))
    response = client.get(
        reverse("estates:household_list"),
        {"q": "5678"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="results",
    )
    text = response.content.decode()
    assert "<html" not in text and "张伟" in text


def test_no_result_explains_what_can_be_typed(client, office, household):
    login(client, make_staff("cs_staff", offices=[office]))
    text = client.get(reverse("estates:household_list"), {"q": "9-9-9999"}).content.decode()
    assert "没有找到符合条件的住户" in text


def test_another_offices_household_is_not_listed_and_is_404(client, office, household):
    other = make_office("翠湖花园管理处")
    foreign = make_household(make_building(make_estate(other, "翠湖花园"), "3"), "1502")
    login(client, make_staff("cs_staff", offices=[office]))
    listed = client.get(reverse("estates:household_list"), {"q": "3-2-1502"}).context["page"]
    assert list(listed) == [household]
    missing = client.get(reverse("estates:household_detail", args=[99999999]))
    foreign_response = client.get(reverse("estates:household_detail", args=[foreign.pk]))
    assert foreign_response.status_code == missing.status_code == 404
    assert _without_csrf(foreign_response) == _without_csrf(missing)
    assert "未找到该页面或记录" in _without_csrf(missing)


def _without_csrf(response):
    """The page without what differs per request: CSRF tokens and the language form's `next`."""
    import re

    text = response.content.decode()
    return re.sub(
        r'(csrfmiddlewaretoken" value=|X-CSRFToken": |name="next" type="hidden" value=)"[^"]+"',
        "",
        text,
    )


def _populate(building, count, start=1):
    for i in range(start, start + count):
        h = make_household(building, f"{i:02d}01", entrance="1")
        resident_add(
            actor=make_staff("office_manager", offices=[building.estate.office]),
            household=h,
            person=PersonData(name=f"住户{i}", relation=ResidentRelation.OWNER),
        )
        resident_add(
            actor=make_staff("office_manager", offices=[building.estate.office]),
            household=h,
            person=PersonData(name=f"家属{i}", relation=ResidentRelation.FAMILY),
        )


@pytest.mark.parametrize("query", ["", "住户", "3栋"])
def test_household_list_query_count_does_not_grow_with_rows(
    client, office, building, django_assert_num_queries, query
):
    """No N+1: the same number of queries for 3 households as for 25 (SOP-independent)."""
    user = make_staff("cs_staff", offices=[office])
    login(client, user)
    url = reverse("estates:household_list")
    _populate(building, 3)
    client.get(url, {"q": query})  # warm the content types
    # Both pages with an empty cache: making residents changes roles, which would otherwise
    # leave the second page to read the (cached) permissions and scope again.
    caching.clear()
    with django_assert_num_queries(_count_queries(client, url, query)) as few:
        caching.clear()
        client.get(url, {"q": query})
    _populate(building, 22, start=4)
    caching.clear()
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url, {"q": query})
    assert response.status_code == 200


def _count_queries(client, url, query):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.get(url, {"q": query})
    assert len(ctx.captured_queries) <= 12, [q["sql"] for q in ctx.captured_queries]
    return len(ctx.captured_queries)


# --- Household detail: ID masking ------------------------------------------------------------


def test_id_number_is_masked_for_roles_without_need(client, office, household):
    resident_add(
        actor=make_staff("office_manager", offices=[office]),
        household=household,
        person=PersonData(name="张小伟", relation=ResidentRelation.FAMILY, id_number=VALID_ID_CARD),
    )
    url = reverse("estates:household_detail", args=[household.pk])
    login(client, make_staff("cs_staff", offices=[office]))
    text = client.get(url).content.decode()
    assert VALID_ID_CARD not in text and "1101**********002X" in text
    client.logout()
    login(client, make_staff("cs_supervisor", offices=[office]))
    assert VALID_ID_CARD in client.get(url).content.decode()


# --- Move-in (入住手续, SOP.md §1) -----------------------------------------------------------


def _move_in_post(**overrides):
    data = {
        "resident": "",
        "new_name": "李娜",
        "new_relation": "tenant",
        "new_phone": "13900001111",
        "new_id_type": "resident_id_card",
        "new_id_number": VALID_ID_CARD,
        "moved_in_on": timezone.localdate().isoformat(),
        "registration_form_received": "on",
        "lease_checked": "on",
        "lease_start": "2026-01-01",
        "lease_end": "2027-01-01",
        "access_card_numbers": "A001, A002",
        "key_count": "2",
        "key_description": "入户门",
        "notes": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_tenant_move_in_is_recorded_with_who_and_when(client, office, building):
    household = make_household(building, "801", entrance="1")
    user = make_staff("cs_staff", offices=[office], name="张婷")
    login(client, user)
    response = client.post(
        reverse("estates:move_in_create", args=[household.pk]), _move_in_post(), follow=True
    )
    assert "已为李娜办理入住手续:门禁卡2张,钥匙2把" in response.content.decode()
    move_in = MoveIn.objects.get(household=household)
    assert move_in.handled_by == user
    assert move_in.access_card_numbers == ["A001", "A002"]
    assert move_in.lease_checked and move_in.lease_end == datetime.date(2027, 1, 1)
    household.refresh_from_db()
    assert household.occupancy == OccupancyStatus.LET
    assert Resident.objects.get(household=household).relation == ResidentRelation.TENANT


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"lease_checked": None}, "租户入住须核验租赁合同"),
        ({"lease_end": "2025-01-01"}, "租期结束日期须晚于开始日期"),
        ({"registration_form_received": None}, "住户登记表"),
        ({"new_id_number": ""}, "须核验证件"),
        ({"new_id_number": "110105194912310021"}, "校验位"),
        ({"new_phone": "12345"}, "电话号码"),
        ({"access_card_numbers": "A001 A001"}, "门禁卡号有重复"),
        ({"moved_in_on": "2999-01-01"}, "入住日期不能晚于今天"),
    ],
)
def test_bad_move_in_is_refused_in_chinese_and_changes_nothing(
    client, office, building, overrides, message
):
    household = make_household(building, "801", entrance="1")
    login(client, make_staff("cs_staff", offices=[office]))
    response = client.post(
        reverse("estates:move_in_create", args=[household.pk]), _move_in_post(**overrides)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not MoveIn.objects.exists()
    assert not Resident.objects.filter(household=household).exists()
    assert Household.objects.get(pk=household.pk).occupancy == OccupancyStatus.VACANT


def test_owner_move_in_for_an_existing_resident(client, office, household):
    resident = household.residents.get()
    resident.id_number = VALID_ID_CARD
    resident.save(update_fields=["id_number"])
    login(client, make_staff("cs_staff", offices=[office]))
    client.post(
        reverse("estates:move_in_create", args=[household.pk]),
        _move_in_post(resident=str(resident.pk), new_name="", lease_checked=None),
    )
    move_in = MoveIn.objects.get()
    assert move_in.resident == resident and move_in.id_document_number == VALID_ID_CARD
    assert Household.objects.get(pk=household.pk).occupancy == OccupancyStatus.OWNER_OCCUPIED


def test_guards_cannot_register_move_ins(client, office, household):
    login(client, make_staff("security_guard", offices=[office]))
    response = client.post(reverse("estates:move_in_create", args=[household.pk]), _move_in_post())
    assert response.status_code == 403
    assert not MoveIn.objects.exists()


def test_move_out_keeps_the_resident_on_record(client, office, household):
    resident = household.residents.get()
    login(client, make_staff("cs_staff", offices=[office]))
    today = timezone.localdate().isoformat()
    client.post(reverse("estates:resident_move_out", args=[resident.pk]), {"moved_out_on": today})
    resident.refresh_from_db()
    assert resident.moved_out_on == timezone.localdate()
    future = client.post(
        reverse("estates:resident_move_out", args=[resident.pk]), {"moved_out_on": today}
    )
    assert "已于" in future.content.decode()
