"""Test data for duty: shifts made directly around a given time (the calendar-driven roster
generation has its own tests), everything else through duty.services."""

import datetime

from django.utils import timezone

from duty.models import Post, PostItem, Roster, Shift


def make_shift(office, *, starts_at, hours=15, assignee=None, roster=None) -> Shift:
    """A shift starting at `starts_at`. Tests place shifts around the real clock, so two may
    start on the same calendar day (a real roster never has that: one shift per office and
    day); the later one then takes the next free duty date, whatever the time of day."""
    duty_date = timezone.localtime(starts_at).date()
    while Shift.objects.filter(office=office, date=duty_date).exists():
        duty_date += datetime.timedelta(days=1)
    roster = (
        roster or Roster.objects.get_or_create(office=office, month=duty_date.replace(day=1))[0]
    )
    return Shift.objects.create(
        roster=roster,
        office=office,
        date=duty_date,
        kind="working_day",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=hours),
        assignee=assignee,
    )


def make_post(office, items=(("对讲机", 2), ("灭火器", 1), ("水瓶", 1))) -> Post:
    post = Post.objects.create(office=office, name="住户服务中心")
    for name, quantity in items:
        PostItem.objects.create(post=post, name=name, quantity=quantity)
    return post
