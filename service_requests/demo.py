"""Demo help and report requests for the demo office: two weeks of calls in every state, some
still open and some overdue, made through the services at the times they would have happened."""

import datetime
import random

from django.utils import timezone

from estates.models import Household
from organization.models import Department, Staff
from service_requests import services
from service_requests.choices import Category, Channel, Status
from service_requests.deadlines import sweep_deadlines

CALLS = [
    (Category.REPAIR, "厨房水龙头漏水,关不紧"),
    (Category.REPAIR, "卫生间地漏堵塞,返水"),
    (Category.REPAIR, "入户门锁芯损坏,钥匙拧不动"),
    (Category.REPAIR, "客厅灯不亮,疑似线路问题"),
    (Category.REPAIR, "阳台窗户关不严,漏风"),
    (Category.CONSULTATION, "咨询地下车位月租价格"),
    (Category.CONSULTATION, "咨询装修申请需要哪些材料"),
    (Category.CONSULTATION, "咨询物业费缴费方式"),
    (Category.OTHER, "借用人字梯换灯泡"),
    (Category.OTHER, "快递柜取不出包裹"),
    (Category.OTHER, "家中老人钥匙遗失,请求帮忙开门"),
    # No c 投诉 here: a complaint is received with its record (SOP.md §3 接待) through
    # complaints.services.complaint_intake, which this app may not import (complaints depends on
    # service_requests). The demo's complaints, "楼上深夜装修噪音" and "电梯按键失灵多日未修"
    # among them, are loaded by complaints/demo.py.
]


def load_demo_requests(*, seed: int = 7, days: int = 14, per_day: int = 5) -> int:
    rng = random.Random(seed)
    now = timezone.now()
    households = list(Household.objects.filter(residents__phone__gt="").distinct()[:200])
    if not households:
        return 0
    office = households[0].office
    receptionist = Staff.objects.get(user__username="cs_staff").user
    supervisor = Staff.objects.get(user__username="cs_supervisor").user
    technician = Staff.objects.get(user__username="technician").user
    engineering = Department.objects.get(office=office, kind="engineering")
    created = 0
    for day in range(days, -1, -1):
        for _ in range(per_day if day else 3):
            start = now - datetime.timedelta(
                days=day, hours=rng.randrange(0, 9), minutes=rng.randrange(60)
            )
            if start > now:
                continue
            category, text = rng.choice(CALLS)
            household = rng.choice(households)
            resident = household.residents.filter(phone__gt="").first()
            channel = (
                Channel.LETTER
                if category == Category.CONSULTATION and rng.random() < 0.3
                else Channel.PHONE
            )
            request = services.request_intake(
                actor=receptionist,
                office=office,
                data=services.IntakeData(
                    category=category,
                    channel=channel,
                    description=text,
                    household=household,
                    contact_name=resident.name,
                    contact_phone=resident.phone,
                ),
                now=start,
            )
            created += 1
            _progress(rng, request, start, now, receptionist, supervisor, technician, engineering)
    # A medical emergency happening right now, so the checklist can be tried.
    household = rng.choice(households)
    resident = household.residents.filter(phone__gt="").first()
    services.request_intake(
        actor=receptionist,
        office=office,
        data=services.IntakeData(
            category=Category.MEDICAL_EMERGENCY,
            channel=Channel.PHONE,
            description="家中老人突然晕倒,需要帮助",
            household=household,
            contact_name=resident.name,
            contact_phone=resident.phone,
            is_major=True,
            emergency_help=("call_120",),
        ),
        now=now - datetime.timedelta(minutes=2),
    )
    sweep_deadlines(now=now)
    return created + 1


def _progress(rng, request, start, now, receptionist, supervisor, technician, engineering):
    """Move the request along as a day at the desk would, stopping at a random point."""

    def at(minutes):
        moment = start + datetime.timedelta(minutes=minutes)
        return moment if moment < now else None

    stage = rng.random()
    if stage < 0.12:
        return  # not answered yet: overdue unless it came in within the last few minutes
    replier = supervisor if request.channel == Channel.LETTER else receptionist
    when = at(rng.choice([1, 2, 3, 4, 8]))
    if when is None:
        return
    services.request_reply(
        actor=replier,
        request=request,
        version=request.version,
        reply="已收到,正在安排处理",
        now=when,
    )
    if request.category == Category.CONSULTATION:
        if stage > 0.3 and (when := at(30)):
            services.request_resolve(
                actor=replier,
                request=request,
                version=request.version,
                result="已解答住户咨询",
                now=when,
            )
            if stage > 0.5 and (when := at(60)):
                services.request_confirm(
                    actor=receptionist,
                    request=request,
                    version=request.version,
                    channel="phone",
                    now=when,
                )
                services.request_close(
                    actor=receptionist, request=request, version=request.version, now=when
                )
        return
    if stage < 0.25 or not (when := at(10)):
        return
    services.request_dispatch(
        actor=receptionist,
        request=request,
        version=request.version,
        department=engineering,
        now=when,
    )
    if stage < 0.35 or not (when := at(25)):
        return
    services.request_acknowledge(
        actor=technician, request=request, version=request.version, now=when
    )
    promised = start + datetime.timedelta(days=rng.choice([1, 2]))
    if when < promised:
        services.request_set_appointment(
            actor=technician,
            request=request,
            version=request.version,
            promised_at=promised,
            now=when,
        )
    if stage < 0.5 or not (when := at(rng.choice([180, 600, 1500, 3000]))):
        return
    services.request_resolve(
        actor=technician,
        request=request,
        version=request.version,
        result="已上门处理完毕",
        public_note="已处理,请您查看",
        now=when,
    )
    if stage < 0.65 or not (when := at(3200)):
        return
    services.request_confirm(
        actor=receptionist, request=request, version=request.version, channel="phone", now=when
    )
    if stage < 0.8 or not (when := at(4500)):
        return
    services.request_follow_up(
        actor=receptionist,
        request=request,
        version=request.version,
        satisfaction=rng.choice(["satisfied", "satisfied", "basically"]),
        now=when,
    )
    services.request_close(actor=receptionist, request=request, version=request.version, now=when)
    assert request.status == Status.CLOSED
