"""The import template (issue #2, docs/import.md): its columns, limits and example rows, and the
.xlsx that staff download and fill in. estates.importer reads files in this format."""

import datetime
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from estates.choices import IdDocumentType, OccupancyStatus, ResidentRelation

# Every row goes through the ordinary services (authority, validation, audit event), about
# 4-6 ms a row; 5,000 rows stay well inside the console's 60 s request limit
# (docs/production.md). Larger offices import one file per estate or per few buildings.
MAX_ROWS = 5_000
DATA_SHEET_TITLE = "住户资料"
HELP_SHEET_TITLE = "填写说明"


@dataclass(frozen=True)
class Column:
    header: str  # the file format: always these Chinese words, whatever the UI language
    required: str
    explanation: str
    width: int


# The template's columns, in order. The help sheet and docs/import.md describe the same.
COLUMNS = (
    Column("小区", _lazy("是"), _lazy("小区名称。所选管理处中没有这个小区时自动新建。"), 16),
    Column("楼栋", _lazy("是"), _lazy("楼号,如 3 或 A(不写“栋”字)。小区中没有时自动新建。"), 8),
    Column("单元", _lazy("否"), _lazy("单元号,如 2;没有单元的楼栋留空。"), 8),
    Column("楼层", _lazy("是"), _lazy("整数,如 15;地下层写负数,如 -1。"), 8),
    Column("房号", _lazy("是"), _lazy("房号,如 1502。"), 10),
    Column("建筑面积", _lazy("否"), _lazy("平方米,不小于0,最多两位小数,如 98.50。"), 10),
    Column("使用状态", _lazy("是"), _lazy("自住、出租或空置。同一房屋的各行须一致。"), 10),
    Column("姓名", _lazy("否"), _lazy("住户成员姓名。留空表示这一行只登记房屋(如空置房)。"), 10),
    Column("身份", _lazy("填写姓名时必填"), _lazy("业主、租户或家庭成员。"), 10),
    Column("电话", _lazy("否"), _lazy("手机或固定电话,如 13812345678、020-88886666。"), 15),
    Column(
        "证件类型",
        _lazy("否"),
        _lazy(
            "留空按居民身份证处理。可填:居民身份证、护照、港澳居民来往内地通行证、"
            "台湾居民来往大陆通行证、外国人永久居留身份证、其他;"
            "也可简写为身份证、港澳通行证、台胞证、永居证。"
        ),
        14,
    ),
    Column(
        "证件号码",
        _lazy("否"),
        _lazy("居民身份证须为18位并通过校验位核对。请将此列设为文本格式。"),
        22,
    ),
    Column(
        "入住日期",
        _lazy("否"),
        _lazy("如 2020-05-01 或 2020/05/01,也可以是Excel日期;不能晚于今天。"),
        12,
    ),
)
HEADERS = tuple(c.header for c in COLUMNS)

# The template's example rows. An import containing them unchanged is refused (row error),
# so that a template whose examples were not deleted never creates the example family.
EXAMPLE_ROWS = (
    (
        "阳光家园",
        "3",
        "2",
        15,
        "1502",
        98.5,
        "自住",
        "张伟",
        "业主",
        "13800138000",
        "居民身份证",
        "11010519491231002X",
        datetime.date(2020, 5, 1),
    ),
    (
        "阳光家园",
        "3",
        "2",
        15,
        "1502",
        98.5,
        "自住",
        "李娜",
        "家庭成员",
        "13900139000",
        "",
        "",
        datetime.date(2020, 5, 1),
    ),
)


def build_import_template() -> bytes:
    """The .xlsx staff fill in: a data sheet with the header, two example rows, drop-downs for
    the enumerations, and a "填写说明" sheet explaining every column."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET_TITLE
    sheet.append(HEADERS)
    header_fill = PatternFill("solid", fgColor="DCE6F1")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center")
    text_columns = {"小区", "楼栋", "单元", "房号", "姓名", "电话", "证件号码"}
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width + 4
        if column.header in text_columns:
            # Excel would turn 1-2 into a date and an ID number into 4.40308E+17.
            sheet.column_dimensions[letter].number_format = "@"
    example_font = Font(color="808080", italic=True)
    for example in EXAMPLE_ROWS:
        sheet.append(list(example))
        for cell in sheet[sheet.max_row]:
            cell.font = example_font
            if isinstance(cell.value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, str):
                cell.number_format = "@"
    sheet.freeze_panes = "A2"
    last_row = MAX_ROWS + 1
    for header, choices in (
        ("使用状态", OccupancyStatus.labels),
        ("身份", ResidentRelation.labels),
        ("证件类型", IdDocumentType.labels),
    ):
        letter = get_column_letter(HEADERS.index(header) + 1)
        validation = DataValidation(
            type="list", formula1='"' + ",".join(str(c) for c in choices) + '"', allow_blank=True
        )
        validation.add(f"{letter}2:{letter}{last_row}")
        sheet.add_data_validation(validation)

    help_sheet = workbook.create_sheet(HELP_SHEET_TITLE)
    for line in _help_lines():
        help_sheet.append(line)
    help_sheet.column_dimensions["A"].width = 14
    help_sheet.column_dimensions["B"].width = 16
    help_sheet.column_dimensions["C"].width = 80
    for row in help_sheet.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    help_sheet["A1"].font = Font(bold=True, size=13)
    for cell in help_sheet[3]:
        cell.font = Font(bold=True)
        cell.fill = header_fill

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _help_lines() -> list[tuple[str, ...]]:
    lines: list[tuple[str, ...]] = [
        (_("住户资料导入模板 填写说明"),),
        (),
        (_("列名"), _("是否必填"), _("说明与可填写的值")),
    ]
    lines += [(c.header, str(c.required), str(c.explanation)) for c in COLUMNS]
    lines += [
        (),
        (_("规则"),),
        ("1", _("在“住户资料”工作表中填写,第1行表头不要修改,从第2行起每行一位住户成员。")),
        ("2", _("灰色的两行是示例,导入前请删除,否则会被拒绝。")),
        ("3", _("同一房屋有多位成员时写多行,各行的楼层、使用状态须一致。")),
        ("4", _("不填姓名的行只登记房屋(如空置房)。")),
        (
            "5",
            _(
                "系统中已有的小区、楼栋、房屋会沿用:楼层、建筑面积须与系统一致;"
                "空置房屋可改为自住或出租;新成员加入该房屋的住户档案。"
            ),
        ),
        ("6", _("该房屋已登记的同名同电话成员不能重复导入(会报错)。")),
        ("7", _("全部正确才导入;只要有一处错误,整个文件都不导入,并列出每处错误的行号和原因。")),
        ("8", _("不要使用合并单元格;每个文件最多%(max)s行。") % {"max": f"{MAX_ROWS:,}"}),
        ("9", _("也可另存为CSV(UTF-8或GB18030编码)导入,列名相同。")),
    ]
    return lines
