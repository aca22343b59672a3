"""Builders for tests: data is made through the real services wherever one exists."""

import itertools
from decimal import Decimal

from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from estates import services
from estates.choices import ResidentRelation
from estates.models import Building, Estate, Household, Resident
from organization.models import Company, Department, ManagementOffice, Role, Staff
from organization.scoping import forget_scope

_counter = itertools.count(1)
PASSWORD = "test-pass-123"


def make_company(name: str = "测试物业公司") -> Company:
    return Company.objects.get_or_create(name=name)[0]


def make_office(name: str = "测试管理处", *, company: Company | None = None) -> ManagementOffice:
    company = company or make_company()
    return ManagementOffice.objects.create(
        company=company, name=name, code=f"office-{next(_counter)}"
    )


def make_user(username: str | None = None, **extra):
    username = username or f"user{next(_counter)}"
    return get_user_model().objects.create_user(username, password=PASSWORD, **extra)


def make_staff(*roles: str, offices=(), company: Company | None = None, username=None, name=None):
    """A staff account holding the given SOP role codes, working in `offices`."""
    offices = list(offices)
    company = company or (offices[0].company if offices else make_company())
    user = make_user(username)
    staff = Staff.objects.create(user=user, company=company, name=name or f"员工{user.pk}")
    staff.roles.set(Role.objects.filter(code__in=roles))
    staff.offices.set(offices)
    forget_scope(user)
    return user


def make_superuser(username: str = "root"):
    return get_user_model().objects.create_superuser(username, password=PASSWORD)


def make_estate(office: ManagementOffice, name: str = "阳光家园") -> Estate:
    return Estate.objects.create(office=office, name=name)


def make_building(estate: Estate, number: str = "3") -> Building:
    return Building.objects.create(estate=estate, number=number, floors=18)


def make_household(
    building: Building,
    room: str = "1502",
    *,
    entrance: str = "2",
    residents: list[tuple[str, str, str]] = (),
) -> Household:
    """A unit with its household; residents as (name, relation, phone) tuples."""
    actor = make_superuser(f"builder{next(_counter)}")
    household = services.unit_create_with_household(
        actor=actor,
        building=building,
        entrance=entrance,
        floor=int(room[:-2] or 1),
        room_number=room,
        area=Decimal("98.50"),
    )
    for name, relation, phone in residents:
        services.resident_add(
            actor=actor,
            household=household,
            person=services.PersonData(name=name, relation=relation, phone=phone),
        )
    return household


def owner(name: str, phone: str = "") -> tuple[str, str, str]:
    return (name, ResidentRelation.OWNER, phone)


# Valid 居民身份证 numbers (GB 11643 check digits verified by core.validators).
VALID_ID_CARD = "11010519491231002X"
VALID_ID_CARD_2 = "440308199001011239"


def make_resident_account(household: Household, name: str = "住户本人", *, username=None):
    """A login account for a new owner of `household`: the resident role, this household only."""
    resident = services.resident_add(
        actor=make_superuser(f"builder{next(_counter)}"),
        household=household,
        person=services.PersonData(name=name, relation=ResidentRelation.OWNER),
    )
    user = make_user(username)
    # Linking an account has no service yet; the admin sets Resident.user.
    Resident.objects.filter(pk=resident.pk).update(user=user)
    forget_scope(user)
    return user


def make_department(
    office: ManagementOffice | None, name: str, kind: str, *, company: Company | None = None
) -> Department:
    """An office's department (through the service), or with office=None a company-wide
    outside party (made directly: the service allows that only to company leadership)."""
    from organization.services import department_create

    if office is None:
        return Department.objects.create(company=company or make_company(), name=name, kind=kind)
    actor = make_superuser(f"builder{next(_counter)}")
    return department_create(actor=actor, office=office, name=name, kind=kind)


def api_client(user=None) -> APIClient:
    """A REST client sending `Authorization: Token <key>` for `user` (anonymous if None)."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client
