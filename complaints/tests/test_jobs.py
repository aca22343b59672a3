"""The worker's complaint statistics reminders (SOP.md §3 统计; 000 篇10 §4.8; 004 篇4 §4.5):
one notice per office and week / month to the office manager, never twice."""

from django.core.management import call_command

from complaints.jobs import remind_complaint_reports
from complaints.tests.conftest import at, new_complaint
from core.testing import make_office, make_staff
from notifications.models import OutboxMessage
from policies.services import policy_update

SATURDAY = at(2026, 11, 21, 9, 30)  # a Saturday, after the default 9:00


def _weekly(manager):
    return OutboxMessage.objects.filter(recipient=manager, dedupe_key__contains="weekly")


def _monthly(manager):
    return OutboxMessage.objects.filter(recipient=manager, dedupe_key__contains="monthly")


def test_weekly_analysis_on_saturday_once(manager, receptionist, office, household):
    new_complaint(receptionist, office, household, at(2026, 11, 17, 10, 0))
    assert remind_complaint_reports(at(2026, 11, 20, 10, 0)).weekly == 0  # Friday
    assert remind_complaint_reports(at(2026, 11, 21, 8, 59)).weekly == 0  # before 9:00
    assert remind_complaint_reports(SATURDAY).weekly >= 1
    remind_complaint_reports(SATURDAY.replace(hour=15))  # later cycles of the same day
    remind_complaint_reports(SATURDAY.replace(hour=23))
    notices = list(_weekly(manager).filter(channel="console"))
    assert len(notices) == 1
    notice = notices[0]
    assert "period=week" in notice.link and "day=2026-11-21" in notice.link
    assert "1件" in notice.body
    assert not OutboxMessage.objects.filter(recipient=receptionist).exists()


def test_one_notice_per_office(manager, office):
    other = make_office("绿城管理处")
    other_manager = make_staff("office_manager", offices=[other], name="外处经理")
    remind_complaint_reports(SATURDAY)
    remind_complaint_reports(SATURDAY)
    assert _weekly(manager).filter(channel="console").count() == 1
    assert _weekly(other_manager).filter(channel="console").count() == 1
    assert str(office.pk) in _weekly(manager).get(channel="console").link


def test_next_week_is_a_new_notice(manager):
    remind_complaint_reports(SATURDAY)
    remind_complaint_reports(at(2026, 11, 28, 9, 30))
    assert _weekly(manager).filter(channel="console").count() == 2


def test_weekday_is_policy(manager, office):
    policy_update(
        actor=manager,  # office managers edit their office's policy
        office=office,
        changes={"complaint.weekly_report_weekday": 5},
        note="周五分析",
    )
    assert remind_complaint_reports(SATURDAY).weekly == 0
    assert remind_complaint_reports(at(2026, 11, 20, 9, 30)).weekly >= 1


def test_monthly_summary_of_last_month_once(manager, receptionist, office, household):
    """004 篇4 §4.5: last month's 投诉情况月汇总表 by the 25th; reminded from the 20th."""
    new_complaint(receptionist, office, household, at(2026, 10, 30, 10, 0))
    assert remind_complaint_reports(at(2026, 11, 19, 10, 0)).monthly == 0
    assert remind_complaint_reports(at(2026, 11, 20, 10, 0)).monthly >= 1
    remind_complaint_reports(at(2026, 11, 25, 10, 0))
    notices = list(_monthly(manager).filter(channel="console"))
    assert len(notices) == 1
    assert "period=month" in notices[0].link and "day=2026-10-31" in notices[0].link
    assert "2026-10" in notices[0].body and "1件" in notices[0].body and "25日" in notices[0].body
    remind_complaint_reports(at(2026, 12, 21, 10, 0))
    assert _monthly(manager).filter(channel="console").count() == 2


def test_worker_cycle_sends_it(manager):
    call_command("worker", "--once", "--now", "2026-11-21T09:30:00+08:00")
    call_command("worker", "--once", "--now", "2026-11-21T10:30:00+08:00")
    assert _weekly(manager).filter(channel="console").count() == 1
