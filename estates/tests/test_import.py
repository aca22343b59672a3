"""Offices start from a spreadsheet (issue #2, SOP.md §1 places and people; docs/import.md).

A file in the template imports buildings, rooms, households and residents; a bad row is
reported with its row number as Excel shows it (header = row 1) and the reason, and then
nothing of that file is imported.
"""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from core.choices import AuditEventType
from core.exceptions import ApplicationError, PermissionDeniedError
from core.models import AuditEvent
from core.testing import (
    VALID_ID_CARD,
    VALID_ID_CARD_2,
    make_building,
    make_estate,
    make_household,
    make_office,
    make_staff,
    owner,
)
from estates import importer
from estates.choices import OccupancyStatus
from estates.importer import HEADERS, build_import_template, import_households
from estates.models import Building, Estate, Household, Resident, Unit
from estates.selectors import household_list
from estates.services import household_update

# 小区, 楼栋, 单元, 楼层, 房号, 建筑面积, 使用状态, 姓名, 身份, 电话, 证件类型, 证件号码, 入住日期
GOOD_ROWS = [
    ["翠湖花园", "3", "2", "15", "1502", "98.50", "自住", "陈明", "业主", "13812345678",
     "居民身份证", VALID_ID_CARD, "2020-05-01"],
    ["翠湖花园", "3", "2", "15", "1502", "", "自住", "陈小红", "家庭成员", "", "", "",
     "2020/05/01"],
    ["翠湖花园", "3", "2", "15", "1503", "88", "空置", "", "", "", "", "", ""],
    ["翠湖花园", "5", "", "1", "101", "60.25", "出租", "赵强", "租户", "020-88886666",
     "身份证", VALID_ID_CARD_2, ""],
]  # fmt: skip


def xlsx_file(rows, headers=HEADERS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(headers))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_file(rows, encoding="utf-8-sig", headers=HEADERS) -> bytes:
    lines = [",".join(headers)] + [",".join(str(v) for v in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def with_cell(column: str, value, row=None):
    """A copy of GOOD_ROWS[0] with one cell changed."""
    row = list(row or GOOD_ROWS[0])
    row[HEADERS.index(column)] = value
    return row


def nothing_imported():
    return (
        Estate.objects.count(),
        Building.objects.count(),
        Unit.objects.count(),
        Household.objects.count(),
        Resident.objects.count(),
    ) == (0, 0, 0, 0, 0)


def rejected(user, office, content, file_name="住户.xlsx") -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        import_households(actor=user, office=office, file_name=file_name, content=content)
    return caught.value


@pytest.fixture
def office(db):
    return make_office("翠湖管理处")


@pytest.fixture
def supervisor(office):
    return make_staff("cs_supervisor", offices=[office])


# --- Good files -------------------------------------------------------------------------------


def test_good_xlsx_imports_everything_and_households_are_searchable(office, supervisor):
    result = import_households(
        actor=supervisor, office=office, file_name="翠湖花园.xlsx", content=xlsx_file(GOOD_ROWS)
    )

    assert (
        result.rows,
        result.estates_created,
        result.buildings_created,
        result.units_created,
        result.households_created,
        result.residents_created,
    ) == (4, 1, 2, 3, 3, 3)
    estate = Estate.objects.get()
    assert (estate.name, estate.office) == ("翠湖花园", office)
    found = list(household_list(user=supervisor, query="3-2-1502"))
    assert len(found) == 1
    household = found[0]
    assert household.get_occupancy_display() == "自住"
    assert str(household.unit.area) == "98.50"
    assert sorted(r.name for r in household.current_residents) == ["陈小红", "陈明"]
    assert [h.unit.label for h in household_list(user=supervisor, query="13812345678")] == [
        "3栋2单元1502"
    ]
    vacant = household_list(user=supervisor, query="3-2-1503").get()
    assert (vacant.get_occupancy_display(), vacant.current_residents) == ("空置", [])
    tenant = Resident.objects.get(name="赵强")
    assert (tenant.get_relation_display(), tenant.phone, tenant.id_number) == (
        "租户",
        "02088886666",
        VALID_ID_CARD_2,
    )
    assert Resident.objects.get(name="陈明").moved_in_on == datetime.date(2020, 5, 1)
    event = AuditEvent.objects.get(type=AuditEventType.IMPORT_APPLIED)
    assert event.actor == supervisor
    assert event.data["file_name"] == "翠湖花园.xlsx"
    assert event.data["residents_created"] == 3
    # The ordinary services wrote their own events too.
    assert AuditEvent.objects.filter(type=AuditEventType.RESIDENT_ADDED).count() == 3


def test_excel_number_and_date_cells_are_understood(office, supervisor):
    row = [
        "翠湖花园", 3, 2, 15, 1502, 98.5, "自住", "陈明", "业主", 13812345678,
        "", VALID_ID_CARD, datetime.datetime(2019, 12, 31),
    ]  # fmt: skip
    import_households(actor=supervisor, office=office, file_name="a.xlsx", content=xlsx_file([row]))

    resident = Resident.objects.get()
    assert resident.household.unit.short_code == "3-2-1502"
    assert (resident.phone, resident.moved_in_on) == ("13812345678", datetime.date(2019, 12, 31))


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_good_csv_imports_in_utf8_with_or_without_bom_and_in_gb18030(office, supervisor, encoding):
    result = import_households(
        actor=supervisor,
        office=office,
        file_name="翠湖花园.csv",
        content=csv_file(GOOD_ROWS, encoding=encoding),
    )

    assert (result.households_created, result.residents_created) == (3, 3)
    assert Estate.objects.get().name == "翠湖花园"
    assert household_list(user=supervisor, query="陈明").get().unit.label == "3栋2单元1502"


def test_english_values_and_hinted_headers_are_accepted(office, supervisor):
    headers = [f"{h}*" if h in ("小区", "楼栋") else h for h in HEADERS]
    headers[HEADERS.index("使用状态")] = "使用状态(自住/出租/空置)"
    row = with_cell("使用状态", "let", with_cell("身份", "tenant"))
    import_households(
        actor=supervisor, office=office, file_name="a.xlsx", content=xlsx_file([row], headers)
    )

    resident = Resident.objects.get()
    assert resident.get_relation_display() == "租户"
    assert resident.household.get_occupancy_display() == "出租"


# --- One bad row: nothing is imported ---------------------------------------------------------


def test_one_bad_row_among_good_ones_imports_nothing_and_names_the_row(office, supervisor):
    rows = [*GOOD_ROWS[:2], [""] * len(HEADERS), with_cell("电话", "12345", GOOD_ROWS[3])]
    # Excel rows: header 1, good 2 and 3, blank 4, bad 5.
    error = rejected(supervisor, office, xlsx_file(rows))

    assert error.code == "import_rejected"
    assert error.extra["errors"] == [
        {"row": 5, "column": "电话", "message": "电话号码“12345”不是有效号码"}
    ]
    assert error.message == (
        "导入文件有1处错误,未导入任何数据。第5行“电话”:电话号码“12345”不是有效号码"
    )
    assert nothing_imported()
    assert not AuditEvent.objects.exists()


def test_every_bad_row_is_reported_not_just_the_first(office, supervisor):
    rows = [
        GOOD_ROWS[0],
        with_cell("楼层", "十五", GOOD_ROWS[1]),
        GOOD_ROWS[2],
        with_cell("入住日期", "2020-13-01", GOOD_ROWS[3]),
    ]
    error = rejected(supervisor, office, csv_file(rows), file_name="a.csv")

    assert [(e["row"], e["column"]) for e in error.extra["errors"]] == [
        (3, "楼层"),
        (5, "入住日期"),
    ]
    assert error.message.startswith("导入文件有2处错误,未导入任何数据。第3行“楼层”")
    assert nothing_imported()


TOMORROW = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("电话", "1381234", "电话号码“1381234”不是有效号码"),
        ("证件号码", VALID_ID_CARD[:-1] + "1", "身份证号码校验位不正确,请核对"),
        ("使用状态", "自用", "“自用”不是有效的使用状态,应为:自住、出租、空置"),
        ("楼层", "15楼", "楼层应为-20至200之间的整数,“15楼”不是"),
        ("入住日期", TOMORROW, "入住日期不能晚于今天"),
        ("身份", "房东", "“房东”不是有效的身份,应为:业主、租户、家庭成员"),
        ("建筑面积", "98.555", "建筑面积最多保留两位小数"),
        ("建筑面积", "-1", "建筑面积应在0至999999.99之间"),
        ("房号", "", "请填写房号(如使用了合并单元格,请取消合并并逐行填写)"),
    ],
)
def test_a_bad_cell_is_reported_with_row_column_and_reason(
    office, supervisor, column, value, message
):
    rows = [GOOD_ROWS[2], with_cell(column, value)]
    error = rejected(supervisor, office, xlsx_file(rows))

    assert error.extra["errors"] == [{"row": 3, "column": column, "message": message}]
    assert f"第3行“{column}”:{message}" in error.message
    assert nothing_imported()


def test_a_room_number_excel_turned_into_a_date_is_explained(office, supervisor):
    row = with_cell("楼栋", datetime.datetime(2024, 1, 2))  # someone typed 1-2
    error = rejected(supervisor, office, xlsx_file([row]))

    assert error.extra["errors"] == [
        {
            "row": 2,
            "column": "楼栋",
            "message": "楼栋被Excel当成了日期,请将此列设为文本格式后重新填写",
        }
    ]


def test_a_resident_without_a_name_is_refused(office, supervisor):
    error = rejected(supervisor, office, xlsx_file([with_cell("姓名", "")]))

    assert error.extra["errors"] == [
        {"row": 2, "column": "姓名", "message": "填写了住户成员信息,但没有填写姓名"}
    ]


def test_the_same_room_with_two_occupancies_or_the_same_person_twice_is_refused(office, supervisor):
    rows = [
        GOOD_ROWS[0],
        with_cell("使用状态", "出租", GOOD_ROWS[1]),
        with_cell("证件号码", "", GOOD_ROWS[0]),
    ]
    error = rejected(supervisor, office, xlsx_file(rows))

    assert error.extra["errors"] == [
        {
            "row": 3,
            "column": "使用状态",
            "message": "同一房屋在第2行填写为“自住”,此处不一致,请统一",
        },
        {"row": 4, "column": "姓名", "message": "与第2行重复:同一房屋中姓名和电话都相同"},
    ]
    assert nothing_imported()


def test_a_missing_header_column_is_refused_before_reading_rows(office, supervisor):
    headers = [h for h in HEADERS if h != "电话"]
    rows = [[v for h, v in zip(HEADERS, GOOD_ROWS[0], strict=True) if h != "电话"]]
    error = rejected(supervisor, office, xlsx_file(rows, headers))

    assert error.code == "import_file_invalid"
    assert "缺少列“电话”" in error.message
    assert error.extra["errors"] == [{"row": 1, "column": "电话", "message": "缺少列“电话”"}]
    assert nothing_imported()


def test_an_unknown_header_column_is_refused(office, supervisor):
    headers = [*HEADERS, "微信号"]
    error = rejected(supervisor, office, xlsx_file([[*GOOD_ROWS[0], "wx"]], headers))

    assert "无法识别的列“微信号”" in error.message


@pytest.mark.parametrize(
    ("file_name", "content", "message"),
    [
        ("住户.xls", b"\xd0\xcf\x11\xe0", "只能导入Excel(.xlsx)或CSV文件"),
        ("住户.pdf", b"%PDF", "只能导入Excel(.xlsx)或CSV文件"),
        ("住户.csv", b"", "文件是空的"),
        ("住户.csv", ",".join(HEADERS).encode(), "没有资料行"),
        ("住户.xlsx", b"not a zip file", "无法读取该Excel文件"),
    ],
)
def test_files_that_are_not_a_filled_template_are_refused(
    office, supervisor, file_name, content, message
):
    error = rejected(supervisor, office, content, file_name=file_name)

    assert error.code == "import_file_invalid"
    assert message in error.message
    assert nothing_imported()


def test_a_file_over_the_row_limit_is_refused(office, supervisor, monkeypatch):
    monkeypatch.setattr(importer, "MAX_ROWS", 3)
    error = rejected(supervisor, office, xlsx_file(GOOD_ROWS))

    assert error.message == "文件超过3行资料,请拆分后分批导入"
    assert nothing_imported()


# --- Existing data ----------------------------------------------------------------------------


@pytest.fixture
def existing(office):
    estate = make_estate(office, "翠湖花园")
    building = make_building(estate, "3")
    return make_household(building, "1502", entrance="2", residents=[owner("陈明", "13812345678")])


def test_an_existing_room_is_reused_and_gets_the_new_residents(office, supervisor, existing):
    household_update(actor=supervisor, household=existing, occupancy=OccupancyStatus.OWNER_OCCUPIED)
    row = with_cell("建筑面积", "", GOOD_ROWS[1])  # the existing room's area is 98.50
    result = import_households(
        actor=supervisor, office=office, file_name="a.xlsx", content=xlsx_file([row])
    )

    assert (result.estates_created, result.units_created, result.residents_created) == (0, 0, 1)
    assert sorted(existing.residents.values_list("name", flat=True)) == ["陈小红", "陈明"]


def test_a_vacant_existing_room_takes_the_files_occupancy(office, supervisor, existing):
    row = with_cell("建筑面积", "", GOOD_ROWS[1])
    result = import_households(
        actor=supervisor, office=office, file_name="a.xlsx", content=xlsx_file([row])
    )

    existing.refresh_from_db()
    assert existing.get_occupancy_display() == "自住"
    assert result.households_updated == 1


def test_a_resident_already_registered_is_an_error_not_a_silent_skip(office, supervisor, existing):
    error = rejected(supervisor, office, xlsx_file([GOOD_ROWS[1], GOOD_ROWS[0]]))

    assert error.extra["errors"] == [
        {
            "row": 3,
            "column": "姓名",
            "message": "3栋2单元1502已登记了同名同电话的住户成员“陈明”。"
            "导入不会重复登记或修改已有成员,请删除此行",
        }
    ]
    assert existing.residents.count() == 1


def test_an_existing_room_is_never_changed_by_the_import(office, supervisor, existing):
    row = with_cell("楼层", "16", with_cell("姓名", "陈小红", with_cell("电话", "")))
    error = rejected(supervisor, office, xlsx_file([row]))

    assert error.extra["errors"] == [
        {
            "row": 2,
            "column": "楼层",
            "message": "系统中3栋2单元1502为15层,与此处不一致;导入不修改已有房屋",
        }
    ]


def test_a_failure_while_writing_rolls_everything_back(office, supervisor, monkeypatch):
    from estates import services

    real_resident_add = services.resident_add
    calls = []

    def resident_add_failing_on_the_third(**kwargs):
        calls.append(kwargs)
        if len(calls) == 3:
            raise ApplicationError("模拟的保存失败")
        return real_resident_add(**kwargs)

    monkeypatch.setattr(services, "resident_add", resident_add_failing_on_the_third)
    error = rejected(supervisor, office, xlsx_file(GOOD_ROWS))

    assert error.extra["errors"] == [{"row": 5, "column": "姓名", "message": "模拟的保存失败"}]
    assert nothing_imported()
    assert not AuditEvent.objects.exists()


# --- Authority --------------------------------------------------------------------------------


def test_staff_without_the_import_permission_are_refused(office):
    staff = make_staff("cs_staff", offices=[office])

    with pytest.raises(PermissionDeniedError) as caught:
        import_households(
            actor=staff, office=office, file_name="a.xlsx", content=xlsx_file(GOOD_ROWS)
        )

    assert "导入住户资料" in caught.value.message
    assert nothing_imported()


def test_another_offices_data_cannot_be_imported_into(office):
    other = make_office("别的管理处")
    outsider = make_staff("cs_supervisor", offices=[other])

    with pytest.raises(ApplicationError) as caught:
        import_households(
            actor=outsider, office=office, file_name="a.xlsx", content=xlsx_file(GOOD_ROWS)
        )

    assert caught.value.status_code == 404
    assert nothing_imported()


# --- Console ----------------------------------------------------------------------------------


def upload(client, name, content, **data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("estates:import"), {"file": SimpleUploadedFile(name, content), **data}
    )


def test_console_import_shows_the_counts_and_a_link_to_the_households(client, office, supervisor):
    client.force_login(supervisor)
    page = client.get(reverse("estates:import"))
    assert page.status_code == 200
    assert "导入到:翠湖管理处" in page.content.decode()
    assert 'name="office"' not in page.content.decode()  # one office: no chooser

    response = upload(client, "翠湖花园.xlsx", xlsx_file(GOOD_ROWS))

    html = response.content.decode()
    assert response.status_code == 200
    assert "导入成功:“翠湖花园.xlsx”共4行,新建小区1个、楼栋2栋、房屋3套、住户档案3户" in html
    assert "登记住户成员3人" in html
    assert reverse("estates:household_list") in html


def test_console_upload_error_shows_the_row_number_and_that_nothing_was_imported(
    client, office, supervisor
):
    client.force_login(supervisor)
    rows = [GOOD_ROWS[0], GOOD_ROWS[1], with_cell("证件号码", "123", GOOD_ROWS[3])]

    response = upload(client, "翠湖花园.csv", csv_file(rows))

    html = response.content.decode()
    assert response.status_code == 400
    assert "导入文件有1处错误,未导入任何数据。第4行“证件号码”" in html
    assert "本次没有导入任何数据" in html
    assert "<td>第4行</td><td>证件号码</td>" in html
    assert "身份证号码应为18位(最后一位可为X)" in html
    assert nothing_imported()


def test_console_offers_an_office_chooser_to_users_of_several_offices(client, office):
    other = make_office("第二管理处")
    manager = make_staff("cs_supervisor", offices=[office, other])
    client.force_login(manager)

    page = client.get(reverse("estates:import")).content.decode()
    assert 'name="office"' in page and "第二管理处" in page

    response = upload(client, "a.xlsx", xlsx_file(GOOD_ROWS), office=other.pk)
    assert response.status_code == 200
    assert Estate.objects.get().office == other


def test_console_refuses_staff_without_the_permission(client, office):
    client.force_login(make_staff("cs_staff", offices=[office]))

    assert client.get(reverse("estates:import")).status_code == 403
    assert upload(client, "a.xlsx", xlsx_file(GOOD_ROWS)).status_code == 403
    assert client.get(reverse("estates:import_template")).status_code == 403
    assert nothing_imported()


# --- The template -----------------------------------------------------------------------------


def test_the_template_downloads_and_reimports_after_filling_one_row(client, office, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse("estates:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]

    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook["住户资料"]
    assert [c.value for c in sheet[1]] == list(HEADERS)
    assert sheet.max_row == 3  # the header and two example rows
    assert "填写说明" in workbook.sheetnames
    help_text = " ".join(str(c.value) for row in workbook["填写说明"].iter_rows() for c in row)
    assert "自住、出租或空置" in help_text and "业主、租户或家庭成员" in help_text

    sheet.delete_rows(2, 2)  # the examples, as the instructions say
    sheet.append(GOOD_ROWS[0])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(client, "已填写.xlsx", buffer.getvalue())

    assert "导入成功" in response.content.decode()
    assert household_list(user=supervisor, query="陈明").get().unit.label == "3栋2单元1502"


def test_the_templates_example_rows_are_never_imported(office, supervisor):
    error = rejected(supervisor, office, build_import_template())

    assert [(e["row"], e["message"]) for e in error.extra["errors"]] == [
        (2, "这是导入模板中的示例行,请删除后再导入"),
        (3, "这是导入模板中的示例行,请删除后再导入"),
    ]
    assert nothing_imported()
