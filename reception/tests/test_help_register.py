"""The help register (住户求助登记表, SOP.md §2 records, §11): a period's requests with the
register's Chinese columns, printable, exported to Excel in a fixed number of queries."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from core.testing import PASSWORD, make_department
from organization.choices import DepartmentKind
from reception.exports import HELP_REGISTER_COLUMNS
from reception.services import slip_create
from reception.tests.conftest import after_sales_request, at
from service_requests import services

PERIOD = {"from": "2026-11-01", "to": "2026-11-30"}


@pytest.fixture
def requests_(receptionist, office, household, developer):
    engineering = make_department(office, "工程部", DepartmentKind.ENGINEERING)
    made = []
    for day in (2, 3, 4):
        r = after_sales_request(receptionist, office, household, now=at(2026, 11, day))
        services.request_dispatch(
            actor=receptionist,
            request=r,
            version=r.version,
            department=engineering,
            now=at(2026, 11, day, 9, 5),
        )
        # Engineering acknowledges the dispatch at once (request.acknowledge_within, 15 minutes;
        # 003 §5.2 立即).
        services.request_acknowledge(
            actor=receptionist, request=r, version=r.version, now=at(2026, 11, day, 9, 10)
        )
        made.append(r)
    first = made[0]
    # 售后: the 物业返修联系单 goes to the developer the same day (SOP.md §4).
    slip_create(
        actor=receptionist,
        request=first,
        developer=developer,
        defect="卫生间墙面渗水",
        now=at(2026, 11, 2, 10, 0),
    )
    services.request_resolve(
        actor=receptionist,
        request=first,
        version=first.version,
        result="已送开发商售后",
        now=at(2026, 11, 2, 15, 0),
    )
    after_sales_request(receptionist, office, household, now=at(2026, 10, 30))  # not in period
    return made


def test_the_register_exports_its_columns_and_rows(client, receptionist, requests_):
    client.login(username=receptionist.username, password=PASSWORD)
    response = client.get(reverse("reception:help_register_xlsx"), PERIOD)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "阳光家园管理处 住户求助登记表"
    assert sheet["A2"].value == "期间:2026-11-01 至 2026-11-30"
    assert [c.value for c in sheet[3]] == [
        "序号", "受理时间", "房号", "住户/联系人", "电话", "类别", "求助内容", "受理人",
        "派往部门", "处理人", "处理结果", "完成时间", "住户确认", "回访/满意度", "是否及时", "备注",
    ]  # fmt: skip
    assert sheet.max_row == 3 + 3
    first = [c.value for c in sheet[4]]
    assert first[:3] == [1, "2026-11-02 09:00", "3栋2单元1502"]
    assert first[5] == "b 报修" and first[7] == "张婷" and first[8] == "工程部"
    assert first[10] == "已送开发商售后" and first[11] == "2026-11-02 15:00"
    assert first[14] == "是"  # no deadline missed (the slip made the same day), resolved
    # Not resolved, and its repair completion (3 days, SOP.md §4; 003 §5.2) has passed.
    assert sheet["O5"].value == "否"
    assert sheet.column_dimensions["G"].width == HELP_REGISTER_COLUMNS[6].width
    assert sheet.print_title_rows == "$1:$3"  # the title and header repeat on every page
    for cell in (sheet["A4"], sheet["P6"]):  # every data cell is framed and wraps
        assert cell.border.left.style == "thin" and cell.border.bottom.style == "thin"
        assert cell.alignment.wrap_text and cell.alignment.vertical == "top"


def test_the_export_query_count_does_not_grow_with_rows(
    client, receptionist, office, household, requests_
):
    client.login(username=receptionist.username, password=PASSWORD)
    client.get(reverse("reception:help_register_xlsx"), PERIOD)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("reception:help_register_xlsx"), PERIOD)
    for day in (5, 6, 7):
        after_sales_request(receptionist, office, household, now=at(2026, 11, day))
    with CaptureQueriesContext(connection) as more:
        client.get(reverse("reception:help_register_xlsx"), PERIOD)
    assert len(more) == len(few)


def test_the_register_page_and_refusals(client, receptionist, cleaner, outsider, requests_):
    client.login(username=receptionist.username, password=PASSWORD)
    page = client.get(reverse("reception:help_register"), PERIOD).content.decode()
    assert "住户求助登记表" in page and "卫生间墙面渗水" in page and "是否及时" in page
    client.logout()
    client.login(username=cleaner.username, password=PASSWORD)
    assert client.get(reverse("reception:help_register")).status_code == 403
    client.logout()
    client.login(username=outsider.username, password=PASSWORD)
    page = client.get(reverse("reception:help_register"), PERIOD).content.decode()
    assert "卫生间墙面渗水" not in page


REVERSED = {"from": "2026-11-30", "to": "2026-11-01"}


def test_a_reversed_period_is_refused_with_its_message_not_an_empty_register(
    client, receptionist, requests_
):
    """The help register of a period that ends before it starts (SOP.md §2 记录) says so; before,
    it showed an empty register with no explanation, as if no one had called."""
    client.login(username=receptionist.username, password=PASSWORD)
    response = client.get(reverse("reception:help_register"), REVERSED)
    page = response.content.decode()
    assert response.status_code == 400
    assert "起始日期(2026-11-30)晚于结束日期(2026-11-01),请重新选择期间" in page
    assert "卫生间墙面渗水" not in page and "该期间没有求助" not in page
    # The form keeps what was chosen, to be corrected.
    assert 'value="2026-11-30"' in page and 'value="2026-11-01"' in page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (REVERSED, "起始日期(2026-11-30)晚于结束日期(2026-11-01)"),
        ({"from": "2026-11-31", "to": "2026-11-30"}, "起始日期“2026-11-31”无法识别"),
        ({"from": "2026-11-01", "to": "30/11/2026"}, "结束日期“30/11/2026”无法识别"),
    ],
)
def test_the_excel_export_of_a_bad_period_exports_nothing(
    client, receptionist, requests_, params, message
):
    client.login(username=receptionist.username, password=PASSWORD)
    response = client.get(reverse("reception:help_register_xlsx"), params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in response
    assert message in response.content.decode()


def test_an_unreadable_date_is_refused_instead_of_ignored(client, receptionist, requests_):
    """Before, `from=2026-11-31` was dropped and the register silently showed the month."""
    client.login(username=receptionist.username, password=PASSWORD)
    response = client.get(reverse("reception:help_register"), {"from": "2026-11-31"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "起始日期“2026-11-31”无法识别,请按 年-月-日 填写" in page
    assert "卫生间墙面渗水" not in page
    # A period left empty still takes this month so far; a one-day period is fine.
    one_day = {"from": "2026-11-02", "to": "2026-11-02"}
    response = client.get(reverse("reception:help_register"), one_day)
    assert response.status_code == 200 and "卫生间墙面渗水" in response.content.decode()
