"""失物招领登记表, 重大(突发)事件处理记录表, praise and suggestions (SOP.md §4; 004 篇3
§4.6, §4.10, §4.11): happy paths and refusals (bad input changes nothing, wrong role 403,
other office 404), and the lost-property register read back from its Excel export."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.authz import ObjectNotFoundError
from core.exceptions import ApplicationError, PermissionDeniedError
from core.testing import PASSWORD
from notifications.models import OutboxMessage
from reception import services
from reception.choices import EventType, IncidentKind, NoteKind
from reception.models import LostItem, MajorIncident, ReceptionNote, RegisterEvent
from reception.tests.conftest import NOW, after_sales_request, at


def lost(actor, office, **kw):
    data = {
        "found_at": at(2026, 11, 21, 18, 30),
        "found_place": "3栋电梯厅",
        "found_by": "保安 王强",
        "description": "黑色钱包,内有银行卡两张",
        "storage_place": "客服中心保险柜",
    }
    data.update(kw)
    return services.lost_item_register(
        actor=actor, office=office, data=services.LostItemData(**data), now=NOW
    )


# --- 失物招领 -------------------------------------------------------------------------------


def test_found_property_is_registered_and_claimed_against_id(receptionist, office):
    item = lost(receptionist, office)
    claimed = services.lost_item_claim(
        actor=receptionist,
        item=item,
        claimant_name="李娜",
        claimant_phone="139 0013 9000",
        id_checked=True,
        now=at(2026, 11, 23, 11, 0),
    )
    assert claimed.claimant_phone == "13900139000" and claimed.handled_by == receptionist
    assert list(RegisterEvent.objects.values_list("type", flat=True)) == [
        EventType.LOST_ITEM_REGISTERED,
        EventType.LOST_ITEM_CLAIMED,
    ]
    with pytest.raises(ApplicationError, match="已于2026-11-23 11:00由李娜认领"):
        services.lost_item_claim(
            actor=receptionist, item=item, claimant_name="张三", claimant_phone="", id_checked=True
        )


def test_a_claim_without_checking_id_is_refused_and_changes_nothing(receptionist, office):
    item = lost(receptionist, office)
    with pytest.raises(ApplicationError) as error:
        services.lost_item_claim(
            actor=receptionist,
            item=item,
            claimant_name="李娜",
            claimant_phone="",
            id_checked=False,
            now=NOW,
        )
    assert error.value.field_errors == {
        "claimant_phone": ["请填写认领人电话"],
        "id_checked": ["须核对认领人身份证件后才能交还物品"],
    }
    item.refresh_from_db()
    assert item.claimed_at is None
    assert RegisterEvent.objects.count() == 1


def test_bad_lost_item_input_writes_nothing(receptionist, office):
    with pytest.raises(ApplicationError) as error:
        lost(receptionist, office, found_place=" ", found_at=None, found_by_phone="123")
    assert error.value.field_errors["found_place"] == ["请填写拾获地点"]
    assert error.value.field_errors["found_at"] == ["请填写拾获时间"]
    assert "found_by_phone" in error.value.field_errors
    assert not LostItem.objects.exists() and not RegisterEvent.objects.exists()


def test_lost_item_refusals(cleaner, outsider, receptionist, office):
    with pytest.raises(PermissionDeniedError, match="无权登记拾获物品"):
        lost(cleaner, office)
    with pytest.raises(ObjectNotFoundError):
        lost(outsider, office)
    item = lost(receptionist, office)
    with pytest.raises(ObjectNotFoundError):
        services.lost_item_claim(
            actor=outsider, item=item, claimant_name="李娜", claimant_phone="", id_checked=True
        )


def test_lost_item_console_and_excel(client, receptionist, cleaner, outsider, office):
    client.login(username=receptionist.username, password=PASSWORD)
    response = client.post(
        reverse("reception:lost_item_create"),
        {
            "found_at": "2026-11-21T18:30",
            "found_place": "3栋电梯厅",
            "found_by": "保安 王强",
            "description": "黑色钱包",
            "storage_place": "客服中心保险柜",
        },
    )
    assert response.status_code == 302
    item = LostItem.objects.get()
    response = client.post(
        reverse("reception:lost_item_detail", args=[item.pk]),
        {"claimant_name": "李娜", "claimant_phone": "13900139000"},
    )
    assert "须核对认领人身份证件后才能交还物品" in response.content.decode()
    response = client.post(
        reverse("reception:lost_item_detail", args=[item.pk]),
        {"claimant_name": "李娜", "claimant_phone": "13900139000", "id_checked": "on"},
    )
    assert response.status_code == 302

    response = client.get(reverse("reception:lost_item_xlsx"), {"from": "2026-11-01"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "阳光家园管理处 失物招领登记表"
    assert sheet["A2"].value == "期间:2026-11-01 至 不限"
    headers = [c.value for c in sheet[3]]
    assert headers[:7] == ["序号", "编号", "拾获时间", "拾获地点", "拾获人", "物品描述", "存放地点"]
    row = [c.value for c in sheet[4]]
    assert row[0] == 1 and row[2] == "2026-11-21 18:30" and row[5] == "黑色钱包"
    assert row[7] == "李娜" and row[8] == "是" and row[11] == "张婷"
    client.logout()

    client.login(username=cleaner.username, password=PASSWORD)
    assert client.get(reverse("reception:lost_item_list")).status_code == 403
    client.logout()
    client.login(username=outsider.username, password=PASSWORD)
    assert client.get(reverse("reception:lost_item_detail", args=[item.pk])).status_code == 404
    listing = client.get(reverse("reception:lost_item_list")).content.decode()
    assert item.number not in listing


# --- 重大(突发)事件 ---------------------------------------------------------------------------


def incident(actor, office, **kw):
    data = {
        "kind": IncidentKind.EQUIPMENT,
        "occurred_at": at(2026, 11, 23, 8, 10),
        "place": "3栋2单元电梯",
        "summary": "电梯困人,两名住户被困15分钟",
        "reported_by": "中控室 刘明",
        "measures": "通知电梯维保单位,保安安抚被困住户",
        "people_notified": "客服主管、管理处经理",
    }
    data.update(kw)
    return services.incident_record(
        actor=actor, office=office, data=services.IncidentData(**data), now=NOW
    )


def test_a_major_incident_is_recorded_linked_and_closed(receptionist, office, household):
    request = after_sales_request(receptionist, office, household, description="电梯困人")
    entry = incident(receptionist, office, service_request=request)
    assert entry.service_request == request
    services.incident_close(actor=receptionist, incident=entry, result="10分钟内救出,无人受伤")
    entry.refresh_from_db()
    assert entry.closed_at is not None and entry.closed_by == receptionist
    with pytest.raises(ApplicationError, match="该事件已结案"):
        services.incident_close(actor=receptionist, incident=entry, result="再次")


def test_an_official_visit_goes_in_the_same_register(receptionist, office):
    """004 篇3 §4.10: 政府部门重要领导参观来访 are recorded in the same register."""
    entry = incident(
        receptionist,
        office,
        kind=IncidentKind.OFFICIAL_VISIT,
        summary="区住建局领导检查垃圾分类",
        reported_by="区住建局",
        measures="",
    )
    assert entry.get_kind_display() == "政府部门领导参观来访"


def test_incident_refusals(cleaner, outsider, receptionist, office, other_office):
    with pytest.raises(ApplicationError) as error:
        incident(receptionist, office, kind="fire", summary="")
    assert error.value.field_errors["kind"] == ["请选择事件类别"]
    assert error.value.field_errors["summary"] == ["请填写事件经过"]
    with pytest.raises(PermissionDeniedError):
        incident(cleaner, office)
    with pytest.raises(ObjectNotFoundError):
        incident(outsider, office)
    assert not MajorIncident.objects.exists() and not RegisterEvent.objects.exists()


def test_incident_console(client, receptionist, cleaner, outsider, office):
    entry = incident(receptionist, office)
    client.login(username=receptionist.username, password=PASSWORD)
    page = client.get(reverse("reception:incident_detail", args=[entry.pk])).content.decode()
    assert "电梯困人" in page
    response = client.post(reverse("reception:incident_detail", args=[entry.pk]), {"result": ""})
    assert "请填写处理结果" in response.content.decode()
    client.logout()
    client.login(username=cleaner.username, password=PASSWORD)
    assert client.get(reverse("reception:incident_list")).status_code == 403
    client.logout()
    client.login(username=outsider.username, password=PASSWORD)
    assert client.get(reverse("reception:incident_detail", args=[entry.pk])).status_code == 404


# --- 表扬与建议 -------------------------------------------------------------------------------


def note(actor, office, **kw):
    data = {
        "kind": NoteKind.SUGGESTION,
        "received_at": NOW,
        "from_name": "张伟",
        "content": "建议在3栋门口加装雨棚",
    }
    data.update(kw)
    return services.note_record(actor=actor, office=office, data=services.NoteData(**data), now=NOW)


def test_praise_is_verified_by_a_supervisor_then_rewarded(receptionist, supervisor, office):
    praised = receptionist.staff
    entry = note(receptionist, office, kind=NoteKind.PRAISE, staff_praised=praised)
    with pytest.raises(PermissionDeniedError, match="无权查证表扬"):
        services.praise_verify(actor=receptionist, note=entry, verified_true=True, outcome="属实")
    services.praise_verify(
        actor=supervisor, note=entry, verified_true=True, outcome="查证属实,按员工手册嘉奖一次"
    )
    entry.refresh_from_db()
    assert entry.verified_true and entry.closed_at is not None


def test_a_suggestion_goes_to_the_project_manager(receptionist, manager, office):
    entry = note(receptionist, office)
    with pytest.raises(ApplicationError, match="请选择本管理处的管理处经理"):
        services.suggestion_forward(actor=receptionist, note=entry, manager=receptionist)
    services.suggestion_forward(actor=receptionist, note=entry, manager=manager, now=NOW)
    assert OutboxMessage.objects.filter(recipient=manager).count() == 1
    services.note_close(actor=receptionist, note=entry, outcome="已列入明年维修计划")
    entry.refresh_from_db()
    assert entry.forwarded_to == manager and entry.closed_at is not None


def test_note_refusals(receptionist, cleaner, outsider, office):
    with pytest.raises(ApplicationError) as error:
        note(receptionist, office, kind=NoteKind.PRAISE, content="")
    assert error.value.field_errors == {
        "content": ["请填写内容"],
        "staff_praised": ["请选择被表扬的员工"],
    }
    with pytest.raises(PermissionDeniedError):
        note(cleaner, office)
    with pytest.raises(ObjectNotFoundError):
        note(outsider, office)
    assert not ReceptionNote.objects.exists()


def test_note_console(client, receptionist, manager, outsider, office):
    client.login(username=receptionist.username, password=PASSWORD)
    response = client.post(
        reverse("reception:note_create"),
        {
            "kind": "suggestion",
            "received_at": "2026-11-21T10:00",
            "from_name": "张伟",
            "content": "建议加装雨棚",
        },
    )
    assert response.status_code == 302
    entry = ReceptionNote.objects.get()
    response = client.post(
        reverse("reception:note_detail", args=[entry.pk]),
        {"action": "forward", "manager": manager.pk},
    )
    assert response.status_code == 302
    client.logout()
    client.login(username=outsider.username, password=PASSWORD)
    assert client.get(reverse("reception:note_detail", args=[entry.pk])).status_code == 404


def _call(actor, office, household, label, description):
    from service_requests.choices import Category, Channel
    from service_requests.services import IntakeData, request_intake

    return request_intake(
        actor=actor,
        office=office,
        data=IntakeData(
            category=Category.OTHER,
            channel=Channel.PHONE,
            description=description,
            household=household,
            contact_name="张伟",
            reception_label=label,
            reply_now="谢谢您的反馈",
        ),
        now=NOW,
    )


@pytest.mark.parametrize(
    ("label", "link", "kind"),
    [("praise", "登记表扬(交主管查证、奖励)", "praise"), ("suggestion", "登记建议", "suggestion")],
)
def test_a_praise_or_suggestion_call_leads_to_its_register(
    client, receptionist, office, household, label, link, kind
):
    """SOP.md §4 (004 篇3 §4.6): praise is verified and rewarded, a suggestion goes to the
    project manager. A call the desk received with the label 表扬/建议 offers, on its page, the
    表扬/建议 register's form filled from the call (who, when, what)."""
    call = _call(receptionist, office, household, label, "感谢维修班何师傅半夜上门")
    client.login(username=receptionist.username, password=PASSWORD)
    page = client.get(reverse("service_requests:request_detail", args=[call.pk]))
    assert link in page.content.decode()
    form = client.get(reverse("reception:note_create"), {"request": call.pk}).context["form"]
    assert form.initial["kind"] == kind
    assert form.initial["from_name"] == "张伟"
    assert form.initial["content"] == "感谢维修班何师傅半夜上门"
    assert form.initial["received_at"] == NOW


def test_other_calls_offer_no_register_link_and_other_offices_calls_are_not_found(
    client, receptionist, office, household, outsider
):
    call = _call(receptionist, office, household, "other", "借梯子")
    client.login(username=receptionist.username, password=PASSWORD)
    page = client.get(reverse("service_requests:request_detail", args=[call.pk]))
    assert 'data-testid="reception-note-link"' not in page.content.decode()
    client.logout()
    client.login(username=outsider.username, password=PASSWORD)
    response = client.get(reverse("reception:note_create"), {"request": call.pk})
    assert response.status_code == 404


@pytest.mark.parametrize(
    "name",
    [
        "reception:lost_item_list",
        "reception:lost_item_xlsx",
        "reception:incident_list",
        "reception:slip_list",
        "reception:note_list",
    ],
)
def test_every_register_refuses_a_reversed_or_unreadable_period(client, manager, office, name):
    """The registers' period filters (SOP.md §4 records) refuse what they cannot list, with the
    reason, instead of an empty list (reversed) or an unfiltered one (a date dropped); the
    Excel export exports nothing."""
    lost(manager, office)
    client.login(username=manager.username, password=PASSWORD)
    for params, message in [
        (
            {"from": "2026-11-30", "to": "2026-11-01"},
            "起始日期(2026-11-30)晚于结束日期(2026-11-01)",
        ),
        ({"from": "2026-02-30"}, "起始日期“2026-02-30”无法识别"),
    ]:
        response = client.get(reverse(name), params)
        text = response.content.decode()
        assert response.status_code == 400, params
        assert response["Content-Type"].startswith("text/html")
        assert message in text
        assert "黑色钱包" not in text
    assert client.get(reverse(name), {"from": "2026-11-01", "to": "2026-11-30"}).status_code == 200
