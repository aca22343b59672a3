"""The help desk's staff console (issue #3 "Intake", "Lifecycle", "Queues"; SOP.md §2, §4):
intake on one screen, the request's page with deadlines, timeline and actions, and the queues.
Data is made through the services; the console is driven through its forms (POST)."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import caching
from core.testing import (
    PASSWORD,
    make_building,
    make_estate,
    make_household,
    make_office,
    make_staff,
    owner,
)
from service_requests.choices import Category, Channel, EventType, Status
from service_requests.models import Deadline, EmergencyStep, RequestEvent, ServiceRequest
from service_requests.services import (
    IntakeData,
    request_dispatch,
    request_intake,
    request_reply,
)


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def intake(actor, office, **overrides):
    data = {"category": Category.REPAIR, "channel": Channel.PHONE, "description": "厨房水龙头漏水"}
    data.update(overrides)
    return request_intake(actor=actor, office=office, data=IntakeData(**data))


def _intake_post(household=None, **overrides):
    data = {
        "household": household.pk if household else "",
        "category": Category.REPAIR,
        "channel": Channel.PHONE,
        "reception_label": "",
        "description": "厨房水龙头漏水",
        "location": "",
        "contact_name": "张伟",
        "contact_phone": "13812345678",
        "received_at": "",
        "reply_now": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _text(response):
    return response.content.decode()


# --- Intake ------------------------------------------------------------------------------------


def test_intake_page_offers_categories_a_to_g_with_keys_and_the_household_search(
    client, office, receptionist
):
    login(client, receptionist)
    text = _text(client.get(reverse("service_requests:request_new")))
    for key in "abcdefg":
        assert f'accesskey="{key}"' in text
    assert "急救病人" in text and "特别求助" in text
    assert 'hx-get="/requests/new/households/"' in text
    assert "送医院" in text and "拨打120" in text and "短时护理" in text


def test_household_search_in_intake_offers_the_contact_of_the_current_residents(
    client, office, household, receptionist
):
    login(client, receptionist)
    response = client.get(
        reverse("service_requests:household_pick"), {"hq": "3-2-1502"}, HTTP_HX_REQUEST="true"
    )
    text = _text(response)
    assert "<html" not in text
    assert f'data-household="{household.pk}"' in text
    assert 'data-contact-name="张伟"' in text and 'data-contact-phone="13812345678"' in text
    assert "3栋2单元1502" in text


def test_household_search_does_not_offer_another_offices_household(
    client, office, household, receptionist
):
    other = make_office("翠湖花园管理处")
    make_household(make_building(make_estate(other, "翠湖花园"), "3"), "1502")
    login(client, receptionist)
    text = _text(client.get(reverse("service_requests:household_pick"), {"hq": "3-2-1502"}))
    assert text.count('class="pick"') == 1


def test_intake_through_the_console_redirects_with_number_and_next_deadline(
    client, office, household, receptionist
):
    """SOP.md §2 快速反应: the first reply is due within 5 minutes; the message says so."""
    login(client, receptionist)
    response = client.post(
        reverse("service_requests:request_new"), _intake_post(household), follow=True
    )
    sr = ServiceRequest.objects.get()
    assert response.redirect_chain[-1][0] == reverse(
        "service_requests:request_detail", args=[sr.pk]
    )
    text = _text(response)
    assert f"已受理,登记号 {sr.number}" in text
    due = timezone.localtime(sr.next_deadline_at).strftime("%Y-%m-%d %H:%M")
    assert f"下一时限:首次答复,{due} 前" in text
    assert sr.household == household and sr.office == office and sr.entered_by == receptionist
    assert sr.contact_phone == "13812345678" and sr.status == Status.RECEIVED


def test_public_area_report_without_a_household(client, office, receptionist):
    login(client, receptionist)
    client.post(
        reverse("service_requests:request_new"),
        _intake_post(location="3栋大堂", description="大堂灯不亮", contact_phone=""),
    )
    sr = ServiceRequest.objects.get()
    assert sr.household is None and sr.location == "3栋大堂" and sr.office == office


def test_medical_emergency_with_help_choices_opens_the_checklist(
    client, office, household, receptionist
):
    """000 篇3 §4.2.1: the requester's choice (送医院/拨打120/短时护理) opens its steps."""
    login(client, receptionist)
    response = client.post(
        reverse("service_requests:request_new"),
        _intake_post(
            household,
            category=Category.MEDICAL_EMERGENCY,
            description="老人突发胸痛",
            emergency_help=["call_120", "nursing"],
            is_major="on",
        ),
        follow=True,
    )
    sr = ServiceRequest.objects.get()
    assert sr.is_special and sr.is_major
    assert set(sr.emergency_steps.values_list("branch", flat=True)) == {"call_120", "nursing"}
    text = _text(response)
    assert 'data-testid="special-flag"' in text and "急救处理步骤" in text
    assert "帮助拨打120" in text and "保安班长安排护理人员" in text


def test_reply_given_on_the_phone_is_recorded_as_the_first_reply(
    client, office, household, receptionist
):
    login(client, receptionist)
    response = client.post(
        reverse("service_requests:request_new"),
        _intake_post(household, reply_now="已通知工程部,今天下午上门"),
        follow=True,
    )
    sr = ServiceRequest.objects.get()
    assert sr.status == Status.REPLIED
    assert not sr.deadlines.filter(kind="first_reply").exists()
    # What is left is the repair's completion (SOP.md §4), and the message says so.
    assert "已受理,登记号" in _text(response) and "下一时限:维修完成" in _text(response)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"category": Category.MEDICAL_EMERGENCY, "contact_phone": ""},
            "contact_phone",
            "急救病人求助须先登记联系电话",
        ),
        (
            {
                "received_at": (timezone.localtime() + datetime.timedelta(hours=2)).strftime(
                    "%Y-%m-%dT%H:%M"
                )
            },
            "received_at",
            "受理时间不能晚于现在",
        ),
        ({"category": "z_unknown"}, "category", "请选择求助类别(a–g)"),
        ({"category": ""}, "category", "请选择求助类别(a–g)"),
        ({"description": "  "}, "description", "请填写求助内容"),
        ({"contact_phone": "12345"}, "contact_phone", "电话"),
    ],
)
def test_refused_intake_shows_the_reason_next_to_the_field_and_writes_nothing(
    client, office, household, receptionist, overrides, field, message
):
    login(client, receptionist)
    response = client.post(
        reverse("service_requests:request_new"), _intake_post(household, **overrides)
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    error_block = re.search(
        rf'data-testid="error-{field}">(.*?)</div>', _text(response), flags=re.S
    )
    assert error_block and message in error_block.group(1)
    assert not ServiceRequest.objects.exists()
    assert not RequestEvent.objects.exists() and not Deadline.objects.exists()
    # What was typed is kept, and the chosen household is still shown.
    assert "3栋2单元1502" in _text(response)


def test_a_role_without_intake_permission_gets_403_and_nothing_is_written(
    client, office, household, technician
):
    login(client, technician)
    assert client.get(reverse("service_requests:request_new")).status_code == 403
    response = client.post(reverse("service_requests:request_new"), _intake_post(household))
    assert response.status_code == 403
    assert "无权" in _text(response)
    assert not ServiceRequest.objects.exists()


def test_another_offices_household_cannot_be_used_in_intake(client, office, receptionist):
    other = make_office("翠湖花园管理处")
    foreign = make_household(make_building(make_estate(other, "翠湖花园"), "3"), "1502")
    login(client, receptionist)
    response = client.post(reverse("service_requests:request_new"), _intake_post(foreign))
    assert "未找到该住户" in _text(response)
    assert not ServiceRequest.objects.exists()


# --- Detail ------------------------------------------------------------------------------------


def test_detail_shows_deadlines_with_clause_next_deadline_escalation_and_timeline(
    client, office, household, receptionist
):
    sr = intake(receptionist, office, household=household)
    login(client, receptionist)
    response = client.get(reverse("service_requests:request_detail", args=[sr.pk]))
    text = _text(response)
    assert sr.number in text and "b 报修" in text and "已受理" in text
    deadlines = re.search(r'data-testid="deadlines">(.*?)</table>', text, flags=re.S).group(1)
    assert "首次答复" in deadlines and "SOP.md §2 快速反应; 000 篇3 §4.1.2(a)" in deadlines
    assert "进行中" in deadlines
    nxt = re.search(r'data-testid="next-deadline">(.*?)</div>', text, flags=re.S).group(1)
    assert "下一时限:首次答复" in nxt and "客服主管 → 管理处经理" in nxt
    timeline = re.search(r'data-testid="timeline">(.*?)</ol>', text, flags=re.S).group(1)
    assert "受理" in timeline and "张婷" in timeline
    assert f'href="/households/{household.pk}/"' in text


def test_next_deadline_tells_the_time_left_then_overdue_and_escalated(
    client, office, household, receptionist, supervisor
):
    """SOP.md §2 快速反应: the nearest limit shows how long is left while it runs; once it has
    passed it shows 已逾期, and after the sweep escalated it the level, in both languages."""
    from service_requests.deadlines import sweep_deadlines

    def received(minutes_ago):
        return request_intake(
            actor=receptionist,
            office=office,
            data=IntakeData(category=Category.REPAIR, channel=Channel.PHONE, description="漏水"),
            now=timezone.now() - datetime.timedelta(minutes=minutes_ago),
        )

    login(client, receptionist)

    def banner(sr):
        text = _text(client.get(reverse("service_requests:request_detail", args=[sr.pk])))
        return re.search(r'data-testid="next-deadline">(.*?)</div>', text, flags=re.S).group(1)

    running = banner(received(2))
    assert "还有 2" in running and "已逾期" not in running  # 5 minutes from 2 minutes ago
    assert "SOP.md §2" in running  # the ladder's clause
    late = received(10)
    overdue = banner(late)
    assert "已逾期" in overdue and "还有" not in overdue and "已升级" not in overdue
    sweep_deadlines(now=timezone.now())
    assert "已升级 1 级" in banner(late)
    client.cookies["django_language"] = "en"
    english = banner(late)
    assert "已逾期" not in english and "下一时限" not in english, english
    assert "Overdue" in english and "Next deadline" in english, english


def test_timeline_keeps_what_the_resident_was_told_apart_from_internal_notes(
    client, office, household, receptionist
):
    sr = intake(receptionist, office, household=household)
    login(client, receptionist)
    client.post(
        reverse("service_requests:request_action", args=[sr.pk, "note"]),
        {"note-version": sr.version, "note-internal_note": "住户情绪激动", "note-public_note": ""},
    )
    client.post(
        reverse("service_requests:request_action", args=[sr.pk, "reply"]),
        {"reply-version": sr.version, "reply-reply": "师傅下午三点上门"},
    )
    text = _text(client.get(reverse("service_requests:request_detail", args=[sr.pk])))
    assert re.search(r'class="note internal"[^>]*>.*?住户情绪激动', text, flags=re.S)
    assert re.search(r'class="note public"[^>]*>.*?师傅下午三点上门', text, flags=re.S)
    assert "已受理 → 已答复" in text


def test_dispatch_then_acknowledge_by_the_technician_of_that_department(
    client, office, household, receptionist, engineering, technician
):
    """派工 to 工程部; its technician sees the request and acknowledges (接单)."""
    sr = intake(receptionist, office, household=household)
    login(client, receptionist)
    detail = client.get(reverse("service_requests:request_detail", args=[sr.pk]))
    assert f'<option value="{engineering.pk}">工程部</option>' in _text(detail)
    response = client.post(
        reverse("service_requests:request_action", args=[sr.pk, "dispatch"]),
        {
            "dispatch-version": sr.version,
            "dispatch-department": engineering.pk,
            "dispatch-assignee": "",
            "dispatch-note": "请带龙头配件",
        },
        follow=True,
    )
    assert "派工已登记" in _text(response)
    sr.refresh_from_db()
    assert sr.status == Status.DISPATCHED and sr.assigned_department == engineering

    client.logout()
    login(client, technician)
    page = _text(client.get(reverse("service_requests:request_detail", args=[sr.pk])))
    assert 'data-action="acknowledge"' in page
    assert 'data-action="dispatch"' not in page and 'data-action="cancel"' not in page
    mine = client.get(reverse("service_requests:request_list"), {"tab": "my_department"})
    assert [row.pk for row in mine.context["rows"]] == [sr.pk]
    response = client.post(
        reverse("service_requests:request_action", args=[sr.pk, "acknowledge"]),
        {"acknowledge-version": sr.version},
        follow=True,
    )
    assert response.status_code == 200
    sr.refresh_from_db()
    assert sr.status == Status.ACKNOWLEDGED and sr.acknowledged_at is not None
    event = sr.events.get(type=EventType.DISPATCH_ACKNOWLEDGED)
    assert event.actor == technician


def test_a_technician_of_another_department_is_not_offered_the_work_actions(
    client, office, household, receptionist, engineering
):
    sr = intake(receptionist, office, household=household)
    request_dispatch(actor=receptionist, request=sr, version=sr.version, department=engineering)
    cleaner = make_staff("cleaning", offices=[office])
    login(client, cleaner)
    page = _text(client.get(reverse("service_requests:request_detail", args=[sr.pk])))
    assert 'data-action="acknowledge"' not in page
    response = client.post(
        reverse("service_requests:request_action", args=[sr.pk, "acknowledge"]),
        {"acknowledge-version": sr.version},
    )
    assert response.status_code == 403 and "无权" in _text(response)
    assert ServiceRequest.objects.get(pk=sr.pk).status == Status.DISPATCHED


def test_a_stale_version_is_refused_with_409_and_changes_nothing(
    client, office, household, receptionist, supervisor
):
    sr = intake(receptionist, office, household=household)
    rendered_version = sr.version
    # Meanwhile the supervisor answered the resident.
    request_reply(actor=supervisor, request=sr, version=sr.version, reply="马上安排")
    before = ServiceRequest.objects.get(pk=sr.pk)
    events = RequestEvent.objects.count()
    login(client, receptionist)
    response = client.post(
        reverse("service_requests:request_action", args=[sr.pk, "cancel"]),
        {"cancel-version": rendered_version, "cancel-reason": "重复登记"},
    )
    assert response.status_code == 403  # cs_staff may not cancel; the supervisor may
    client.logout()
    login(client, supervisor)
    response = client.post(
        reverse("service_requests:request_action", args=[sr.pk, "cancel"]),
        {"cancel-version": rendered_version, "cancel-reason": "重复登记"},
    )
    assert response.status_code == 409
    assert "该求助已被他人更新" in _text(response)
    after = ServiceRequest.objects.get(pk=sr.pk)
    assert (after.status, after.version, after.cancel_reason) == (
        before.status,
        before.version,
        "",
    )
    assert RequestEvent.objects.count() == events
    assert after.deadlines.filter(cancelled_at__isnull=False).count() == 0


def test_refused_action_shows_the_reason_next_to_the_field(client, office, household, receptionist):
    sr = intake(receptionist, office, household=household)
    login(client, receptionist)
    response = client.post(
        reverse("service_requests:request_action", args=[sr.pk, "resolve"]),
        {"resolve-version": sr.version, "resolve-result": " ", "resolve-public_note": ""},
    )
    assert response.status_code == 200
    assert "请填写处理结果" in _text(response) or "这个字段是必填项" in _text(response)
    assert ServiceRequest.objects.get(pk=sr.pk).status == Status.RECEIVED


def test_appointment_beyond_the_policy_maximum_is_refused_with_the_clause(
    client, office, household, receptionist
):
    """SOP.md §4 (003 §5.2): a promised date no more than 3 days after the request."""
    sr = intake(receptionist, office, household=household)
    login(client, receptionist)
    late = (timezone.localtime() + datetime.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("service_requests:request_action", args=[sr.pk, "appointment"]),
        {"appointment-version": sr.version, "appointment-promised_at": late},
    )
    assert "约定完成时间不能晚于受理后3" in _text(response) and "003 §5.2" in _text(response)
    assert ServiceRequest.objects.get(pk=sr.pk).promised_at is None


def test_another_offices_request_is_the_same_404_as_a_missing_one(
    client, office, household, receptionist
):
    other = make_office("翠湖花园管理处")
    foreign_staff = make_staff("cs_staff", offices=[other])
    foreign = intake(foreign_staff, other)
    login(client, receptionist)
    missing = client.get(reverse("service_requests:request_detail", args=[99999999]))
    hidden = client.get(reverse("service_requests:request_detail", args=[foreign.pk]))
    assert hidden.status_code == missing.status_code == 404
    assert _without_csrf(hidden) == _without_csrf(missing)
    post = client.post(
        reverse("service_requests:request_action", args=[foreign.pk, "reply"]),
        {"reply-version": foreign.version, "reply-reply": "x"},
    )
    assert post.status_code == 404
    assert ServiceRequest.objects.get(pk=foreign.pk).status == Status.RECEIVED


def _without_csrf(response):
    return re.sub(
        r'(csrfmiddlewaretoken" value=|X-CSRFToken": |name="next" type="hidden" value=)"[^"]+"',
        "",
        _text(response),
    )


def test_emergency_step_needs_its_detail_then_is_ticked_with_who_and_when(
    client, office, household, receptionist
):
    """000 篇3 §4.2.1(c): a carer is never alone with the patient — the relative is named."""
    sr = intake(
        receptionist,
        office,
        household=household,
        category=Category.MEDICAL_EMERGENCY,
        contact_phone="13812345678",
        emergency_help=("nursing",),
    )
    step = EmergencyStep.objects.get(request=sr, code="relative_present")
    login(client, receptionist)
    url = reverse("service_requests:emergency_step", args=[sr.pk, step.pk])
    refused = client.post(url, {"detail": ""})
    assert "请填写:陪同亲属姓名" in _text(refused)
    assert EmergencyStep.objects.get(pk=step.pk).done_at is None
    response = client.post(url, {"detail": "女儿张小丽"}, follow=True)
    step.refresh_from_db()
    assert step.done_at is not None and step.done_by == receptionist
    assert "女儿张小丽" in _text(response)


# --- Queues ------------------------------------------------------------------------------------


@pytest.fixture
def queue_data(office, household, receptionist, engineering, technician):
    """An overdue repair dispatched to 工程部 (assigned to 何师傅), a fresh special case, a
    consultation already answered, and a cancelled one."""
    past = timezone.now() - datetime.timedelta(hours=1)
    overdue = intake(receptionist, office, household=household, received_at=past)
    request_dispatch(
        actor=receptionist,
        request=overdue,
        version=overdue.version,
        department=engineering,
        assignee=technician,
    )
    special = intake(
        receptionist,
        office,
        category=Category.DISASTER,
        description="3栋地下车库水浸",
        location="3栋地下车库",
    )
    answered = intake(
        receptionist,
        office,
        category=Category.CONSULTATION,
        description="物业费怎么交",
        reply_now="可在服务中心或App缴纳",
    )
    from service_requests.services import request_cancel

    supervisor = make_staff("cs_supervisor", offices=[office])
    cancelled = intake(receptionist, office, description="重复登记")
    request_cancel(actor=supervisor, request=cancelled, version=cancelled.version, reason="重复")
    return {"overdue": overdue, "special": special, "answered": answered, "cancelled": cancelled}


def _queue(client, **params):
    response = client.get(reverse("service_requests:request_list"), params)
    assert response.status_code == 200
    return response


def test_queue_tabs_with_counts_sorted_by_nearest_deadline(
    client, receptionist, technician, queue_data
):
    login(client, receptionist)
    response = _queue(client)
    counts = {tab["name"]: tab["count"] for tab in response.context["tabs"]}
    assert counts == {"mine": 0, "my_department": 0, "all_open": 3, "overdue": 1, "all": 4}
    rows = response.context["rows"]
    assert rows[0].pk == queue_data["overdue"].pk and rows[0].overdue
    assert not rows[1].overdue
    assert 'class="overdue' in _text(response)
    assert [r.pk for r in _queue(client, tab="overdue").context["rows"]] == [
        queue_data["overdue"].pk
    ]
    assert len(_queue(client, tab="all").context["rows"]) == 4

    client.logout()
    login(client, technician)
    mine = _queue(client, tab="mine")
    assert [r.pk for r in mine.context["rows"]] == [queue_data["overdue"].pk]
    assert "何师傅" in _text(mine)


def test_each_opens_the_queue_on_their_own_work(
    client, office, receptionist, technician, queue_data
):
    """The desk opens on every open request (nearest deadline first); a technician, who works
    on what is dispatched to them, opens on their department's jobs — a job sent to the whole
    department is theirs to take — not on page 2 of the whole office's queue."""
    login(client, receptionist)
    assert _queue(client).context["queue"] == "all_open"
    client.logout()
    login(client, technician)
    opened = _queue(client)
    assert opened.context["queue"] == "my_department"
    assert [r.pk for r in opened.context["rows"]] == [queue_data["overdue"].pk]
    assert _queue(client, tab="all_open").context["queue"] == "all_open"  # still one click away


def test_each_queue_row_says_which_limit_its_deadline_is(client, office, household, receptionist):
    """SOP.md §2: every open item shows its next deadline — and which one (首次答复 while the
    resident waits for an answer, then the repair's 维修完成), not a bare time."""
    waiting = intake(receptionist, office, household=household, category=Category.REPAIR)
    answered = intake(
        receptionist, office, household=household, category=Category.REPAIR, reply_now="已派工"
    )
    login(client, receptionist)
    rows = {r.pk: r for r in _queue(client).context["rows"]}
    assert rows[waiting.pk].deadline_kind == "首次答复"
    assert rows[answered.pk].deadline_kind == "维修完成"
    assert '<span class="muted">维修完成</span>' in _text(_queue(client))


def test_queue_filters(client, office, receptionist, engineering, queue_data):
    login(client, receptionist)
    special = _queue(client, special="on").context["rows"]
    assert [r.pk for r in special] == [queue_data["special"].pk]
    by_category = _queue(client, tab="all", category=Category.CONSULTATION).context["rows"]
    assert [r.pk for r in by_category] == [queue_data["answered"].pk]
    by_status = _queue(client, tab="all", status=Status.CANCELLED).context["rows"]
    assert [r.pk for r in by_status] == [queue_data["cancelled"].pk]
    by_department = _queue(client, department=engineering.pk).context["rows"]
    assert [r.pk for r in by_department] == [queue_data["overdue"].pk]
    by_text = _queue(client, tab="all", q="水浸").context["rows"]
    assert [r.pk for r in by_text] == [queue_data["special"].pk]
    building = queue_data["overdue"].household.unit.building
    by_building = _queue(client, tab="all", building=building.pk).context["rows"]
    assert [r.pk for r in by_building] == [queue_data["overdue"].pk]
    today = timezone.localdate()
    future = _queue(client, tab="all", received_from=(today + datetime.timedelta(days=1)))
    assert future.context["rows"] == []
    # Counts follow the filters; a nonsense value is ignored, not an error page.
    tabs = _queue(client, special="on", building="abc").context["tabs"]
    assert {t["name"]: t["count"] for t in tabs}["all"] == 1


def test_queue_paginates_thirty_per_page(client, office, receptionist):
    for i in range(31):
        intake(receptionist, office, description=f"报修{i}")
    login(client, receptionist)
    first = _queue(client)
    assert len(first.context["rows"]) == 30 and "第 1 / 2 页,共 31 条" in _text(first)
    assert len(_queue(client, page=2).context["rows"]) == 1


def test_a_role_without_view_permission_gets_403_on_the_queue(client, office):
    login(client, make_staff("finance", offices=[office]))
    assert client.get(reverse("service_requests:request_list")).status_code == 403


# --- Query counts ------------------------------------------------------------------------------


def _populate(office, receptionist, engineering, technician, count):
    building = make_building(make_estate(office, f"小区{count}"), "8")
    for i in range(count):
        household = make_household(
            building, f"{i + 1:02d}01", entrance="1", residents=[owner(f"住户{i}", "")]
        )
        sr = intake(receptionist, office, household=household, description=f"报修{i}")
        if i % 2:
            request_dispatch(
                actor=receptionist,
                request=sr,
                version=sr.version,
                department=engineering,
                assignee=technician,
            )


def _count(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries), ctx


@pytest.mark.parametrize("params", [{}, {"tab": "all", "q": "报修"}, {"special": "on"}])
def test_queue_query_count_does_not_grow_with_rows(
    client, office, receptionist, engineering, technician, django_assert_num_queries, params
):
    """Cold (empty cache): session, user, permissions, scope, the filter choices, the tabs'
    counts in one query and the page. Warm: the user row (read on every request: active?
    password changed?) and the page; the rest comes from the cache (docs/performance.md)."""
    login(client, receptionist)
    url = reverse("service_requests:request_list")
    _populate(office, receptionist, engineering, technician, 3)
    client.get(url, params)  # warm the content types
    caching.clear()
    cold, ctx = _count(client, url, params)
    assert cold <= 14, [q["sql"] for q in ctx.captured_queries]
    counting = 'COUNT("service_requests_servicerequest'
    counts = [q for q in ctx.captured_queries if counting in q["sql"]]
    assert len(counts) == 1  # every tab at once, and the pages use the tab's count
    warm, ctx = _count(client, url, params)
    assert warm <= 2, [q["sql"] for q in ctx.captured_queries]  # the user, the page's rows
    _populate(office, receptionist, engineering, technician, 22)
    caching.clear()
    with django_assert_num_queries(cold):
        client.get(url, params)
    with django_assert_num_queries(warm):
        client.get(url, params)


def test_detail_query_count_is_bounded(
    client, office, household, receptionist, engineering, technician, django_assert_num_queries
):
    sr = intake(
        receptionist,
        office,
        household=household,
        category=Category.MEDICAL_EMERGENCY,
        contact_phone="13812345678",
        emergency_help=("escort", "call_120", "nursing"),
    )
    request_dispatch(actor=receptionist, request=sr, version=sr.version, department=engineering)
    login(client, receptionist)
    url = reverse("service_requests:request_detail", args=[sr.pk])
    client.get(url)  # warm: session, permissions, scope, dispatch choices are cached
    few, ctx = _count(client, url)
    # the user; the request, its deadlines, events, steps, attachments; everyone's names
    assert few <= 7, [q["sql"] for q in ctx.captured_queries]
    for i in range(10):
        client.post(
            reverse("service_requests:request_action", args=[sr.pk, "note"]),
            {"note-version": sr.version, "note-internal_note": f"备注{i}"},
        )
    for step in EmergencyStep.objects.filter(request=sr, code__in=["called_120", "told_resident"]):
        client.post(reverse("service_requests:emergency_step", args=[sr.pk, step.pk]), {})
    with django_assert_num_queries(few):
        client.get(url)


def test_detail_of_an_everyday_request_reads_four_queries(
    client, office, household, receptionist, engineering, django_assert_num_queries
):
    """Issue #3 (detail page ≥ 200 req/s): a repair without checklist or attachments reads the
    user, the request with its joins, its deadlines and its events — nothing else, once the
    office's names and choices are cached."""
    sr = intake(receptionist, office, household=household, category=Category.REPAIR)
    request_dispatch(actor=receptionist, request=sr, version=sr.version, department=engineering)
    login(client, receptionist)
    url = reverse("service_requests:request_detail", args=[sr.pk])
    client.get(url)
    with django_assert_num_queries(4):
        response = client.get(url)
    assert response.status_code == 200
    assert "派往" in response.content.decode()  # the timeline still names the department


def test_the_timeline_names_who_a_job_was_sent_to(
    client, office, household, receptionist, engineering, technician
):
    """SOP.md §2 派工: every step kept with who — a dispatch to a named person shows the
    department and the person; one to the whole department the department alone."""
    named = intake(receptionist, office, household=household, category=Category.REPAIR)
    request_dispatch(
        actor=receptionist,
        request=named,
        version=named.version,
        department=engineering,
        assignee=technician,
    )
    whole = intake(receptionist, office, household=household, category=Category.REPAIR)
    request_dispatch(
        actor=receptionist, request=whole, version=whole.version, department=engineering
    )
    login(client, receptionist)

    def timeline(sr):
        text = _text(client.get(reverse("service_requests:request_detail", args=[sr.pk])))
        return re.search(r'data-testid="timeline">(.*?)</ol>', text, flags=re.S).group(1)

    assert "派往 工程部 · 何师傅" in timeline(named)
    assert "派往 工程部" in timeline(whole) and "何师傅" not in timeline(whole)


# --- Menu --------------------------------------------------------------------------------------


def test_menu_entries_follow_the_permissions(client, office, receptionist, technician):
    login(client, receptionist)
    menu = client.get(reverse("service_requests:request_new")).context["console_menu"]
    labels = {item["label"]: item for item in menu}
    assert labels["求助受理"]["active"] and not labels["求助/报事"]["active"]
    client.logout()
    login(client, technician)
    menu = [i["label"] for i in client.get(reverse("core:home")).context["console_menu"]]
    assert "求助/报事" in menu and "求助受理" not in menu


def test_an_after_sales_request_offers_the_developer_repair_slip(
    client, office, household, supervisor
):
    """SOP.md §4: 售后 items go to the developer on a 物业返修联系单 the same day."""
    request = intake(
        supervisor,
        office,
        household=household,
        reception_label="after_sales",
        description="墙面空鼓开裂(保修期内)",
    )
    login(client, supervisor)
    page = _text(client.get(reverse("service_requests:request_detail", args=[request.pk])))
    assert "物业返修联系单" in page
    other = intake(supervisor, office, household=household)
    assert "物业返修联系单" not in _text(
        client.get(reverse("service_requests:request_detail", args=[other.pk]))
    )


def test_a_resident_account_cannot_open_the_staff_request_pages(
    client, office, household, receptionist
):
    """Internal notes are for staff: a resident reads its requests through the resident API."""
    from core.testing import make_resident_account

    request = intake(receptionist, office, household=household)
    from service_requests.services import request_add_note

    request_add_note(actor=receptionist, request=request, internal_note="住户脾气急,注意沟通")
    resident_user = make_resident_account(household)
    login(client, resident_user)
    response = client.get(reverse("service_requests:request_detail", args=[request.pk]))
    assert response.status_code == 403
    assert "住户脾气急" not in _text(response)
    assert client.get(reverse("service_requests:request_list")).status_code == 403
    menu = [item["label"] for item in client.get(reverse("core:home")).context["console_menu"]]
    assert "求助/报事" not in menu


def test_a_backdated_call_shows_when_the_resident_called_on_the_timeline(
    client, office, household, receptionist
):
    """SOP.md §2 记录: a call recorded afterwards keeps both times; the timeline's 受理 row is
    the entry's time and says when the resident actually called."""
    called = timezone.now() - datetime.timedelta(hours=3)
    sr = intake(receptionist, office, household=household, received_at=called)
    login(client, receptionist)
    text = _text(client.get(reverse("service_requests:request_detail", args=[sr.pk])))
    timeline = text[text.index('data-testid="timeline"') :]
    expected = timezone.localtime(called).strftime("%Y-%m-%d %H:%M")
    assert f"来电/来访于 {expected},事后补录" in timeline
    on_time = intake(receptionist, office, household=household)
    text = _text(client.get(reverse("service_requests:request_detail", args=[on_time.pk])))
    assert "事后补录" not in text[text.index('data-testid="timeline"') :]
