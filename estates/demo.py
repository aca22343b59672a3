"""Demo data that looks like a real office: 阳光家园 with high-rise buildings, a few hundred
households, plausible names and numbers, and one staff account for every SOP role.

Loaded by `manage.py load_demo_data` (and by `make run` when the database is empty). Data is
written through the services, as a user would, so the demo exercises the real rules.
"""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.validators import resident_id_card_check_digit
from estates import services
from estates.choices import IdDocumentType, OccupancyStatus, ResidentRelation
from estates.models import Household
from organization.choices import DepartmentKind, RoleCode
from organization.models import Company, Department, ManagementOffice, Role, Staff
from organization.roles import ADMIN_ROLES

DEMO_PASSWORD = "demo12345"
ADMIN_USERNAME = "admin"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"  # noqa: E501
GIVEN = (
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 霞 平 刚 桂英 建华 文 华 玉兰 "
    "志强 海燕 晓东 春梅 国平 子涵 浩然 雨桐 欣怡 梓萱 宇轩 俊杰 思远 嘉怡 晨 丹 亮 斌 婷 鑫 佳"
).split()
MOBILE_PREFIXES = (
    "135 136 137 138 139 150 151 152 158 159 182 186 187 188 130 131 132 133 153 180 189 177"
).split()
AREA_CODES = ("440304", "440305", "440306", "430102", "420106", "360102", "510107", "320106")


@dataclass(frozen=True)
class DemoAccount:
    username: str
    name: str
    roles: str


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _id_card(rng: random.Random, birth_year: int) -> str:
    birth = datetime.date(birth_year, 1, 1) + datetime.timedelta(days=rng.randrange(365))
    first17 = f"{rng.choice(AREA_CODES)}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + resident_id_card_check_digit(first17)


STAFF_NAMES = {
    RoleCode.GENERAL_MANAGER: "陈建国",
    RoleCode.VICE_PRESIDENT: "林志远",
    RoleCode.QUALITY_DEPARTMENT: "黄秀兰",
    RoleCode.OFFICE_MANAGER: "王立新",
    RoleCode.ASSISTANT_MANAGER: "赵敏",
    RoleCode.CS_SUPERVISOR: "李晓梅",
    RoleCode.CS_STAFF: "张婷",
    RoleCode.PUBLICITY_OFFICER: "周欣怡",
    RoleCode.SECURITY_SUPERVISOR: "刘强",
    RoleCode.SECURITY_SHIFT_LEADER: "孙海涛",
    RoleCode.SECURITY_GUARD: "马俊杰",
    RoleCode.ENGINEERING_SUPERVISOR: "郭建华",
    RoleCode.TECHNICIAN: "何师傅",
    RoleCode.CLEANING: "吴桂英",
    RoleCode.GARDENING: "郑国平",
    RoleCode.FINANCE: "许丽",
    RoleCode.OWNERS_COMMITTEE: "唐文",
}

ROLE_DEPARTMENT = {
    RoleCode.OFFICE_MANAGER: DepartmentKind.MANAGEMENT,
    RoleCode.ASSISTANT_MANAGER: DepartmentKind.MANAGEMENT,
    RoleCode.CS_SUPERVISOR: DepartmentKind.CUSTOMER_SERVICE,
    RoleCode.CS_STAFF: DepartmentKind.CUSTOMER_SERVICE,
    RoleCode.PUBLICITY_OFFICER: DepartmentKind.CUSTOMER_SERVICE,
    RoleCode.SECURITY_SUPERVISOR: DepartmentKind.SECURITY,
    RoleCode.SECURITY_SHIFT_LEADER: DepartmentKind.SECURITY,
    RoleCode.SECURITY_GUARD: DepartmentKind.SECURITY,
    RoleCode.ENGINEERING_SUPERVISOR: DepartmentKind.ENGINEERING,
    RoleCode.TECHNICIAN: DepartmentKind.ENGINEERING,
    RoleCode.CLEANING: DepartmentKind.CLEANING,
    RoleCode.GARDENING: DepartmentKind.GARDENING,
    RoleCode.FINANCE: DepartmentKind.FINANCE,
    RoleCode.OWNERS_COMMITTEE: DepartmentKind.OWNERS_COMMITTEE,
}

OFFICE_DEPARTMENTS = [
    ("管理处领导", DepartmentKind.MANAGEMENT, "0755-26880001"),
    ("客服中心", DepartmentKind.CUSTOMER_SERVICE, "0755-26880000"),
    ("保安部", DepartmentKind.SECURITY, "0755-26880110"),
    ("工程部", DepartmentKind.ENGINEERING, "0755-26880119"),
    ("保洁部", DepartmentKind.CLEANING, "0755-26880120"),
    ("绿化部", DepartmentKind.GARDENING, ""),
    ("财务部", DepartmentKind.FINANCE, "0755-26880002"),
    ("阳光家园业主委员会", DepartmentKind.OWNERS_COMMITTEE, ""),
]
COMPANY_PARTIES = [
    ("品质部", DepartmentKind.QUALITY, "0755-26881000"),
    ("急救中心 120", DepartmentKind.EMERGENCY_MEDICAL, "120"),
    ("辖区派出所 110", DepartmentKind.POLICE, "110"),
    ("消防 119", DepartmentKind.FIRE, "119"),
    ("供电局客服", DepartmentKind.UTILITY, "95598"),
    ("自来水公司", DepartmentKind.UTILITY, "0755-96116"),
    ("燃气公司", DepartmentKind.UTILITY, "0755-83601139"),
    ("开发商售后服务部", DepartmentKind.DEVELOPER_AFTER_SALES, "0755-26889999"),
]


class DemoClock:
    """Times for demo data relative to the moment it is loaded: a clock time on an earlier day
    (always in the past, whatever the hour) or minutes before now, so the demo looks the same
    on any day and at any hour."""

    def __init__(self, now: datetime.datetime | None = None):
        self.now = now or timezone.now()
        self.today = timezone.localdate(self.now)

    def date(self, days_ago: int) -> datetime.date:
        return self.today - datetime.timedelta(days=days_ago)

    def day(self, days_ago: int, hour: int, minute: int = 0) -> datetime.datetime:
        """`hour:minute` on the day `days_ago` days before today (>= 1: always in the past;
        negative: a day to come)."""
        moment = datetime.datetime.combine(self.date(days_ago), datetime.time(hour, minute))
        return timezone.make_aware(moment)

    def minutes_ago(self, minutes: int) -> datetime.datetime:
        return self.now - datetime.timedelta(minutes=minutes)


def staff_user(username: str):
    """The login of a demo staff account (one per SOP role, named after the role)."""
    return get_user_model().objects.get(username=username, staff__isnull=False)


def demo_accounts() -> list[DemoAccount]:
    accounts = [DemoAccount(ADMIN_USERNAME, "系统管理员", "超级管理员(全部数据)")]
    for code, name in STAFF_NAMES.items():
        accounts.append(DemoAccount(code.value, name, RoleCode(code).label))
    accounts.append(DemoAccount("resident", "(1栋1单元101住户)", RoleCode.RESIDENT.label))
    return accounts


@transaction.atomic
def load_demo_data(*, seed: int = 2026, buildings: int = 6, floors: int = 18) -> dict:
    """Create the demo office. Refuses to run on a database that already has offices."""
    if ManagementOffice.objects.exists():
        raise RuntimeError("The database already has data; demo data loads only into an empty one.")
    rng = random.Random(seed)
    User = get_user_model()
    admin = User.objects.create_superuser(ADMIN_USERNAME, "admin@example.com", DEMO_PASSWORD)

    company = Company.objects.create(name="阳光物业服务有限公司", short_name="阳光物业")
    office = ManagementOffice.objects.create(
        company=company,
        name="阳光家园管理处",
        code="sunshine",
        phone="0755-26880000",
        address="深圳市南山区阳光路88号",
    )
    departments = {}
    for name, kind, phone in OFFICE_DEPARTMENTS:
        departments[kind] = Department.objects.create(
            company=company, office=office, name=name, kind=kind, phone=phone
        )
    for name, kind, phone in COMPANY_PARTIES:
        departments.setdefault(
            kind, Department.objects.create(company=company, name=name, kind=kind, phone=phone)
        )

    for code, name in STAFF_NAMES.items():
        role = Role.objects.get(code=code)
        user = User.objects.create_user(
            code.value, password=DEMO_PASSWORD, is_staff=code.value in ADMIN_ROLES
        )
        staff = Staff.objects.create(
            user=user,
            company=company,
            department=departments.get(ROLE_DEPARTMENT.get(code)),
            name=name,
            employee_no=f"YG{len(STAFF_NAMES) + Staff.objects.count():04d}",
            phone=_mobile(rng),
            reachable_after_hours=code
            in {
                RoleCode.OFFICE_MANAGER,
                RoleCode.ASSISTANT_MANAGER,
                RoleCode.CS_SUPERVISOR,
                RoleCode.SECURITY_SUPERVISOR,
                RoleCode.ENGINEERING_SUPERVISOR,
            },
        )
        staff.roles.add(role)
        if role.scope != "company":
            staff.offices.add(office)

    estate = services.estate_create(
        actor=admin, office=office, name="阳光家园", address="深圳市南山区阳光路88号"
    )
    households = 0
    residents = 0
    today = timezone.localdate()
    for number in range(1, buildings + 1):
        building = services.building_create(
            actor=admin, estate=estate, number=str(number), floors=floors
        )
        for entrance in ("1", "2"):
            for floor in range(1, floors + 1):
                for room in (1, 2):
                    household = services.unit_create_with_household(
                        actor=admin,
                        building=building,
                        entrance=entrance,
                        floor=floor,
                        room_number=f"{floor}{room:02d}",
                        area=Decimal(rng.choice(["89.50", "98.20", "112.60", "128.00", "143.80"])),
                    )
                    households += 1
                    residents += _populate(rng, admin, household, today)

    first = Household.objects.get(
        unit__building__number="1", unit__entrance="1", unit__room_number="101"
    )
    owner = first.residents.filter(moved_out_on__isnull=True).order_by("pk").first()
    if owner is None:
        owner = services.resident_add(
            actor=admin,
            household=first,
            person=services.PersonData(
                name=_name(rng), relation=ResidentRelation.OWNER, phone=_mobile(rng)
            ),
        )
    owner.user = User.objects.create_user("resident", password=DEMO_PASSWORD)
    owner.save(update_fields=["user"])
    return {"households": households, "residents": residents, "accounts": demo_accounts()}


def _populate(rng: random.Random, actor, household: Household, today: datetime.date) -> int:
    """Fill a household: ~12% vacant, ~25% let, the rest owner-occupied with family."""
    roll = rng.random()
    if roll < 0.12:
        return 0
    moved_in = today - datetime.timedelta(days=rng.randrange(30, 3650))
    let = roll < 0.37
    owner = services.PersonData(
        name=_name(rng),
        relation=ResidentRelation.OWNER,
        phone=_mobile(rng),
        id_type=IdDocumentType.RESIDENT_ID_CARD,
        id_number=_id_card(rng, rng.randrange(1950, 1995)),
        moved_in_on=None if let else moved_in,
    )
    services.resident_add(actor=actor, household=household, person=owner)
    count = 1
    main_person = owner
    if let:
        main_person = services.PersonData(
            name=_name(rng),
            relation=ResidentRelation.TENANT,
            phone=_mobile(rng),
            id_number=_id_card(rng, rng.randrange(1975, 2002)),
        )
        tenant = services.resident_add(actor=actor, household=household, person=main_person)
        count += 1
        lease_start = moved_in
        services.move_in_register(
            actor=actor,
            household=household,
            resident=tenant,
            data=services.MoveInData(
                moved_in_on=moved_in,
                registration_form_received=True,
                lease_checked=True,
                lease_start=lease_start,
                lease_end=lease_start + datetime.timedelta(days=365 * rng.choice([1, 2, 3])),
                access_card_numbers=(f"{rng.randrange(10**7, 10**8)}",),
                key_count=2,
            ),
        )
    else:
        resident = household.residents.get()
        services.move_in_register(
            actor=actor,
            household=household,
            resident=resident,
            data=services.MoveInData(
                moved_in_on=moved_in,
                registration_form_received=True,
                access_card_numbers=tuple(
                    f"{rng.randrange(10**7, 10**8)}" for _ in range(rng.choice([1, 2, 3]))
                ),
                key_count=rng.choice([2, 3, 4]),
                key_description="入户门钥匙、信报箱钥匙",
            ),
        )
    for _ in range(rng.choice([0, 1, 1, 2, 3])):
        services.resident_add(
            actor=actor,
            household=household,
            person=services.PersonData(
                name=main_person.name[0] + rng.choice(GIVEN),
                relation=ResidentRelation.FAMILY,
                phone=_mobile(rng) if rng.random() < 0.6 else "",
                moved_in_on=moved_in,
            ),
        )
        count += 1
    if household.occupancy == OccupancyStatus.VACANT:
        services.household_update(
            actor=actor,
            household=household,
            occupancy=OccupancyStatus.LET if let else OccupancyStatus.OWNER_OCCUPIED,
        )
    return count
