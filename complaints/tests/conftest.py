import pytest

from complaints.services import ComplaintData, complaint_record
from core.testing import make_building, make_estate, make_household, make_office, make_staff, owner
from organization.choices import DepartmentKind
from organization.models import Department
from service_requests.choices import Category, Channel
from service_requests.services import IntakeData, request_intake
from service_requests.tests.conftest import SHANGHAI, at  # noqa: F401


@pytest.fixture
def office(db):
    return make_office("阳光家园管理处")


@pytest.fixture
def building(office):
    return make_building(make_estate(office), "3")


@pytest.fixture
def household(building):
    return make_household(building, "1502", residents=[owner("张伟", "13812345678")])


@pytest.fixture
def cleaning(office):
    return Department.objects.create(
        company=office.company, office=office, name="保洁部", kind=DepartmentKind.CLEANING
    )


@pytest.fixture
def receptionist(office):
    return make_staff("cs_staff", offices=[office], name="张婷")


@pytest.fixture
def supervisor(office):
    return make_staff("cs_supervisor", offices=[office], name="李晓梅")


@pytest.fixture
def assistant(office):
    return make_staff("assistant_manager", offices=[office], name="赵助理")


@pytest.fixture
def manager(office):
    return make_staff("office_manager", offices=[office], name="王立新")


def new_complaint(
    actor,
    office,
    household,
    when,
    *,
    channel=Channel.PHONE,
    emergency="",
    text="楼道垃圾三天没人清理",
):
    request = request_intake(
        actor=actor,
        office=office,
        data=IntakeData(
            category=Category.COMPLAINT,
            channel=channel,
            description=text,
            household=household,
            received_at=when,
        ),
        now=when,
    )
    return complaint_record(
        actor=actor,
        request=request,
        data=ComplaintData(what_happened=text, resident_demand="尽快清理", emergency=emergency),
        now=when,
    )


def prefixed(action: str, data: dict) -> dict:
    """A console POST to a complaint page action: each form's fields carry its action's prefix."""
    return {f"{action}-{name}": value for name, value in data.items()}
