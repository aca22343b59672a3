"""Estates, buildings and rooms maintained from the console (issue #2 master data)."""

import pytest
from django.urls import reverse

from core.testing import PASSWORD, make_building, make_estate, make_office, make_staff
from estates.models import Building, Estate, Household, Unit


@pytest.fixture
def office(db):
    return make_office("阳光家园管理处")


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_supervisor_builds_an_estate_building_and_room(client, office):
    _login(client, make_staff("cs_supervisor", offices=[office]))
    client.post(reverse("estates:estate_create"), {"office": office.pk, "name": "阳光家园"})
    estate = Estate.objects.get(name="阳光家园")
    client.post(reverse("estates:building_create", args=[estate.pk]), {"number": "3", "floors": 18})
    building = Building.objects.get(estate=estate)
    response = client.post(
        reverse("estates:unit_create", args=[building.pk]),
        {
            "entrance": "2",
            "floor": 15,
            "room_number": "1502",
            "area": "98.50",
            "occupancy": "vacant",
        },
        follow=True,
    )
    assert "已新增房屋3栋2单元1502" in response.content.decode()
    assert Household.objects.get(unit__building=building).office == office


def test_duplicate_room_is_refused_in_chinese_and_adds_nothing(client, office):
    building = make_building(make_estate(office))
    _login(client, make_staff("cs_supervisor", offices=[office]))
    url = reverse("estates:unit_create", args=[building.pk])
    room = {"entrance": "2", "floor": 15, "room_number": "1502", "occupancy": "vacant"}
    client.post(url, room)
    response = client.post(url, room)
    assert response.status_code == 200
    assert "已经存在" in response.content.decode()
    assert Unit.objects.count() == 1


def test_another_offices_building_is_404_and_front_desk_cannot_add_rooms(client, office):
    foreign = make_building(make_estate(make_office("翠湖花园管理处"), "翠湖花园"))
    _login(client, make_staff("cs_supervisor", offices=[office]))
    assert client.get(reverse("estates:unit_create", args=[foreign.pk])).status_code == 404
    client.logout()
    _login(client, make_staff("cs_staff", offices=[office]))
    own = make_building(make_estate(office))
    assert client.get(reverse("estates:unit_create", args=[own.pk])).status_code == 403
