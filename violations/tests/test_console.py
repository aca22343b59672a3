"""Console pages of resident violations (SOP.md §8): every page renders, the case page offers
only what the role may do (000 篇4 §4.4.8), refusals show next to the form and change nothing,
photos and notices are served only in scope, each print is recorded."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from core.testing import PASSWORD, make_staff
from violations import services
from violations.choices import Measure, SubKind
from violations.models import CaseMeasure, NoticePrint, ViolationCase
from violations.tests.conftest import PNG, register


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_every_page_renders(client, manager, office, household, covenant):
    case = register(manager, office, household)
    login(client, manager)
    for name, args in [
        ("violations:case_list", []),
        ("violations:case_create", []),
        ("violations:case_detail", [case.pk]),
        ("violations:template_list", []),
        ("violations:covenant_list", []),
        ("violations:slip_register", []),
        ("violations:charges", []),
        ("violations:statistics", []),
    ]:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, name
    assert client.get(reverse("violations:case_xlsx")).status_code == 200


def test_registering_on_the_console_derives_major_and_stores_the_photo(
    client, receptionist, office, household, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    login(client, receptionist)
    response = client.post(
        reverse("violations:case_create"),
        {
            "room": "3-2-1502",
            "sub_kind": SubKind.FIRE_ESCAPE_BLOCKED,
            "place": "3栋消防通道",
            "occurred_at": "2026-11-20T09:00",
            "description": "电动车堵塞消防通道",
            "reported_by": "保安 王强",
            "harms_public_safety": "on",
            "photos": [SimpleUploadedFile("a.png", PNG)],
        },
    )
    case = ViolationCase.objects.get()
    assert response.status_code == 302 and case.severity == "major"
    photo = case.photos.get()
    served = client.get(reverse("violations:photo_download", args=[case.pk, photo.pk]))
    assert b"".join(served.streaming_content) == PNG


def test_an_unknown_room_is_shown_next_to_the_field(client, receptionist, household):
    login(client, receptionist)
    response = client.post(
        reverse("violations:case_create"),
        {
            "room": "9-9-9999",
            "sub_kind": SubKind.HYGIENE_LITTER,
            "place": "x",
            "occurred_at": "2026-11-20T09:00",
            "description": "x",
            "reported_by": "x",
        },
    )
    assert response.status_code == 400 and "找不到房号" in response.content.decode()
    assert not ViolationCase.objects.exists()


def test_staff_are_offered_persuasion_only_and_a_posted_penalty_is_refused(
    client, receptionist, manager, office, household
):
    """000 篇4 §4.4.8: the console does not offer the action; the service refuses anyway."""
    case = register(receptionist, office, household)
    login(client, receptionist)
    page = client.get(reverse("violations:case_detail", args=[case.pk])).content.decode()
    assert f'action="/violations/{case.pk}/persuade/"' in page
    assert "/measure/" not in page and "签署处理决定" not in page
    response = client.post(
        reverse("violations:case_action", args=[case.pk, "measure"]),
        {"measure-kind": Measure.COMPENSATION, "measure-reason": "x", "measure-amount": "100"},
    )
    assert response.status_code == 400
    assert not CaseMeasure.objects.exists()
    client.logout()
    login(client, manager)
    page = client.get(reverse("violations:case_detail", args=[case.pk])).content.decode()
    assert "签署处理决定" in page and 'value="compensation"' in page
    assert 'value="litigation"' not in page  # the company's decision


def test_a_refused_cut_names_the_missing_prerequisite_on_the_page(
    client, manager, office, household
):
    case = register(
        manager, office, household, sub_kind=SubKind.FEE_REFUSAL, harms_office_finances=True
    )
    login(client, manager)
    response = client.post(
        reverse("violations:case_action", args=[case.pk, "measure"]),
        {"measure-kind": Measure.UTILITY_CUT, "measure-reason": "欠费8个月"},
    )
    assert response.status_code == 400
    assert "业主公约" in response.content.decode()
    assert not CaseMeasure.objects.exists()


def test_closing_is_not_offered_while_the_follow_up_is_due(client, manager, office, household):
    """000 篇8 §4.5.7: after a penalty the page asks for the follow-up before closing."""
    case = register(manager, office, household, harms_office_finances=True)
    services.measure_record(
        actor=manager,
        case=case,
        data=services.MeasureData(kind=Measure.COMPENSATION, reason="损坏草坪", amount=Decimal(80)),
    )
    login(client, manager)
    page = client.get(reverse("violations:case_detail", args=[case.pk])).content.decode()
    assert 'data-testid="cannot-close"' in page and "/close/" not in page
    assert "缓和关系" in page


def test_notices_print_as_html_and_pdf_and_each_print_is_recorded(
    client, manager, office, household
):
    case = register(manager, office, household)
    measure = services.measure_record(
        actor=manager,
        case=case,
        data=services.MeasureData(
            kind=Measure.RECTIFICATION,
            reason="楼道堆物",
            deadline=datetime.date.today() + datetime.timedelta(days=7),
        ),
    )
    login(client, manager)
    html = client.get(reverse("violations:notice_print", args=[measure.notice.pk]))
    assert "违章整改通知书" in html.content.decode()
    response = client.get(reverse("violations:notice_pdf", args=[measure.notice.pk]))
    assert response["Content-Type"] == "application/pdf"
    content = response.content
    assert content.startswith(b"%PDF-") and b"WenQuanYiMicroHei" in content
    assert b"/FontFile2" in content  # the CJK font is embedded: prints the same anywhere
    assert list(NoticePrint.objects.values_list("format", flat=True)) == ["html", "pdf"]


def test_another_office_sees_nothing(
    client, manager, outsider, office, household, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    case = services.case_register(
        actor=manager,
        office=office,
        data=services.CaseData(
            household=household,
            sub_kind=SubKind.HYGIENE_NOISE,
            place="1502",
            occurred_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1),
            description="深夜噪音",
            reported_by="邻居",
        ),
        photos=[SimpleUploadedFile("a.png", PNG)],
    )
    login(client, outsider)
    assert client.get(reverse("violations:case_detail", args=[case.pk])).status_code == 404
    photo = case.photos.get()
    url = reverse("violations:photo_download", args=[case.pk, photo.pk])
    assert client.get(url).status_code == 404
    assert list(client.get(reverse("violations:case_list")).context["page"].object_list) == []


def test_a_role_without_the_permission_gets_403(client, office):
    login(client, make_staff("cleaning", offices=[office]))
    assert client.get(reverse("violations:case_list")).status_code == 403


def test_the_case_list_query_count_is_fixed(
    client, manager, office, household, django_assert_max_num_queries
):
    for _ in range(5):
        case = register(manager, office, household)
        services.measure_record(
            actor=manager,
            case=case,
            data=services.MeasureData(kind=Measure.PERSUASION, reason="劝导"),
        )
    login(client, manager)
    client.get(reverse("violations:case_list"))
    with django_assert_max_num_queries(6):
        response = client.get(reverse("violations:case_list"))
    assert len(response.context["page"].object_list) == 5
    # The case page: the case, its measures, notices, photos, slip, timeline, the policy and
    # the user's roles — however many measures and events it has.
    client.get(reverse("violations:case_detail", args=[case.pk]))
    with django_assert_max_num_queries(10):
        client.get(reverse("violations:case_detail", args=[case.pk]))


def test_the_register_exports_to_excel(client, manager, office, household):
    register(manager, office, household)
    login(client, manager)
    response = client.get(reverse("violations:case_xlsx"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "住户违章事件记录表"
    assert sheet.cell(row=4, column=4).value == "3栋2单元1502"


def test_an_edited_template_is_used_and_an_unknown_placeholder_refused(
    client, manager, office, household
):
    login(client, manager)
    response = client.post(
        reverse("violations:template_list"),
        {"kind": "rectification", "title": "整改通知", "body": "{房号}:请于{期限}前整改。{错字}"},
    )
    assert response.status_code == 400 and "未知的占位符:{错字}" in response.content.decode()
    client.post(
        reverse("violations:template_list"),
        {"kind": "rectification", "title": "整改通知", "body": "{房号}:请于{期限}前整改。"},
    )
    case = register(manager, office, household)
    measure = services.measure_record(
        actor=manager,
        case=case,
        data=services.MeasureData(
            kind=Measure.RECTIFICATION,
            reason="x",
            deadline=datetime.date.today() + datetime.timedelta(days=3),
        ),
    )
    assert measure.notice.title == "整改通知"
    assert measure.notice.body.startswith("3栋2单元1502:请于")


def test_charges_go_to_finance_once_with_a_copy_kept(
    client, manager, office, household, settings, tmp_path
):
    """000 篇8 §4.5.8: 每月月底将记录表复印一份保存,原件报财务部统一扣款."""
    settings.MEDIA_ROOT = tmp_path
    case = register(manager, office, household, harms_office_finances=True)
    services.measure_record(
        actor=manager,
        case=case,
        data=services.MeasureData(
            kind=Measure.COMPENSATION, reason="损坏草坪", amount=Decimal("350.50")
        ),
    )
    login(client, manager)
    month = datetime.date.today().strftime("%Y-%m")
    response = client.post(reverse("violations:charges") + f"?month={month}", {"month": month})
    assert response.status_code == 302
    copy = client.get(response["Location"])
    sheet = load_workbook(io.BytesIO(copy.content)).active
    assert sheet["A1"].value == "违章费用扣款清单" and sheet["E4"].value == 350.5
    assert CaseMeasure.objects.get().charge_batch is not None
    with pytest.raises(Exception, match="没有待报财务"):
        services.charges_send(actor=manager, office=office, month=datetime.date.today())


@pytest.mark.parametrize(
    ("period", "message"),
    [
        (
            {"from": "2026-11-30", "to": "2026-11-01"},
            "起始日期(2026-11-30)晚于结束日期(2026-11-01)",
        ),
        ({"from": "2026-11-31"}, "起始日期“2026-11-31”无法识别"),
        ({"to": "月底"}, "结束日期“月底”无法识别"),
    ],
)
def test_statistics_refuse_a_reversed_or_unreadable_period(
    client, manager, office, household, period, message
):
    """A period that ends before it starts or a date that cannot be read is refused with its
    message (400) and nothing is counted — before, it was dropped and every case counted."""
    register(manager, office, household)
    login(client, manager)
    fine = client.get(reverse("violations:statistics"), {"from": "2026-11-01", "to": "2026-11-30"})
    assert fine.status_code == 200 and fine.context["stats"]["total"] == 1
    response = client.get(reverse("violations:statistics"), period)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["stats"] is None
    assert "共 1 起" not in response.content.decode()
