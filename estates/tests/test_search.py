"""Finding a household the way a receptionist on the phone does (issue #2)."""

import pytest

from core.testing import make_building, make_estate, make_household, make_office, make_staff, owner
from estates.selectors import household_list, parse_household_query


@pytest.mark.parametrize(
    ("typed", "kind", "building", "entrance", "room"),
    [
        ("3-2-1502", "room", "3", "2", "1502"),
        ("3栋2单元1502", "room", "3", "2", "1502"),
        ("3栋1502", "room", "3", "", "1502"),
        ("3幢1502室", "room", "3", "", "1502"),
        ("3#1502", "room", "3", "", "1502"),
        ("３－２－１５０２", "room", "3", "2", "1502"),  # full-width, as some IMEs type
        ("A座1502", "room", "A", "", "1502"),
    ],
)
def test_room_forms_are_understood(typed, kind, building, entrance, room):
    parsed = parse_household_query(typed)
    assert (parsed.kind, parsed.building, parsed.entrance, parsed.room) == (
        kind,
        building,
        entrance,
        room,
    )


def test_phone_and_name_forms_are_understood():
    assert parse_household_query("138 1234 5678").kind == "phone"
    assert parse_household_query("138 1234 5678").phone == "13812345678"
    assert parse_household_query("5678").kind == "phone_or_room"
    assert parse_household_query("张伟").kind == "name"
    assert parse_household_query("   ").kind == "empty"


@pytest.fixture
def reception(db):
    office = make_office()
    estate = make_estate(office)
    b3 = make_building(estate, "3")
    b5 = make_building(estate, "5")
    target = make_household(b3, "1502", entrance="2", residents=[owner("张伟", "13812345678")])
    make_household(b3, "1502", entrance="1", residents=[owner("李娜", "13900001111")])
    make_household(b5, "1502", entrance="2", residents=[owner("王芳", "13712340000")])
    user = make_staff("cs_staff", offices=[office])
    return user, target


def _rooms(qs):
    return sorted(h.unit.short_code for h in qs)


def test_find_by_building_entrance_and_room(reception):
    user, target = reception
    assert list(household_list(user=user, query="3-2-1502")) == [target]
    assert list(household_list(user=user, query="3栋2单元1502")) == [target]


def test_find_by_building_and_room_lists_every_entrance(reception):
    user, _ = reception
    assert _rooms(household_list(user=user, query="3栋1502")) == ["3-1-1502", "3-2-1502"]


def test_find_by_full_phone_last_four_and_name(reception):
    user, target = reception
    assert list(household_list(user=user, query="138-1234-5678")) == [target]
    assert list(household_list(user=user, query="张伟")) == [target]
    # "5678" is the last four of 张伟's phone; no room is numbered 5678.
    assert list(household_list(user=user, query="5678")) == [target]


def test_four_digits_match_room_numbers_too(reception):
    user, _ = reception
    assert _rooms(household_list(user=user, query="1502")) == ["3-1-1502", "3-2-1502", "5-2-1502"]


def test_moved_out_residents_are_not_found_by_phone(reception):
    from django.utils import timezone

    from estates.services import resident_move_out

    user, target = reception
    resident = target.residents.get()
    manager = make_staff("office_manager", offices=[target.office])
    resident_move_out(actor=manager, resident=resident, moved_out_on=timezone.localdate())
    assert list(household_list(user=user, query="13812345678")) == []
