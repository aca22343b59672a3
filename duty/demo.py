"""Demo duty data: the service centre's post with its public property, this month's roster
published with the front-desk staff taking turns, and a night's log."""

import datetime

from django.utils import timezone

from duty import services
from duty.models import Post, PostItem
from organization.models import Staff


def load_demo_duty(office) -> int:
    supervisor = Staff.objects.get(user__username="cs_supervisor").user
    officers = [
        Staff.objects.get(user__username=name).user for name in ("cs_staff", "cs_supervisor")
    ]
    post = Post.objects.create(office=office, name="客服中心值班室")
    for name, quantity in (("对讲机", 2), ("灭火器", 2), ("手电筒", 1), ("水瓶", 1), ("钥匙箱", 1)):
        PostItem.objects.create(post=post, name=name, quantity=quantity)
    today = timezone.localdate()
    roster = services.roster_generate(actor=supervisor, office=office, month=today.replace(day=1))
    for index, shift in enumerate(roster.shifts.order_by("date")):
        services.shift_assign(actor=supervisor, shift=shift, assignee=officers[index % 2])
    services.roster_publish(actor=supervisor, roster=roster)
    last_night = timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=1), datetime.time(21, 40))
    )
    entries = [
        (last_night, "巡查客服中心及大堂,门窗关闭,无异常"),
        (
            last_night + datetime.timedelta(minutes=55),
            "3栋住户来电反映电梯异响,已通知工程部值班人员查看",
        ),
        (last_night + datetime.timedelta(hours=3), "工程部回复:电梯已检查,运行正常,已电话告知住户"),
    ]
    for at, text in entries:
        services.log_entry_add(actor=officers[0], office=office, text=text, at=at)
    return roster.shifts.count()
