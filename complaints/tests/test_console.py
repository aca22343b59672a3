"""The complaint console pages and statistics (SOP.md §3)."""

import datetime
import io

from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints.choices import Severity, ToldChannel, Validity, ValidKind
from complaints.reports import complaint_summary, week_of
from complaints.services import (
    complaint_follow_up,
    complaint_judge,
    complaint_return_slip,
    complaint_send_slip,
    complaint_tell_resident,
)
from complaints.tests.conftest import at, new_complaint
from core.testing import PASSWORD, make_household, owner

T0 = at(2026, 3, 2, 9, 0)


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_request_page_links_to_the_complaint_form(client, receptionist, office, household):
    """A category c request gets the 投诉处理 link; the form records the complaint."""
    from service_requests.choices import Category, Channel
    from service_requests.services import IntakeData, request_intake

    sr = request_intake(
        actor=receptionist,
        office=office,
        data=IntakeData(category=Category.COMPLAINT, channel=Channel.PHONE, description="噪音"),
    )
    login(client, receptionist)
    page = client.get(reverse("service_requests:request_detail", args=[sr.pk])).content.decode()
    assert reverse("complaints:for_request", args=[sr.pk]) in page
    response = client.post(
        reverse("complaints:for_request", args=[sr.pk]),
        {"what_happened": "装修噪音", "resident_demand": "停止夜间施工", "apologised": "on"},
    )
    assert response.status_code == 302
    detail = client.get(response["Location"])
    assert "装修噪音" in detail.content.decode()


def test_refusal_shown_and_nothing_changed(client, receptionist, office, household):
    """000 篇10 §4.6: closing before the resident was told is refused with a message."""
    complaint = new_complaint(receptionist, office, household, T0)
    login(client, receptionist)
    response = client.post(reverse("complaints:action", args=[complaint.pk, "close"]), {})
    assert response.status_code == 200
    assert "尚未将处理结果通报住户" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.closed_at is None


def test_list_page_query_count(client, receptionist, office, household):
    """The list is one page of complaints with their households in a fixed number of queries."""
    for _ in range(3):
        new_complaint(receptionist, office, household, T0)
    login(client, receptionist)
    client.get(reverse("complaints:list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("complaints:list"))
    for _ in range(5):
        new_complaint(receptionist, office, household, T0)
    with CaptureQueriesContext(connection) as more:
        response = client.get(reverse("complaints:list"))
    assert response.status_code == 200
    assert len(more) == len(few) <= 12


def test_statistics_with_a_known_dataset(receptionist, office, household, building, cleaning):
    """003 §5.5 处理及时率; 002 篇2 回访处理率, 有效投诉率 = valid ÷ households; repeat
    complainants; counts by severity."""
    first = new_complaint(receptionist, office, household, T0)
    complaint_judge(
        actor=receptionist,
        complaint=first,
        validity=Validity.VALID,
        valid_kind=ValidKind.PROPERTY,
        severity=Severity.IMPORTANT,
        now=T0,
    )
    complaint_send_slip(
        actor=receptionist, complaint=first, department=cleaning, signed_by="陈", now=T0
    )
    complaint_return_slip(actor=receptionist, complaint=first, handling="已处理", now=T0)
    complaint_tell_resident(
        actor=receptionist, complaint=first, channel=ToldChannel.PHONE, note="已处理", now=T0
    )
    complaint_follow_up(actor=receptionist, complaint=first, satisfaction="satisfied", now=T0)
    second = new_complaint(receptionist, office, household, T0)  # same household: a repeat
    complaint_judge(
        actor=receptionist,
        complaint=second,
        validity=Validity.INVALID,
        handling="explanation",
        explanation="个人要求",
        now=T0,
    )
    for room in ("0101", "0102", "0103"):
        make_household(building, room, residents=[owner("住户", "")])
    summary = complaint_summary(
        user=receptionist,
        start=datetime.date(2026, 3, 1),
        end=datetime.date(2026, 3, 31),
        now=T0 + datetime.timedelta(hours=1),
    )
    assert summary.total == 2 and summary.valid == 1
    assert summary.households == 4 and summary.valid_rate == 25.0
    assert summary.follow_up_rate == 100.0
    # Recording each at reception was the first reply (SOP.md §3 reception;
    # complaint.record_is_first_reply), so the invalid one, not yet answered, is not late.
    assert summary.on_time == 2 and summary.on_time_rate == 100.0
    assert dict(summary.by["severity"])["重要"] == 1
    assert summary.repeat == [("3栋 1502", 2)]


def test_counts_by_building_channel_and_repeat_households(
    receptionist, office, household, building
):
    """The summary's building, channel and repeat-complainant tables (投诉情况月汇总表; 002 篇2)
    are counted from one grouped query: they must equal counting each on its own — complaints
    from two buildings, a public-area complaint (no household), phone and visit, one household
    twice."""
    from complaints.models import Complaint
    from core.testing import make_building
    from service_requests.choices import Channel

    other = make_household(make_building(building.estate, "5"), "0301")
    new_complaint(receptionist, office, household, T0)
    new_complaint(receptionist, office, household, T0, channel=Channel.VISIT)
    new_complaint(receptionist, office, other, T0, channel=Channel.VISIT)
    new_complaint(receptionist, office, other, T0)
    new_complaint(receptionist, office, other, T0, channel=Channel.LETTER)
    new_complaint(receptionist, office, None, T0, text="小区大门灯坏了")
    summary = complaint_summary(
        user=receptionist, start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31)
    )
    estate = building.estate.name
    assert summary.by["building"] == [
        (f"{estate} 5栋", 3),
        (f"{estate} 3栋", 2),
        ("公共区域", 1),
    ]
    assert summary.by["channel"] == [("来电", 3), ("来访", 2), ("书面/信函", 1)]
    assert summary.repeat == [("5栋 0301", 3), ("3栋 1502", 2)]
    channels = Complaint.objects.values("request__channel").annotate(n=Count("pk"))
    assert sum(row["n"] for row in channels) == 6


def test_week_ends_on_saturday():
    """000 篇10 §4.8: the weekly analysis is made every Saturday."""
    assert week_of(datetime.date(2026, 3, 4)) == (
        datetime.date(2026, 2, 22),
        datetime.date(2026, 2, 28),
    )
    assert week_of(datetime.date(2026, 3, 7))[1] == datetime.date(2026, 3, 7)


def test_summary_page_and_excel(client, receptionist, office, household):
    """The 投诉情况月汇总表 (004 篇4 §4.5) as a page with bars and as Excel."""
    from openpyxl import load_workbook

    new_complaint(receptionist, office, household, T0)
    login(client, receptionist)
    page = client.get(reverse("complaints:summary"), {"day": "2026-03-10"})
    assert page.status_code == 200
    export = client.get(reverse("complaints:summary_export"), {"day": "2026-03-10"})
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet["A1"].value == "投诉情况月汇总表"
    assert sheet["F4"].value == "楼道垃圾三天没人清理"
