import datetime
import zoneinfo

import pytest

from core.testing import make_building, make_estate, make_household, make_office, make_staff, owner
from organization.choices import DepartmentKind
from organization.models import Department

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=9, mm=0):
    return datetime.datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def medical_intake(office, household, actor, *branches, now):
    """A medical emergency (category a) taken at `now` with the help chosen in `branches`
    (escort, call_120, nursing), which opens their checklists."""
    from service_requests.choices import Category, Channel
    from service_requests.services import IntakeData, request_intake

    return request_intake(
        actor=actor,
        office=office,
        data=IntakeData(
            category=Category.MEDICAL_EMERGENCY,
            channel=Channel.PHONE,
            description="老人晕倒",
            household=household,
            contact_phone="13812345678",
            emergency_help=branches,
        ),
        now=now,
    )


@pytest.fixture
def office(db):
    return make_office("阳光家园管理处")


@pytest.fixture
def household(office):
    return make_household(
        make_building(make_estate(office), "3"), "1502", residents=[owner("张伟", "13812345678")]
    )


@pytest.fixture
def engineering(office):
    return Department.objects.create(
        company=office.company, office=office, name="工程部", kind=DepartmentKind.ENGINEERING
    )


@pytest.fixture
def emergency_center(office):
    return Department.objects.create(
        company=office.company,
        name="急救中心 120",
        kind=DepartmentKind.EMERGENCY_MEDICAL,
        phone="120",
    )


@pytest.fixture
def receptionist(office):
    return make_staff("cs_staff", offices=[office], name="张婷")


@pytest.fixture
def supervisor(office):
    return make_staff("cs_supervisor", offices=[office], name="李晓梅")


@pytest.fixture
def manager(office):
    return make_staff("office_manager", offices=[office], name="王立新")


@pytest.fixture
def technician(office, engineering):
    user = make_staff("technician", offices=[office], name="何师傅")
    user.staff.department = engineering
    user.staff.save(update_fields=["department"])
    return user
