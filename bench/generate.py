"""Build the benchmark data set in the `estatedesk_bench` PostgreSQL database (issue #3).

    .venv/bin/python bench/generate.py --reset [--requests 1000000] [--offices 10]

One company, 10 offices × 5 estates (50 estates), buildings, rooms, households and residents
in proportion to the number of requests, ~70 staff per office with their SOP roles and
departments, and two years of help requests with their timelines: received → replied →
dispatched → acknowledged → appointment → resolved → confirmed → (visited) → closed, some
referred or cancelled; deadlines met on time, met late after a sweep escalated them, and a
share still open (10 %), a quarter of which is overdue and not yet swept (the backlog the
deadline sweep benchmark escalates).

Fast: the big tables are written with PostgreSQL COPY from a writer thread while the main
thread builds rows; secondary indexes are dropped during the load and rebuilt afterwards;
foreign-key triggers are off for this session only (`session_replication_role = replica`;
the generator keeps every reference valid). Prints rows/s per table.

The "now" of the data set (T) is stored in the table `bench_meta`; the sweep benchmark runs
at T so the data set stays valid whenever it is run.
"""

import argparse
import datetime
import json
import math
import queue
import random
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

UTC = datetime.UTC
DAY = 86400
HISTORY_DAYS = 730  # the help register is kept two years (policy retention.help_register)
ESCALATION_INTERVAL = 30 * 60
FIRST_REPLY = 5 * 60
ORAL_REPLY = 2 * 3600
WRITTEN_REPLY = 2 * DAY
FLUSH_BYTES = 4 << 20

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
GIVEN = (
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 霞 平 刚 桂英 建华 文 华 玉兰 "
    "志强 海燕 晓东 春梅 国平 子涵 浩然 雨桐 欣怡 梓萱 宇轩 俊杰 思远 嘉怡 晨 丹 亮 斌 婷 鑫 佳"
).split()
MOBILE = (
    "135 136 137 138 139 150 151 152 158 159 182 186 187 188 130 131 132 133 153 180 189".split()
)
ESTATE_NAMES = "阳光 翠湖 金域 碧桂 海岸 星河 锦绣 华府 龙湾 御景 世纪 春华 枫林 蓝湾 紫荆".split()
ESTATE_SUFFIX = ["家园", "花园", "雅苑", "名城", "新村"]
CITY = ["深圳市南山区", "深圳市福田区", "深圳市宝安区", "广州市天河区", "东莞市南城区"]

# Staff per office: (role, how many, department kind)
STAFFING = [
    ("office_manager", 1, "management"),
    ("assistant_manager", 1, "management"),
    ("cs_supervisor", 2, "customer_service"),
    ("cs_staff", 6, "customer_service"),
    ("publicity_officer", 1, "customer_service"),
    ("security_supervisor", 1, "security"),
    ("security_shift_leader", 4, "security"),
    ("security_guard", 20, "security"),
    ("engineering_supervisor", 1, "engineering"),
    ("technician", 10, "engineering"),
    ("cleaning", 15, "cleaning"),
    ("gardening", 5, "gardening"),
    ("finance", 2, "finance"),
]
OFFICE_DEPARTMENTS = [
    ("管理处领导", "management"),
    ("客服中心", "customer_service"),
    ("保安部", "security"),
    ("工程部", "engineering"),
    ("保洁部", "cleaning"),
    ("绿化部", "gardening"),
    ("财务部", "finance"),
]
COMPANY_PARTIES = [
    ("品质部", "quality", "0755-26881000"),
    ("急救中心 120", "emergency_medical", "120"),
    ("辖区派出所 110", "police", "110"),
    ("消防 119", "fire", "119"),
    ("供电局客服", "utility", "95598"),
    ("自来水公司", "utility", "0755-96116"),
    ("开发商售后服务部", "developer_after_sales", "0755-26889999"),
]

# category value, weight, texts, department kind for dispatch
CATEGORIES = [
    (
        "b_repair",
        45,
        [
            "厨房水龙头漏水,关不紧",
            "卫生间地漏堵塞,返水",
            "入户门锁芯损坏",
            "客厅灯不亮,疑似线路问题",
            "阳台窗户关不严,漏风",
            "热水器不出热水",
            "楼道声控灯不亮",
        ],
        "engineering",
    ),
    (
        "d_consultation",
        18,
        ["咨询地下车位月租价格", "咨询装修申请需要哪些材料", "咨询物业费缴费方式", "咨询快递代收"],
        "customer_service",
    ),
    (
        "g_other",
        20,
        ["借用人字梯换灯泡", "快递柜取不出包裹", "老人钥匙遗失,请求帮忙开门", "请求代收家具"],
        "customer_service",
    ),
    (
        "c_complaint",
        10,
        ["楼上深夜装修噪音", "电梯按键失灵多日未修", "小区垃圾未及时清运", "邻居占用消防通道"],
        "customer_service",
    ),
    ("e_security", 3, ["车辆被剐蹭,请求调取监控", "有陌生人尾随进入单元门"], "security"),
    ("f_disaster", 2, ["台风后阳台进水", "地下车库水浸"], "engineering"),
    ("a_medical", 2, ["家中老人突然晕倒,需要帮助", "住户摔伤,需要送医"], "security"),
]
SPECIAL = {"a_medical", "e_security", "f_disaster"}
CHANNELS = [("phone", 60), ("visit", 15), ("app", 12), ("rounds", 5), ("letter", 4), ("email", 4)]
LABEL = {"b_repair": "repair", "c_complaint": "complaint"}
# Each local hour's share of the day's calls (08:00–21:00 busy, a trickle at night).
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 1, 2, 4, 9, 11, 10, 8, 6, 7, 9, 9, 8, 7, 7, 6, 5, 3, 2, 1]
LOCAL_OFFSET = 8 * 3600  # Asia/Shanghai


class Ids:
    def __init__(self):
        self.next = {}

    def take(self, table: str) -> int:
        value = self.next.get(table, 1)
        self.next[table] = value + 1
        return value


# --- COPY plumbing --------------------------------------------------------------------------


def esc(value: str) -> str:
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return value


_DATES: dict[int, str] = {}


def ts(epoch: int | None) -> str:
    """An epoch second as PostgreSQL timestamptz text (UTC)."""
    if epoch is None:
        return "\\N"
    day, rest = divmod(epoch, DAY)
    date = _DATES.get(day)
    if date is None:
        date = _DATES[day] = datetime.date.fromordinal(719163 + day).isoformat()
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    return f"{date} {h:02d}:{m:02d}:{s:02d}+00"


def opt(value) -> str:
    return "\\N" if value is None else str(value)


def js(data: dict) -> str:
    return esc(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


class Loader:
    """Buffers COPY text per table; a writer thread streams full buffers to PostgreSQL while
    the main thread keeps generating (two cores: Python on one, PostgreSQL on the other)."""

    def __init__(self, columns: dict[str, list[str]]):
        import psycopg

        self.columns = columns
        self.buffers: dict[str, list[str]] = {t: [] for t in columns}
        self.sizes = Counter()
        self.rows = Counter()
        self.queue: queue.Queue = queue.Queue(maxsize=4)
        self.conn = psycopg.connect(
            host=common.DB_HOST, port=common.DB_PORT, user=common.DB_USER, dbname=common.DB_NAME
        )
        self.conn.execute("SET session_replication_role = replica")
        self.conn.execute("SET synchronous_commit = off")
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._write, daemon=True)
        self.thread.start()

    def add(self, table: str, line: str) -> None:
        self.buffers[table].append(line)
        self.sizes[table] += len(line)
        self.rows[table] += 1
        if self.sizes[table] > FLUSH_BYTES:
            self._flush(table)

    def _flush(self, table: str) -> None:
        if self.error:
            raise self.error
        if self.buffers[table]:
            data = ("\n".join(self.buffers[table]) + "\n").encode()
            self.queue.put((table, data))
            self.buffers[table] = []
            self.sizes[table] = 0

    def _write(self) -> None:
        try:
            while True:
                item = self.queue.get()
                if item is None:
                    return
                table, data = item
                cols = ", ".join(self.columns[table])
                with (
                    self.conn.cursor() as cur,
                    cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy,
                ):
                    copy.write(data)
                self.conn.commit()
        except BaseException as exc:  # surfaced on the next flush/close
            self.error = exc

    def close(self) -> None:
        for table in self.buffers:
            self._flush(table)
        self.queue.put(None)
        self.thread.join()
        self.conn.close()
        if self.error:
            raise self.error


def model_columns(model, columns: list[str]) -> list[str]:
    """Check that `columns` covers every column of the model that has no usable default
    (the schema may have grown since this script was written)."""
    known = {f.column for f in model._meta.concrete_fields}
    unknown = set(columns) - known
    if unknown:
        raise SystemExit(f"{model._meta.db_table}: unknown columns {sorted(unknown)}")
    missing = [
        f.column
        for f in model._meta.concrete_fields
        if f.column not in columns and not f.null and not f.has_default() and not f.primary_key
    ]
    if missing:
        raise SystemExit(
            f"{model._meta.db_table}: bench/generate.py must fill new columns {missing}"
        )
    return columns


# --- Index handling -------------------------------------------------------------------------


def drop_secondary_indexes(conn, tables: list[str]) -> list[str]:
    """Drop indexes that back no constraint; return their definitions to rebuild."""
    rows = conn.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        JOIN pg_class t ON t.oid = i.indrelid
        WHERE t.relname = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """,
        [tables],
    ).fetchall()
    for name, _definition in rows:
        conn.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in rows]


# --- The organisation and places (small: ORM and COPY) ---------------------------------------


def name(rng) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def mobile(rng) -> str:
    return rng.choice(MOBILE) + f"{rng.randrange(10**8):08d}"


def build_organisation(rng, offices_count: int, estates_per_office: int):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from estates.models import Estate
    from organization.models import Company, Department, ManagementOffice, Role, Staff
    from policies.models import PolicyVersion

    User = get_user_model()
    password = make_password(common.BENCH_PASSWORD)
    company = Company.objects.create(name="华信物业服务集团有限公司", short_name="华信物业")
    roles = {r.code: r for r in Role.objects.all()}
    offices = []
    estate_names = [f"{a}{b}" for b in ESTATE_SUFFIX for a in ESTATE_NAMES]
    rng.shuffle(estate_names)
    for number in range(offices_count):
        offices.append(
            ManagementOffice.objects.create(
                company=company,
                name=f"{estate_names[number * estates_per_office]}管理处",
                code=f"bench-{number + 1:02d}",
                phone=f"0755-2688{number:04d}",
                address=rng.choice(CITY) + f"{rng.randrange(1, 300)}号",
            )
        )
    parties = {}
    for party_name, kind, phone in COMPANY_PARTIES:
        parties[kind] = Department.objects.create(
            company=company, name=party_name, kind=kind, phone=phone
        )
    users = []
    staff_plan = []  # (user, office, department, role)
    office_info = []
    for index, office in enumerate(offices):
        PolicyVersion.objects.create(office=office, number=1, rules={}, note="规程默认值")
        departments = {
            kind: Department.objects.create(
                company=company, office=office, name=dept_name, kind=kind
            )
            for dept_name, kind in OFFICE_DEPARTMENTS
        }
        info = {"office": office, "departments": departments, "users": {}}
        for role, count, dept_kind in STAFFING:
            for n in range(count):
                if index == 0 and role == "cs_staff" and n == 0:
                    username = common.BENCH_RECEPTIONIST
                elif index == 0 and role == "cs_supervisor" and n == 0:
                    username = common.BENCH_SUPERVISOR
                else:
                    username = f"o{index + 1:02d}_{role}_{n + 1}"
                email = (
                    f"{username}@bench.example.com"
                    if role in ("office_manager", "cs_supervisor", "engineering_supervisor")
                    else ""
                )
                user = User(username=username, password=password, email=email, is_active=True)
                users.append(user)
                staff_plan.append((user, office, departments[dept_kind], role))
                info["users"].setdefault(role, []).append(user)
        office_info.append(info)
    for code in ("general_manager", "vice_president", "quality_department"):
        user = User(username=f"hq_{code}", password=password, is_active=True)
        users.append(user)
        staff_plan.append((user, None, parties["quality"] if code.startswith("q") else None, code))
    User.objects.bulk_create(users, batch_size=1000)
    staff_objects = Staff.objects.bulk_create(
        [
            Staff(
                user=user,
                company=company,
                department=department,
                name=name(rng),
                employee_no=f"HX{i + 1:05d}",
                phone=mobile(rng),
                reachable_after_hours=role.endswith(("manager", "supervisor")),
            )
            for i, (user, office, department, role) in enumerate(staff_plan)
        ],
        batch_size=1000,
    )
    Staff.roles.through.objects.bulk_create(
        [
            Staff.roles.through(staff_id=s.pk, role_id=roles[role].pk)
            for s, (_u, _o, _d, role) in zip(staff_objects, staff_plan, strict=True)
        ]
    )
    Staff.offices.through.objects.bulk_create(
        [
            Staff.offices.through(staff_id=s.pk, managementoffice_id=office.pk)
            for s, (_u, office, _d, _r) in zip(staff_objects, staff_plan, strict=True)
            if office is not None
        ]
    )
    for info in office_info:
        info["policy_version"] = PolicyVersion.objects.get(office=info["office"]).pk
        info["estates"] = [
            Estate.objects.create(
                office=info["office"],
                name=estate_names[offices.index(info["office"]) * estates_per_office + e],
                address=rng.choice(CITY) + f"{rng.randrange(1, 300)}号",
            )
            for e in range(estates_per_office)
        ]
    return office_info, parties


def build_places(rng, loader, ids, office_info, buildings_per_estate: int, t_now: int):
    """Buildings through the ORM; rooms, households and residents by COPY."""
    from estates.models import Building

    created = ts(t_now - HISTORY_DAYS * DAY - 30 * DAY)
    for info in office_info:
        households = []  # (id, contact name, phone)
        for estate in info["estates"]:
            floors = rng.choice([18, 25, 32])
            buildings = Building.objects.bulk_create(
                [
                    Building(estate=estate, number=str(b + 1), floors=floors)
                    for b in range(buildings_per_estate)
                ]
            )
            rooms_per_floor = 2 if floors > 20 else 3
            for building in buildings:
                for entrance in ("1", "2"):
                    for floor in range(1, floors + 1):
                        for room in range(1, rooms_per_floor + 1):
                            unit_id = ids.take("unit")
                            area = rng.choice(["89.50", "98.20", "112.60", "128.00", "143.80"])
                            loader.add(
                                "estates_unit",
                                f"{unit_id}\t{building.pk}\t{entrance}\t{floor}\t"
                                f"{floor}{room:02d}\t{area}",
                            )
                            household_id = ids.take("household")
                            roll = rng.random()
                            occupancy = (
                                "vacant"
                                if roll < 0.1
                                else ("let" if roll < 0.35 else "owner_occupied")
                            )
                            loader.add(
                                "estates_household",
                                f"{household_id}\t{unit_id}\t{info['office'].pk}\t"
                                f"{occupancy}\t\t{created}",
                            )
                            contact = ("", "")
                            if occupancy != "vacant":
                                for r in range(rng.choice([1, 2, 2, 3, 4])):
                                    rid = ids.take("resident")
                                    person = name(rng)
                                    phone = mobile(rng) if r < 2 or rng.random() < 0.5 else ""
                                    relation = (
                                        "owner"
                                        if r == 0
                                        else (
                                            "tenant" if occupancy == "let" and r == 1 else "family"
                                        )
                                    )
                                    loader.add(
                                        "estates_resident",
                                        f"{rid}\t{household_id}\t{person}\t{relation}\t{phone}\t"
                                        f"{phone[-4:]}\tresident_id_card\t\t\\N\t\\N\t\\N\t{created}",
                                    )
                                    if r == 0 or (relation == "tenant"):
                                        contact = (person, phone)
                            households.append((household_id, contact[0], contact[1]))
        info["households"] = households


# --- Requests and their timelines ------------------------------------------------------------


class Timeline:
    """Builds one request: its row, events, deadlines, escalations and notifications, the way
    service_requests.services and deadlines.py would have written them."""

    def __init__(self, gen, info, request_id, category, channel, received, household):
        self.gen = gen
        self.info = info
        self.id = request_id
        self.category = category
        self.channel = channel
        self.received = received
        self.household = household
        self.status = "received"
        self.version = 1
        self.fields = {}
        self.deadlines = []  # dicts
        self.events = []

    def event(self, type_, at, actor, before, after, public="", internal="", data=None):
        self.events.append((type_, at, actor, before, after, public, internal, data or {}))

    def deadline(self, kind, key, clause, due):
        d = {
            "id": self.gen.ids.take("deadline"),
            "kind": kind,
            "key": key,
            "clause": clause,
            "due": due,
            "met": None,
            "missed": None,
            "cancelled": None,
            "level": 0,
            "next": None,
        }
        self.deadlines.append(d)
        return d

    def miss(self, d, levels: int, sweep_at: int | None = None):
        """The sweep marked `d` missed and escalated it `levels` times (30 minutes apart)."""
        gen = self.gen
        at = sweep_at if sweep_at is not None else d["due"] + gen.rng.randrange(1, 30)
        d["missed"] = at
        self.event(
            "deadline_missed",
            at,
            None,
            self.status,
            self.status,
            data={"deadline": d["kind"], "due_at": gen.iso(d["due"]), "policy_key": d["key"]},
        )
        for level in range(1, levels + 1):
            role = ("cs_supervisor", "office_manager")[level - 1]
            when = at + (level - 1) * ESCALATION_INTERVAL
            gen.loader.add(
                "service_requests_escalation",
                f"{gen.ids.take('escalation')}\t{d['id']}\t{level}\t{role}\t{ts(when)}",
            )
            self.event(
                "request_escalated",
                when,
                None,
                self.status,
                self.status,
                internal=f"“{d['kind']}”逾期,已升级至{role}",
                data={"deadline": d["kind"], "level": level, "role": role},
            )
            for user in self.info["users"][role]:
                gen.notify(
                    self.info,
                    user,
                    f"逾期升级({level}级):{self.id} 已超时",
                    f"deadline:{d['id']}:level:{level}:{user.pk}",
                    when,
                    sent=True,
                )
            d["level"] = level
        d["next"] = None

    def step(self, d, late_share: float, start: int, on_time_max: int):
        """When the step of deadline `d` was done: mostly on time, some late (swept first)."""
        rng = self.gen.rng
        roll = rng.random()
        if roll < 1 - late_share:
            return start + rng.randrange(0, max(1, on_time_max))
        if roll < 1 - late_share * 0.7:
            return d["due"] + rng.randrange(1, 25)  # just late: before the next sweep
        levels = 1 if roll < 1 - late_share * 0.25 else 2
        self.miss(d, levels)
        return d["missed"] + (levels - 1) * ESCALATION_INTERVAL + rng.randrange(60, 1500)

    def set_status(self, new, at, actor, type_, **kw):
        self.event(type_, at, actor, self.status, new, **kw)
        self.status = new
        self.version += 1


class Generator:
    def __init__(self, rng, loader, ids, t_now):
        self.rng = rng
        self.loader = loader
        self.ids = ids
        self.t_now = t_now
        self.counts = Counter()
        weights = [c[1] for c in CATEGORIES]
        self.category_table = [c for c in CATEGORIES for _ in range(c[1])]
        assert len(self.category_table) == sum(weights)
        self.channel_table = [c for c, w in CHANNELS for _ in range(w)]
        self.hour_table = [h for h, w in enumerate(HOUR_WEIGHTS) for _ in range(w)]

    def iso(self, epoch: int) -> str:
        return datetime.datetime.fromtimestamp(epoch, UTC).isoformat()

    def notify(self, info, user, subject, key, at, sent):
        channels = [("console", "")]
        if user.email:
            channels.append(("email", user.email))
        for channel, address in channels:
            self.loader.add(
                "notifications_outboxmessage",
                f"{self.ids.take('outbox')}\t{info['office'].pk}\t{channel}\t{user.pk}\t{address}\t"
                f"{subject}\t\t/requests/\t{key}:{channel}\t{ts(at)}\t{ts(at)}\t1\t"
                f"{ts(at + 5) if sent else chr(92) + 'N'}\t\\N\t\t\\N",
            )

    def received_time(self, day_start: int) -> int:
        hour = self.rng.choice(self.hour_table)
        return day_start + hour * 3600 - LOCAL_OFFSET + self.rng.randrange(3600)

    def new(self, info, received: int) -> Timeline:
        rng = self.rng
        category, _w, texts, dept_kind = rng.choice(self.category_table)
        channel = rng.choice(self.channel_table)
        if channel in ("letter", "email") and category != "d_consultation":
            channel = "phone"
        household = rng.choice(info["households"]) if rng.random() < 0.85 else None
        t = Timeline(self, info, self.ids.take("request"), category, channel, received, household)
        t.text = rng.choice(texts)
        t.dept_kind = dept_kind
        t.is_major = category in SPECIAL and rng.random() < 0.3
        receptionist = rng.choice(info["users"]["cs_staff"])
        t.entered_by = receptionist
        t.reply_now = category == "d_consultation" and channel not in ("letter", "email")
        t.reply_now = t.reply_now and rng.random() < 0.6
        first = None
        if category == "d_consultation" and channel in ("letter", "email"):
            first = t.deadline(
                "written_reply",
                "consultation.written_reply",
                "SOP.md §2 咨询; 000 篇3 §4.3.1",
                received + WRITTEN_REPLY,
            )
        elif not t.reply_now:
            if category == "d_consultation":
                first = t.deadline(
                    "oral_reply",
                    "consultation.oral_reply",
                    "SOP.md §2 咨询; 000 篇12",
                    received + ORAL_REPLY,
                )
            else:
                first = t.deadline(
                    "first_reply",
                    "request.first_reply",
                    "SOP.md §2 快速反应; 000 篇3 §4.1.2(a)",
                    received + FIRST_REPLY,
                )
        t.first = first
        t.report = None
        if t.is_major:
            t.report = t.deadline(
                "supervisor_report",
                "emergency.major_report",
                "SOP.md §2 急救; 000 篇3 §4.2.2",
                received,
            )
        t.event(
            "request_received",
            received,
            receptionist,
            "",
            "received",
            data={
                "received_at": self.iso(received),
                "entered_at": self.iso(received),
                "backdated": False,
                "policy_version": 1,
                "deadlines": {d["kind"]: self.iso(d["due"]) for d in t.deadlines},
            },
        )
        if t.reply_now:
            t.fields["first_replied_at"] = received
            t.set_status(
                "replied", received, receptionist, "first_reply_given", public="已当场答复住户"
            )
        return t

    # The lifecycle up to a stage; `stop` is the last step done ("closed" for a finished one).
    STAGES = [
        "received",
        "replied",
        "dispatched",
        "acknowledged",
        "resolved",
        "confirmed",
        "visited",
        "closed",
    ]

    def advance(self, t: Timeline, stop: str, late_share: float, horizon: int | None = None):
        """Play the request forward to `stop`. Returns the time of the last step."""
        rng = self.rng
        users = t.info["users"]
        now = t.received
        stages = self.STAGES[: self.STAGES.index(stop) + 1]
        if t.report is not None:
            done = t.step(t.report, 0.3, now, 1)
            t.report["met"] = done
            supervisor = rng.choice(users["cs_supervisor"])
            t.event("supervisor_reported", done, supervisor, t.status, t.status)
        limit = horizon if horizon is not None else 1 << 62
        if "replied" in stages and t.status == "received":
            replier = t.entered_by
            if t.first is not None:
                done = t.step(t.first, late_share, now, t.first["due"] - now)
                if done > limit:
                    return now
                now = t.first["met"] = done
                if t.first["kind"] == "written_reply":
                    replier = rng.choice(users["cs_supervisor"])
            t.fields["first_replied_at"] = now
            t.set_status("replied", now, replier, "first_reply_given", public="已收到,正在安排处理")
        if t.category == "d_consultation" or (
            t.dept_kind == "customer_service" and rng.random() < 0.5
        ):
            # answered by the desk itself: resolved without a dispatch
            stages = [s for s in stages if s not in ("dispatched", "acknowledged")]
        if "dispatched" in stages:
            now += rng.randrange(60, 1800)
            if now > limit:
                return now
            dept = t.info["departments"][t.dept_kind]
            assignee = None
            if t.dept_kind == "engineering" and rng.random() < 0.7:
                assignee = rng.choice(users["technician"])
            t.fields.update(dispatched_at=now, assigned_department_id=dept.pk)
            if assignee is not None:
                t.fields["assignee_id"] = assignee.pk
                self.notify(
                    t.info,
                    assignee,
                    f"新派工:{t.id}",
                    f"request:{t.id}:dispatch:{t.version + 1}:{assignee.pk}",
                    now,
                    sent=True,
                )
            t.set_status(
                "dispatched",
                now,
                t.entered_by,
                "request_dispatched",
                data={"department": dept.name, "assignee": assignee.pk if assignee else None},
            )
            t.assignee = assignee or rng.choice(
                users["technician"] if t.dept_kind == "engineering" else users["cs_staff"]
            )
        if "acknowledged" in stages:
            now += rng.randrange(120, 3600)
            if now > limit:
                return now
            t.fields["acknowledged_at"] = now
            t.set_status("acknowledged", now, t.assignee, "dispatch_acknowledged")
            if t.category == "b_repair":
                promised = t.received + rng.choice([1, 1, 2, 3]) * DAY
                promised = max(promised, now + 3600)
                t.fields["promised_at"] = promised
                t.repair = t.deadline(
                    "repair_completion", "repair.promised_date_max", "SOP.md §4; 003 §5.2", promised
                )
                t.event(
                    "appointment_set",
                    now,
                    t.assignee,
                    t.status,
                    t.status,
                    data={"promised_at": self.iso(promised), "previous": None},
                )
        if "resolved" in stages:
            worker = getattr(t, "assignee", None) or t.entered_by
            repair = getattr(t, "repair", None)
            if repair is not None:
                done = t.step(repair, late_share, now + 1800, max(1, repair["due"] - now - 1800))
                if done > limit:
                    return now
                now = repair["met"] = done
            else:
                now += rng.randrange(300, 4 * 3600)
                if now > limit:
                    return now
            t.fields.update(resolved_at=now, result="已处理完毕")
            t.set_status(
                "resolved",
                now,
                worker,
                "request_resolved",
                public="已处理,请您查看",
                internal="已处理完毕",
            )
        if "confirmed" in stages:
            now += rng.randrange(600, DAY)
            if now > limit:
                return now
            confirmation = rng.choice(["phone", "phone", "visit", "portal", "signature"])
            t.fields.update(confirmed_at=now, confirmation_channel=confirmation)
            t.set_status(
                "confirmed", now, t.entered_by, "resident_confirmed", data={"channel": confirmation}
            )
        if "visited" in stages and rng.random() < 0.4:
            now += rng.randrange(3600, 2 * DAY)
            if now > limit:
                return now
            satisfaction = rng.choice(["satisfied"] * 6 + ["basically"] * 3 + ["unsatisfied"])
            if satisfaction == "unsatisfied":
                satisfaction = "basically"  # reopenings are left out of the bench data
            t.fields.update(visited_at=now, satisfaction=satisfaction)
            t.set_status(
                "visited", now, t.entered_by, "follow_up_done", data={"satisfaction": satisfaction}
            )
        if "closed" in stages:
            now += rng.randrange(60, 3600)
            self.cancel_open(t, now)
            t.fields["closed_at"] = now
            t.set_status("closed", now, t.entered_by, "request_closed")
        return now

    def cancel_open(self, t, at):
        for d in t.deadlines:
            if d["met"] is None and d["cancelled"] is None:
                d["cancelled"] = at
                d["next"] = None

    def finish_other(self, t: Timeline, kind: str):
        """Referred to an outside party or cancelled, early in the lifecycle."""
        rng = self.rng
        now = t.received + rng.randrange(120, 3 * 3600)
        if t.first is not None and t.first["met"] is None and kind == "referred":
            t.first["met"] = min(now, t.first["due"]) if rng.random() < 0.9 else now
            t.fields["first_replied_at"] = t.first["met"]
        self.cancel_open(t, now)
        t.fields["closed_at"] = now
        if kind == "referred":
            party = rng.choice(self.parties)
            t.fields["referred_to_id"] = party.pk
            t.set_status(
                "referred",
                now,
                t.entered_by,
                "request_referred",
                public=f"请联系{party.name},电话{party.phone}",
                data={"party": party.name, "phone": party.phone},
            )
        else:
            t.fields["cancel_reason"] = "住户已自行解决,撤销"
            t.set_status(
                "cancelled",
                now,
                rng.choice(t.info["users"]["cs_supervisor"]),
                "request_cancelled",
                internal="住户撤销",
            )

    def write(self, t: Timeline):
        loader = self.loader
        f = t.fields
        open_due = [d["due"] for d in t.deadlines if d["met"] is None and d["cancelled"] is None]
        next_deadline = min(open_due) if open_due else None
        household_id, contact_name, phone = t.household if t.household else (None, "", "")
        label = LABEL.get(t.category, "other")
        location = "" if t.household else "小区公共区域"
        loader.add(
            "service_requests_servicerequest",
            "\t".join(
                [
                    str(t.id),
                    str(t.info["office"].pk),
                    opt(household_id),
                    t.category,
                    "t" if t.category in SPECIAL else "f",
                    "t" if t.is_major else "f",
                    "f",
                    t.channel,
                    label,
                    t.text,
                    location,
                    contact_name,
                    phone,
                    t.status,
                    str(t.version),
                    str(t.info["policy_version"]),
                    ts(t.received),
                    ts(t.received),
                    str(t.entered_by.pk),
                    ts(f.get("first_replied_at")),
                    ts(f.get("dispatched_at")),
                    opt(f.get("assigned_department_id")),
                    opt(f.get("assignee_id")),
                    ts(f.get("acknowledged_at")),
                    ts(f.get("promised_at")),
                    ts(f.get("resolved_at")),
                    f.get("result", ""),
                    ts(f.get("confirmed_at")),
                    f.get("confirmation_channel", ""),
                    ts(f.get("visited_at")),
                    f.get("satisfaction", ""),
                    ts(f.get("closed_at")),
                    opt(f.get("referred_to_id")),
                    f.get("cancel_reason", ""),
                    ts(next_deadline),
                ]
            ),
        )
        for d in t.deadlines:
            loader.add(
                "service_requests_deadline",
                f"{d['id']}\t{t.id}\t{d['kind']}\t{d['key']}\t{d['clause']}\t{ts(d['due'])}\t"
                f"{ts(d['met'])}\t{ts(d['missed'])}\t{ts(d['cancelled'])}\t{d['level']}\t"
                f"{ts(d['next'])}",
            )
        t.events.sort(key=lambda e: e[1])
        for type_, at, actor, before, after, public, internal, data in t.events:
            loader.add(
                "service_requests_requestevent",
                f"{self.ids.take('event')}\t{t.id}\t{type_}\t{ts(at)}\t"
                f"{actor.pk if actor is not None else chr(92) + 'N'}\t{before}\t{after}\t"
                f"{esc(public)}\t{esc(internal)}\t{js(data)}",
            )
        self.counts[t.status] += 1


COLUMNS = {
    "estates_unit": ["id", "building_id", "entrance", "floor", "room_number", "area"],
    "estates_household": ["id", "unit_id", "office_id", "occupancy", "notes", "created_at"],
    "estates_resident": [
        "id",
        "household_id",
        "name",
        "relation",
        "phone",
        "phone_last4",
        "id_type",
        "id_number",
        "moved_in_on",
        "moved_out_on",
        "user_id",
        "created_at",
    ],
    "service_requests_servicerequest": [
        "id",
        "office_id",
        "household_id",
        "category",
        "is_special",
        "is_major",
        "is_paid_service",
        "channel",
        "reception_label",
        "description",
        "location",
        "contact_name",
        "contact_phone",
        "status",
        "version",
        "policy_version_id",
        "received_at",
        "entered_at",
        "entered_by_id",
        "first_replied_at",
        "dispatched_at",
        "assigned_department_id",
        "assignee_id",
        "acknowledged_at",
        "promised_at",
        "resolved_at",
        "result",
        "confirmed_at",
        "confirmation_channel",
        "visited_at",
        "satisfaction",
        "closed_at",
        "referred_to_id",
        "cancel_reason",
        "next_deadline_at",
    ],
    "service_requests_deadline": [
        "id",
        "request_id",
        "kind",
        "policy_key",
        "clause",
        "due_at",
        "met_at",
        "missed_at",
        "cancelled_at",
        "escalation_level",
        "next_escalation_at",
    ],
    "service_requests_requestevent": [
        "id",
        "request_id",
        "type",
        "at",
        "actor_id",
        "status_before",
        "status_after",
        "public_note",
        "internal_note",
        "data",
    ],
    "service_requests_escalation": ["id", "deadline_id", "level", "role_code", "at"],
    "notifications_outboxmessage": [
        "id",
        "office_id",
        "channel",
        "recipient_id",
        "address",
        "subject",
        "body",
        "link",
        "dedupe_key",
        "created_at",
        "available_at",
        "attempts",
        "sent_at",
        "failed_at",
        "last_error",
        "read_at",
    ],
}
BIG_TABLES = [t for t in COLUMNS if not t.startswith("estates_")]


def check_columns():
    from django.apps import apps

    for model in apps.get_models():
        if model._meta.db_table in COLUMNS:
            model_columns(model, COLUMNS[model._meta.db_table])


def generate(args) -> dict:
    from django.core.management import call_command

    started = time.monotonic()
    if args.reset or not common.database_exists():
        print(f"(re)creating database {common.DB_NAME}")
        common.drop_and_create_database()
    call_command("migrate", verbosity=0, interactive=False)
    print(f"migrated in {time.monotonic() - started:.1f} s")
    check_columns()
    from organization.models import ManagementOffice

    if ManagementOffice.objects.exists():
        raise SystemExit(f"{common.DB_NAME} already has data: use --reset")

    rng = random.Random(args.seed)
    # T, the data set's "now": a whole minute plus 0.5 s so that no generated row uses it.
    t_now = int(time.time()) // 60 * 60
    sweep_at = datetime.datetime.fromtimestamp(t_now, UTC) + datetime.timedelta(milliseconds=500)
    n = args.requests
    scale = n / 1_000_000
    buildings_per_estate = max(1, round(12 * scale))
    estates = args.offices * args.estates_per_office

    ids = Ids()
    conn = common.admin_connect(common.DB_NAME)
    dropped = drop_secondary_indexes(
        conn, [*BIG_TABLES, "estates_unit", "estates_household", "estates_resident"]
    )
    loader = Loader(COLUMNS)
    t0 = time.monotonic()
    office_info, parties = build_organisation(rng, args.offices, args.estates_per_office)
    build_places(rng, loader, ids, office_info, buildings_per_estate, t_now)
    print(
        f"organisation and places: {args.offices} offices, {estates} estates, "
        f"{loader.rows['estates_household']:,} households, {loader.rows['estates_resident']:,} "
        f"residents in {time.monotonic() - t0:.1f} s"
    )

    gen = Generator(rng, loader, ids, t_now)
    gen.parties = [p for p in parties.values() if p.kind != "quality"]
    open_total = round(n * args.open_share)
    backlog_total = round(n * args.backlog_share)
    final_total = n - open_total
    t1 = time.monotonic()
    # Finished requests: spread over two years, oldest first (ids follow time, as in life).
    first_day = (t_now - HISTORY_DAYS * DAY) // DAY * DAY
    last_day = (t_now - 8 * DAY) // DAY * DAY
    days = (last_day - first_day) // DAY
    per_day = final_total / days / args.offices
    made = 0
    report_every = max(1, final_total // 10)
    for day in range(days):
        day_start = first_day + day * DAY
        for info in office_info:
            remaining = final_total - made
            if remaining <= 0:
                break
            todays = min(remaining, int(per_day) + (1 if rng.random() < per_day % 1 else 0))
            if day == days - 1 and info is office_info[-1]:
                todays = remaining
            for received in sorted(gen.received_time(day_start) for _ in range(todays)):
                t = gen.new(info, received)
                roll = rng.random()
                if roll < 0.03:
                    gen.finish_other(t, "referred")
                elif roll < 0.05:
                    gen.finish_other(t, "cancelled")
                else:
                    gen.advance(t, "closed", late_share=0.08)
                gen.write(t)
                made += 1
                if made % report_every == 0:
                    rate = made / (time.monotonic() - t1)
                    print(f"  {made:,} finished requests ({rate:,.0f} requests/s)", flush=True)

    # Open requests: the last week. Backlog first (overdue, not yet swept) — due before T.
    open_made = Counter()
    per_office = math.ceil(open_total / args.offices)
    for i, info in enumerate(office_info):
        quota = min(per_office, open_total - sum(open_made.values()))
        backlog = backlog_total // args.offices + (1 if i < backlog_total % args.offices else 0)
        escalated = quota // 20  # missed, escalated to the last level, still open
        pending_level1 = quota // 100  # escalated once, next escalation after T
        rest = quota - backlog - escalated - pending_level1
        recent = []
        for _ in range(backlog):
            if rng.random() < 0.55:
                received = t_now - rng.randrange(FIRST_REPLY + 60, 3 * DAY)
                t = gen.new(info, received)
                if t.first is None or t.first["due"] >= t_now or t.report is not None:
                    t = None
                if t is not None:
                    recent.append((t, "received", "backlog"))
                    continue
            # a repair whose agreed completion time has passed
            received = t_now - rng.randrange(2 * DAY, 6 * DAY)
            t = gen.new(info, received)
            while t.category != "b_repair" or t.report is not None:
                t = gen.new(info, received)  # a skipped draw leaves a gap in the ids
            recent.append((t, "acknowledged", "backlog-repair"))
        for _ in range(escalated):
            received = t_now - rng.randrange(2 * DAY, 7 * DAY)
            t = gen.new(info, received)
            recent.append(
                (t, "acknowledged" if t.category == "b_repair" else "received", "escalated")
            )
        for _ in range(pending_level1):
            received = t_now - rng.randrange(10 * 60, 20 * 60)
            recent.append((gen.new(info, received), "received", "level1"))
        for _ in range(rest):
            received = t_now - rng.randrange(60 * 60, 7 * DAY)
            stop = rng.choice(
                [
                    "replied",
                    "dispatched",
                    "acknowledged",
                    "acknowledged",
                    "resolved",
                    "confirmed",
                    "visited",
                ]
            )
            recent.append((gen.new(info, received), stop, "open"))
        recent.sort(key=lambda item: item[0].received)
        for t, stop, kind in recent:
            if kind == "backlog":
                pass  # nothing done since intake: its first reply is overdue
            elif kind == "backlog-repair":
                gen.advance(t, "acknowledged", late_share=0.0)
                t.repair["due"] = t_now - rng.randrange(60, 2 * DAY)
                t.fields["promised_at"] = t.repair["due"]
            elif kind == "escalated":
                if stop == "acknowledged":
                    gen.advance(t, "acknowledged", late_share=0.0)
                    t.repair["due"] = t_now - rng.randrange(2 * 3600, DAY)
                    t.fields["promised_at"] = t.repair["due"]
                    t.miss(t.repair, 2)
                elif t.first is not None:
                    t.miss(t.first, 2)
            elif kind == "level1":
                if t.first is not None and t.first["kind"] == "first_reply":
                    t.miss(t.first, 1)
                    t.first["next"] = t.first["missed"] + ESCALATION_INTERVAL
            else:
                gen.advance(t, stop, late_share=0.0, horizon=t_now - 60)
                for d in t.deadlines:  # an open step is due after T, never between sweeps
                    if d["met"] is None and d["cancelled"] is None and d["missed"] is None:
                        d["due"] = max(d["due"], t_now + rng.randrange(10 * 60, 3 * DAY))
                        if d["kind"] == "repair_completion":
                            t.fields["promised_at"] = d["due"]
            if kind != "backlog" and t.report is not None and t.report["met"] is None:
                t.report["met"] = t.received + 60  # majors were reported at once
            for d in t.deadlines:  # nothing in this data set happens after T
                if d["met"] is not None and d["met"] >= t_now:
                    d["met"] = t_now - 30
            gen.write(t)
            open_made[kind] += 1
    loader.close()
    load_seconds = time.monotonic() - t1
    total_rows = sum(loader.rows.values())
    print(f"requests and timelines written in {load_seconds:.1f} s")
    for table, rows in loader.rows.items():
        print(f"  {table:36} {rows:>12,} rows")
    print(f"  {'all tables':36} {total_rows:>12,} rows, {total_rows / load_seconds:,.0f} rows/s")
    print(f"  open requests: {dict(open_made)}")

    t2 = time.monotonic()
    with conn.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '512MB'")
        for definition in dropped:
            cur.execute(definition)
        for table in COLUMNS:
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
    print(f"rebuilt {len(dropped)} indexes in {time.monotonic() - t2:.1f} s")
    t3 = time.monotonic()
    conn.execute("VACUUM (ANALYZE)")
    print(f"vacuum analyze in {time.monotonic() - t3:.1f} s")
    conn.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value text)")
    meta = {
        "requests": str(n),
        "sweep_at": sweep_at.isoformat(),
        "backlog": str(open_made["backlog"] + open_made["backlog-repair"]),
        "open": str(sum(open_made.values())),
        "offices": str(args.offices),
        "estates": str(estates),
        "generated_at": datetime.datetime.now(UTC).isoformat(),
        "seconds": f"{time.monotonic() - started:.0f}",
    }
    for key, value in meta.items():
        conn.execute(
            "INSERT INTO bench_meta VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [key, value],
        )
    conn.close()
    print(f"generated {n:,} requests in {time.monotonic() - started:.0f} s in total")
    return meta


def main(argv=None):
    import os

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--requests", type=int, default=int(os.environ.get("BENCH_REQUESTS", "1000000"))
    )
    parser.add_argument("--offices", type=int, default=10)
    parser.add_argument("--estates-per-office", type=int, default=5)
    parser.add_argument("--open-share", type=float, default=0.10)
    parser.add_argument("--backlog-share", type=float, default=0.025)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reset", action="store_true", help="drop and recreate the database")
    args = parser.parse_args(argv)
    common.setup_django()
    generate(args)


if __name__ == "__main__":
    main()
