"""Data scoping (issue #2; SOP.md §1): own office for office roles, the company for company
roles, one household for a resident; anything else is "not found"."""

import pytest
from django.http import Http404

from core.testing import (
    make_building,
    make_company,
    make_estate,
    make_household,
    make_office,
    make_staff,
    make_user,
    owner,
)
from estates.selectors import household_get, household_list
from organization.scoping import scope_for


@pytest.fixture
def two_offices(db):
    company = make_company("阳光物业")
    office_a = make_office("阳光家园管理处", company=company)
    office_b = make_office("翠湖花园管理处", company=company)
    other_company_office = make_office("别家管理处", company=make_company("别家物业"))
    homes = {}
    for key, office in (("a", office_a), ("b", office_b), ("x", other_company_office)):
        building = make_building(make_estate(office, f"小区{key}"), "1")
        homes[key] = make_household(building, "101", residents=[owner(f"业主{key}")])
    return office_a, office_b, other_company_office, homes


def test_office_staff_see_only_their_office(two_offices):
    office_a, _, _, homes = two_offices
    staff = make_staff("cs_staff", offices=[office_a])
    assert list(household_list(user=staff)) == [homes["a"]]
    assert household_get(user=staff, pk=homes["a"].pk) == homes["a"]
    with pytest.raises(Http404):
        household_get(user=staff, pk=homes["b"].pk)


def test_staff_of_two_offices_see_both(two_offices):
    office_a, office_b, _, homes = two_offices
    staff = make_staff("cs_supervisor", offices=[office_a, office_b])
    assert set(household_list(user=staff)) == {homes["a"], homes["b"]}


def test_company_roles_see_every_office_of_their_company_only(two_offices):
    office_a, _, _, homes = two_offices
    general_manager = make_staff("general_manager", company=office_a.company)
    assert set(household_list(user=general_manager)) == {homes["a"], homes["b"]}
    with pytest.raises(Http404):
        household_get(user=general_manager, pk=homes["x"].pk)


def test_resident_account_sees_only_own_household(two_offices):
    _, _, _, homes = two_offices
    resident = homes["a"].residents.get()
    resident.user = make_user("resident-a")
    resident.save(update_fields=["user"])
    assert list(household_list(user=resident.user)) == [homes["a"]]
    assert resident.user.has_perm("estates.view_household")
    assert not resident.user.has_perm("estates.add_movein")


def test_moved_out_resident_account_sees_nothing(two_offices):
    import datetime

    _, _, _, homes = two_offices
    resident = homes["a"].residents.get()
    resident.user = make_user("left")
    resident.moved_out_on = datetime.date(2024, 1, 1)
    resident.save(update_fields=["user", "moved_out_on"])
    assert list(household_list(user=resident.user)) == []
    assert not resident.user.has_perm("estates.view_household")


def test_user_without_staff_profile_sees_nothing(two_offices):
    assert list(household_list(user=make_user("nobody"))) == []
    assert scope_for(make_user("nobody2")).office_ids == frozenset()


def test_missing_and_foreign_ids_are_the_same_404(two_offices):
    office_a, _, _, homes = two_offices
    staff = make_staff("cs_staff", offices=[office_a])
    for pk in (homes["b"].pk, 999999, "abc"):
        with pytest.raises(Http404):
            household_get(user=staff, pk=pk)
