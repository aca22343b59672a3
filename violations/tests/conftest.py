import datetime
import io
import zoneinfo

import pytest
from PIL import Image

from core.testing import (
    make_building,
    make_estate,
    make_household,
    make_office,
    make_staff,
    make_superuser,
    owner,
)
from violations import services
from violations.choices import SubKind

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=9, mm=0):
    return datetime.datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


NOW = at(2026, 11, 23, 10, 0)  # a Monday


def _png() -> bytes:
    """A small real PNG without metadata: stored as it is (photos must decode, core/images)."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


PNG = _png()


@pytest.fixture
def office(db):
    return make_office("阳光家园管理处")


@pytest.fixture
def other_office(db):
    return make_office("翠湖花园管理处")


@pytest.fixture
def estate(office):
    return make_estate(office)


@pytest.fixture
def household(estate):
    return make_household(
        make_building(estate, "3"), "1502", residents=[owner("张伟", "13812345678")]
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
def vice_president(office):
    return make_staff("vice_president", company=office.company, name="陈副总")


@pytest.fixture
def committee(office):
    return make_staff("owners_committee", offices=[office], name="业委会刘主任")


@pytest.fixture
def outsider(other_office):
    return make_staff("cs_staff", offices=[other_office], name="外处客服")


@pytest.fixture
def covenant(estate, manager):
    return services.covenant_clause_record(
        actor=manager,
        estate=estate,
        text="第十二条 业主无正当理由拒交物业服务费,经催缴仍不交纳的,物业服务企业可依约停水停电。",
        allows_utility_cut=True,
        now=NOW,
    )


def register(actor, office, household, *, sub_kind=SubKind.HYGIENE_HOARDING, now=NOW, **kw):
    data = {
        "household": household,
        "sub_kind": sub_kind,
        "place": "3栋2单元楼道",
        "occurred_at": now - datetime.timedelta(hours=1),
        "description": "楼道堆放纸箱和旧家具,堵塞通行",
        "reported_by": "保安 王强",
    }
    data.update(kw)
    return services.case_register(
        actor=actor, office=office, data=services.CaseData(**data), now=now
    )


def superuser():
    return make_superuser(f"root{datetime.datetime.now().timestamp()}")
