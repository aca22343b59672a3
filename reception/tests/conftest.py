import datetime
import zoneinfo

import pytest

from core.testing import (
    make_building,
    make_department,
    make_estate,
    make_household,
    make_office,
    make_staff,
    owner,
)
from organization.choices import DepartmentKind
from service_requests.choices import Category, Channel, ReceptionLabel
from service_requests.services import IntakeData, request_intake

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=9, mm=0):
    return datetime.datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


NOW = at(2026, 11, 23, 10, 0)  # a Monday


@pytest.fixture
def office(db):
    return make_office("阳光家园管理处")


@pytest.fixture
def other_office(db):
    return make_office("翠湖花园管理处")


@pytest.fixture
def household(office):
    return make_household(
        make_building(make_estate(office), "3"), "1502", residents=[owner("张伟", "13812345678")]
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
def cleaner(office):
    return make_staff("cleaning", offices=[office], name="赵阿姨")


@pytest.fixture
def outsider(other_office):
    return make_staff("cs_staff", offices=[other_office], name="外处客服")


@pytest.fixture
def developer(office):
    return make_department(office, "万科售后服务部", DepartmentKind.DEVELOPER_AFTER_SALES)


def after_sales_request(actor, office, household, now=NOW, description="卫生间墙面渗水,保修期内"):
    return request_intake(
        actor=actor,
        office=office,
        data=IntakeData(
            category=Category.REPAIR,
            channel=Channel.VISIT,
            description=description,
            household=household,
            reception_label=ReceptionLabel.AFTER_SALES,
            reply_now="已登记,今天送开发商售后",
        ),
        now=now,
    )
