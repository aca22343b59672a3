"""Managing staff and their SOP roles from the console (issue #2; SOP.md §1)."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from core.testing import PASSWORD, make_office, make_staff
from organization.models import Department, Role, Staff


@pytest.fixture
def office(db):
    return make_office("阳光家园管理处")


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def _payload(office, **overrides):
    data = {
        "username": "zhangsan",
        "password": "Sunny-Home-2026",
        "name": "张三",
        "employee_no": "YG0100",
        "phone": "13800138000",
        "roles": [Role.objects.get(code="cs_staff").pk],
        "offices": [office.pk],
    }
    data.update(overrides)
    return data


def test_office_manager_opens_an_account_with_a_role(client, office):
    _login(client, make_staff("office_manager", offices=[office]))
    response = client.post(reverse("organization:staff_create"), _payload(office), follow=True)
    assert "已为张三开通账号" in response.content.decode()
    staff = Staff.objects.get(name="张三")
    assert list(staff.roles.values_list("code", flat=True)) == ["cs_staff"]
    assert staff.user.check_password("Sunny-Home-2026")
    assert client.login(username="zhangsan", password="Sunny-Home-2026")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"phone": "12345"}, "电话号码"),
        ({"password": "123"}, "密码"),
        ({"offices": []}, "管理处岗位须选择所属管理处"),
        ({"roles": []}, "该字段是必填项"),
    ],
)
def test_bad_staff_input_is_refused_and_creates_nothing(client, office, overrides, message):
    _login(client, make_staff("office_manager", offices=[office]))
    response = client.post(reverse("organization:staff_create"), _payload(office, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not get_user_model().objects.filter(username="zhangsan").exists()


def test_an_office_manager_cannot_grant_company_roles(client, office):
    _login(client, make_staff("office_manager", offices=[office]))
    gm = Role.objects.get(code="general_manager").pk
    response = client.post(reverse("organization:staff_create"), _payload(office, roles=[gm]))
    assert "公司级岗位" in response.content.decode()
    assert not Staff.objects.filter(name="张三").exists()


def test_an_office_manager_cannot_place_staff_in_another_office(client, office):
    other = make_office("翠湖花园管理处", company=office.company)
    _login(client, make_staff("office_manager", offices=[office]))
    response = client.post(
        reverse("organization:staff_create"), _payload(office, offices=[other.pk])
    )
    assert response.status_code == 200  # the other office is not even a valid choice
    assert not Staff.objects.filter(name="张三").exists()


def test_front_desk_staff_cannot_manage_staff(client, office):
    _login(client, make_staff("cs_staff", offices=[office]))
    assert client.get(reverse("organization:staff_create")).status_code == 403
    assert client.post(reverse("organization:staff_create"), _payload(office)).status_code == 403


def test_deactivating_a_leaver_keeps_the_record_and_blocks_login(client, office):
    manager = make_staff("office_manager", offices=[office])
    leaver = make_staff("cs_staff", offices=[office], name="李四")
    _login(client, manager)
    staff = leaver.staff
    data = _payload(office, name="李四")
    data.pop("username")
    data.pop("password")
    client.post(reverse("organization:staff_edit", args=[staff.pk]), data)  # is_active unticked
    leaver.refresh_from_db()
    assert not leaver.is_active and Staff.objects.filter(pk=staff.pk).exists()
    assert not client.login(username=leaver.username, password=PASSWORD)


def test_office_manager_adds_a_department(client, office):
    _login(client, make_staff("office_manager", offices=[office]))
    client.post(
        reverse("organization:department_create"),
        {"name": "工程部", "kind": "engineering", "office": office.pk, "phone": ""},
    )
    assert Department.objects.filter(office=office, name="工程部").exists()
    response = client.post(
        reverse("organization:department_create"),
        {"name": "急救中心", "kind": "emergency_medical", "office": "", "phone": "120"},
    )
    assert "只能由公司领导新建" in response.content.decode()
    assert not Department.objects.filter(name="急救中心").exists()
